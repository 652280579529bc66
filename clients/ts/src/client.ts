// LinkupClient: one logical session with a linkup server over as many
// WebSocket connections as it takes. It reconnects by itself, resumes every
// chat with sync_request as the first frame of each connection, delivers
// each timeline item once and in seq order, and retries sends with the same
// client_msg_id until the server acknowledges them.

import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { ClientClosedError, ConnectionLostError, LinkupError, ServerError, TimeoutError } from "./errors.js";
import { parseServerFrame, type ParseFailure } from "./parse.js";
import {
  PROTOCOL,
  RETRYABLE_CODES,
  TIMELINE_TYPES,
  type AckFrame,
  type BulkReadAck,
  type ChatCreatedFrame,
  type ChatSummary,
  type ClientCommand,
  type ConnectionStatusFrame,
  type CreateChatAck,
  type DeliveredFrame,
  type DeliveryAck,
  type ErrorFrame,
  type ForceReconnectFrame,
  type HistoryFrame,
  type MembersAck,
  type MembersChangedFrame,
  type MessageDeletedFrame,
  type MessageEditedFrame,
  type MessageFrame,
  type PresenceEntry,
  type PresenceFrame,
  type PresenceStateFrame,
  type ReadAck,
  type ReadFrame,
  type SendMessageAck,
  type ServerFrame,
  type SyncCompleteFrame,
  type TimelineAck,
  type TimelineFrame,
  type TypingFrame,
} from "./protocol.js";
import { Timelines } from "./timeline.js";
import { decodeToken, expiresWithin } from "./token.js";
import { OPEN, errorDetail, globalWebSocket, type WebSocketConstructor, type WebSocketLike } from "./websocket.js";

/** The client's connection state. */
export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/** How the token reaches the server; both work in browsers. */
export type TokenVia = "query" | "subprotocol";

export interface LinkupClientOptions {
  /** The server's WebSocket URL, e.g. `wss://chat.example.com/ws`. */
  url: string;
  /** The JWT to connect with. */
  token: string;
  /** `subprotocol` (default: `linkup.v1, bearer.<token>`, keeps the token out of URL logs) or `query` (`?token=`). */
  tokenVia?: TokenVia;
  /**
   * Returns a fresh token. Called before a reconnect when the token expires
   * within `refreshMarginMs`, after the server closed with 1008 (token
   * expired), and after a handshake that failed in a way that may be a 401
   * (the browser API cannot tell a 401 from other refusals).
   */
  refreshToken?: () => Promise<string>;
  /** Default 60000. */
  refreshMarginMs?: number;
  /** A WebSocket constructor; default the global one (browsers, Node >= 22). In Node 20 pass `ws`'s. */
  WebSocket?: WebSocketConstructor;
  /** Reply timeout of requests, in ms. Default 10000. */
  requestTimeoutMs?: number;
  /** Reconnect backoff (full jitter). Default base 250 ms, cap 30 s. */
  backoff?: BackoffOptions;
  /** An application ping every this many ms while open; no pong within requestTimeoutMs reconnects. 0 turns it off. Default 25000. */
  heartbeatMs?: number;
  /** Chat positions to resume from (chat_id to the last seq the application holds). */
  positions?: Record<string, number>;
  /**
   * A chat the client learns of from sync_complete without following it yet:
   * `from-start` (default) fetches its whole timeline, `from-now` follows
   * it from its latest seq (use get_history for older items).
   */
  newChats?: "from-start" | "from-now";
  /** `limit` of each sync_request (per chat). Default server's (500). */
  syncLimit?: number;
  /** How long a gap in a chat's seq may stay before the client asks for it with sync_request. Default 1000 ms. */
  gapWaitMs?: number;
  /** Sends held while not acknowledged, at most. Default 10000; more are rejected. */
  maxPendingSends?: number;
  /** Sends written and not yet acknowledged, at most (the rest wait in order). Default 32. */
  maxInFlightSends?: number;
  /** Shorthand for `on("protocolError", ...)`: frames the client could not use and skipped. */
  onProtocolError?: (failure: ParseFailure) => void;
}

/** Events of a LinkupClient. Timeline events come once per seq, in seq order per chat. */
export interface LinkupEvents {
  state: { state: ConnectionState; previous: ConnectionState };
  /** A timeline item of any kind. */
  timeline: TimelineFrame;
  message: MessageFrame;
  message_edited: MessageEditedFrame;
  message_deleted: MessageDeletedFrame;
  members_changed: MembersChangedFrame;
  chat_created: ChatCreatedFrame;
  typing: TypingFrame;
  read: ReadFrame;
  delivered: DeliveredFrame;
  presence: PresenceFrame;
  force_reconnect: ForceReconnectFrame;
  /** The answer to every sync_request, the automatic ones included. */
  sync_complete: SyncCompleteFrame;
  /** An `error` frame that answers no pending request (e.g. of a typing frame). */
  server_error: ServerError;
  /** A frame the client could not parse or use; it was skipped and the connection goes on. */
  protocolError: ParseFailure;
  /** The client stopped following chats (the server says the user is no longer a member). */
  chats_removed: string[];
  /** A WebSocket error or a failed token refresh (the client retries by itself). */
  error: Error;
  /** Every parsed server frame, before the client handles it. */
  frame: ServerFrame;
}

export interface SendOptions {
  /** The idempotency key; default a random UUID. */
  clientMsgId?: string;
}

export interface RequestOptions {
  /** Overrides requestTimeoutMs for this request. */
  timeoutMs?: number;
}

/** A request waiting for its reply. */
interface Pending {
  type: string;
  /** Returns true when the frame ends the request. */
  onReply(frame: ServerFrame): boolean;
  /** The connection went away after the request was written. */
  onLost(): void;
  /** The client closed. */
  onClosed(): void;
  written: boolean;
}

/** A send not yet acknowledged. */
interface OutboxEntry {
  chatId: string;
  clientMsgId: string;
  body: string;
  resolve(ack: SendMessageAck): void;
  reject(err: Error): void;
  /** The ref of the attempt in flight, if any. */
  ref?: string;
  attempts: number;
  retryTimer?: ReturnType<typeof setTimeout>;
}

/** Chats per sync_request (the server refuses more than 1,000). */
const SYNC_BATCH = 1000;

export class LinkupClient extends Emitter<LinkupEvents> {
  private readonly opts: LinkupClientOptions;
  private readonly WS: WebSocketConstructor;
  private token: string;
  private userId: string;
  private stateValue: ConnectionState = "idle";
  private ws: WebSocketLike | null = null;
  private attempt = 0;
  private nextRef = 1;
  private readonly pending = new Map<string, Pending>();
  /** Requests made while offline, written on the next open. */
  private queued: { ref: string; cmd: ClientCommand }[] = [];
  private readonly outbox: OutboxEntry[] = [];
  private readonly timelines: Timelines;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private heartbeatTimer?: ReturnType<typeof setInterval>;
  private gapTimer?: ReturnType<typeof setTimeout>;
  private retryAfterMs?: number;
  private refreshNeeded = false;
  private readyWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  private synced = false;
  /** The socket is open and its sync_request is written: other frames may follow. */
  private live = false;

  constructor(opts: LinkupClientOptions) {
    super();
    const WS = opts.WebSocket ?? globalWebSocket();
    if (!WS) {
      throw new LinkupError("no WebSocket implementation: pass one as `WebSocket` (in Node 20, `import WebSocket from \"ws\"`)");
    }
    this.opts = opts;
    this.WS = WS;
    this.token = opts.token;
    this.userId = decodeToken(opts.token).sub ?? "";
    this.timelines = new Timelines();
    for (const [chat, seq] of Object.entries(opts.positions ?? {})) this.timelines.track(chat, seq);
    if (opts.onProtocolError) this.on("protocolError", opts.onProtocolError);
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The user id in the token (`sub`). */
  get user(): string {
    return this.userId;
  }

  /** Every followed chat and the last seq delivered with none missing below (persist it to resume later). */
  positions(): Record<string, number> {
    return this.timelines.positions();
  }

  /** Sends not acknowledged yet. */
  get pendingSends(): number {
    return this.outbox.length;
  }

  /**
   * Starts connecting (and reconnecting, until close()). Resolves once the
   * first connection is open and its first sync is complete. Never rejects
   * because the server is away; rejects with ClientClosedError if close()
   * comes first.
   */
  connect(): Promise<void> {
    if (this.stateValue === "closed") return Promise.reject(new ClientClosedError());
    const p = this.ready();
    if (this.stateValue === "idle") {
      this.setState("connecting");
      void this.dial();
    }
    return p;
  }

  /** Resolves when the client is open and synced (at once if it is now). */
  ready(): Promise<void> {
    if (this.stateValue === "closed") return Promise.reject(new ClientClosedError());
    if (this.stateValue === "open" && this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Closes for good: pending requests and sends reject with ClientClosedError. */
  close(): void {
    if (this.stateValue === "closed") return;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.gapTimer);
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      try {
        ws.close(1000, "client closed");
      } catch {
        // already closing
      }
    }
    this.setState("closed");
    const err = new ClientClosedError();
    for (const p of [...this.pending.values()]) p.onClosed();
    this.pending.clear();
    this.queued = [];
    for (const e of this.outbox.splice(0)) {
      clearTimeout(e.retryTimer);
      e.reject(err);
    }
    for (const w of this.readyWaiters.splice(0)) w.reject(err);
  }

  // -------------------------------------------------------------------------
  // Commands

  ping(o?: RequestOptions): Promise<void> {
    return this.request({ type: "ping" }, o).then(() => undefined);
  }

  createChat(c: { chat_id?: string; title: string; members: string[] }, o?: RequestOptions): Promise<CreateChatAck> {
    return this.ackOf<CreateChatAck>({ type: "create_chat", ...c }, o);
  }

  /**
   * Sends a message. While offline it is queued; it is written again after
   * every reconnect, with the same client_msg_id, until the server
   * acknowledges it, so a retry is never a second message. Resolves with the
   * ack; rejects with ServerError for a refusal that retrying cannot mend
   * (not_member, invalid_payload, ...), or ClientClosedError.
   */
  send(chatId: string, body: string, o: SendOptions = {}): Promise<SendMessageAck> {
    if (this.stateValue === "closed") return Promise.reject(new ClientClosedError());
    const max = this.opts.maxPendingSends ?? 10_000;
    if (this.outbox.length >= max) return Promise.reject(new LinkupError(`more than ${max} sends pending`));
    return new Promise((resolve, reject) => {
      const clientMsgId = o.clientMsgId ?? randomId();
      this.outbox.push({ chatId, clientMsgId, body, resolve, reject, attempts: 0 });
      this.flushOutbox();
    });
  }

  /** Alias of send(). */
  sendMessage(chatId: string, body: string, o?: SendOptions): Promise<SendMessageAck> {
    return this.send(chatId, body, o);
  }

  /** Fire and forget (the server does not acknowledge typing); false when offline, nothing is queued. */
  typing(chatId: string, isTyping: boolean): boolean {
    return this.write({ type: "typing", chat_id: chatId, is_typing: isTyping }, this.newRef());
  }

  readReceipt(chatId: string, seq: number, o?: RequestOptions): Promise<ReadAck> {
    return this.ackOf<ReadAck>({ type: "read_receipt", chat_id: chatId, seq }, o);
  }

  bulkReadReceipt(receipts: { chat_id: string; seq: number }[], o?: RequestOptions): Promise<BulkReadAck> {
    return this.ackOf<BulkReadAck>({ type: "bulk_read_receipt", receipts }, o);
  }

  markChatRead(chatId: string, o?: RequestOptions): Promise<ReadAck> {
    return this.ackOf<ReadAck>({ type: "mark_chat_read", chat_id: chatId }, o);
  }

  getConnectionStatus(o?: RequestOptions): Promise<ConnectionStatusFrame> {
    return this.request({ type: "get_connection_status" }, o) as Promise<ConnectionStatusFrame>;
  }

  async listChats(o?: RequestOptions): Promise<ChatSummary[]> {
    const f = await this.request({ type: "list_chats" }, o);
    return (f as { chats: ChatSummary[] }).chats;
  }

  /** The newest `limit` items (below `beforeSeq`), ascending. History is not fed to the timeline events. */
  getHistory(chatId: string, q: { beforeSeq?: number; limit?: number } = {}, o?: RequestOptions): Promise<HistoryFrame> {
    return this.request(
      { type: "get_history", chat_id: chatId, before_seq: q.beforeSeq, limit: q.limit },
      o,
    ) as Promise<HistoryFrame>;
  }

  /**
   * A sync_request for the given chats (default: every followed chat, from
   * its position). Missed items arrive as timeline events before this
   * resolves; chats cut short (`truncated`) are synced again by the client.
   */
  sync(positions?: Record<string, number>, o?: RequestOptions): Promise<SyncCompleteFrame> {
    const pos = positions ?? this.timelines.positions();
    for (const [chat, seq] of Object.entries(pos)) this.timelines.track(chat, seq);
    return this.syncRequest(pos, o?.timeoutMs);
  }

  /** Asks the server to close this connection (it answers force_reconnect); the client reconnects. */
  forceReconnect(): boolean {
    return this.write({ type: "force_reconnect" }, this.newRef());
  }

  /** v1.1 */
  addMembers(chatId: string, members: string[], o?: RequestOptions): Promise<MembersAck> {
    return this.ackOf<MembersAck>({ type: "add_members", chat_id: chatId, members }, o);
  }

  /** v1.1 */
  removeMember(chatId: string, user: string, o?: RequestOptions): Promise<MembersAck> {
    return this.ackOf<MembersAck>({ type: "remove_member", chat_id: chatId, user }, o);
  }

  /** v1.1 */
  leaveChat(chatId: string, o?: RequestOptions): Promise<MembersAck> {
    return this.ackOf<MembersAck>({ type: "leave_chat", chat_id: chatId }, o);
  }

  /** v1.1 */
  editMessage(chatId: string, seq: number, body: string, o?: RequestOptions): Promise<TimelineAck> {
    return this.ackOf<TimelineAck>({ type: "edit_message", chat_id: chatId, seq, body }, o);
  }

  /** v1.1 */
  deleteMessage(chatId: string, seq: number, o?: RequestOptions): Promise<TimelineAck> {
    return this.ackOf<TimelineAck>({ type: "delete_message", chat_id: chatId, seq }, o);
  }

  /** v1.1 */
  deliveryReceipt(chatId: string, seq: number, o?: RequestOptions): Promise<DeliveryAck> {
    return this.ackOf<DeliveryAck>({ type: "delivery_receipt", chat_id: chatId, seq }, o);
  }

  /** v1.1 */
  async getPresence(users: string[], o?: RequestOptions): Promise<PresenceEntry[]> {
    const f = await this.request({ type: "get_presence", users }, o);
    return (f as PresenceStateFrame).users;
  }

  /**
   * Any command; resolves with the reply frame (ack, pong, history, ...),
   * rejects with ServerError, TimeoutError, ConnectionLostError (the
   * connection dropped after the request was written: it may or may not
   * have taken effect) or ClientClosedError. Made while offline, the
   * request waits for the next connection within its timeout.
   */
  request(cmd: ClientCommand, o: RequestOptions = {}): Promise<ServerFrame> {
    if (this.stateValue === "closed") return Promise.reject(new ClientClosedError());
    const timeoutMs = o.timeoutMs ?? this.opts.requestTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const ref = this.newRef();
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        this.queued = this.queued.filter((q) => q.ref !== ref);
        reject(new TimeoutError(cmd.type, timeoutMs));
      }, timeoutMs);
      const done = (f: () => void): void => {
        clearTimeout(timer);
        this.pending.delete(ref);
        f();
      };
      this.pending.set(ref, {
        type: cmd.type,
        written: false,
        onReply: (frame) => {
          done(() => (frame.type === "error" ? reject(new ServerError(frame)) : resolve(frame)));
          return true;
        },
        onLost: () => done(() => reject(new ConnectionLostError(cmd.type))),
        onClosed: () => done(() => reject(new ClientClosedError())),
      });
      if (this.isOpen() && this.write(cmd, ref)) this.pending.get(ref)!.written = true;
      else this.queued.push({ ref, cmd });
    });
  }

  private async ackOf<T>(cmd: ClientCommand, o?: RequestOptions): Promise<T> {
    const f = await this.request(cmd, o);
    if (f.type !== "ack") throw new LinkupError(`${cmd.type}: expected ack, got ${f.type}`);
    return f as unknown as T;
  }

  // -------------------------------------------------------------------------
  // Connection life cycle

  private async dial(): Promise<void> {
    if (this.stateValue === "closed") return;
    const refresh = this.opts.refreshToken;
    if (refresh && (this.refreshNeeded || expiresWithin(this.token, this.opts.refreshMarginMs ?? 60_000))) {
      try {
        this.token = await refresh();
        this.userId = decodeToken(this.token).sub ?? this.userId;
        this.refreshNeeded = false;
      } catch (e) {
        this.emit("error", e instanceof Error ? e : new Error(String(e)));
      }
      if (this.closed()) return; // close() came while the token was refreshed
    }
    let ws: WebSocketLike;
    try {
      ws = this.openSocket();
    } catch (e) {
      this.emit("error", e instanceof Error ? e : new Error(String(e)));
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    let opened = false;
    let detail: string | undefined;
    let fallback: ReturnType<typeof setTimeout> | undefined;
    const finish = (code: number): void => {
      clearTimeout(fallback);
      detach(ws);
      if (this.ws !== ws) return;
      this.ws = null;
      if (code === 1008 || mayBeRefusal(opened, detail)) this.refreshNeeded = true;
      this.onDisconnect();
    };
    ws.onopen = () => {
      opened = true;
      this.onOpen();
    };
    ws.onmessage = (ev: { data: unknown }) => this.onData(ev.data);
    ws.onerror = (ev: unknown) => {
      detail = errorDetail(ev);
      this.emit("error", new LinkupError(`websocket: ${detail ?? "error"}`));
      // Browsers follow an error with close; Node 20's built-in WebSocket
      // does not after a failed handshake. Never wait on a close that may
      // not come.
      if (!opened) {
        finish(1006);
      } else {
        fallback ??= setTimeout(() => finish(1006), 5000);
      }
    };
    ws.onclose = (ev: { code?: unknown }) => finish(typeof ev?.code === "number" ? ev.code : 1006);
  }

  private openSocket(): WebSocketLike {
    const via = this.opts.tokenVia ?? "subprotocol";
    if (via === "query") {
      const u = new URL(this.opts.url);
      u.searchParams.set("token", this.token);
      return new this.WS(u.toString(), [PROTOCOL]);
    }
    return new this.WS(this.opts.url, [PROTOCOL, `bearer.${this.token}`]);
  }

  private onOpen(): void {
    this.retryAfterMs = undefined;
    this.synced = false;
    this.live = true;
    const ws = this.ws;
    // The sync goes first: the server holds live items back until it reads
    // this connection's first frame, and answers a sync_request first.
    void this.syncAll().then(
      () => {
        this.attempt = 0;
        this.synced = true;
        for (const w of this.readyWaiters.splice(0)) w.resolve();
      },
      () => {
        // A sync that failed or timed out: start over on a new connection.
        if (this.ws === ws) ws?.close(4000, "sync failed");
      },
    );
    this.writeQueued();
    for (const e of this.outbox) e.ref = undefined;
    this.flushOutbox();
    this.startHeartbeat();
    this.setState("open");
  }

  /** Writes the requests made while offline (the sync_request has gone first). */
  private writeQueued(): void {
    const queued = this.queued;
    this.queued = [];
    for (const q of queued) {
      const p = this.pending.get(q.ref);
      if (!p) continue;
      if (this.write(q.cmd, q.ref)) p.written = true;
      else this.queued.push(q);
    }
  }

  private onDisconnect(): void {
    this.stopHeartbeat();
    this.synced = false;
    this.live = false;
    // Written requests have lost their reply; unwritten ones stay queued.
    for (const p of [...this.pending.values()]) if (p.written) p.onLost();
    for (const e of this.outbox) e.ref = undefined;
    if (this.stateValue === "closed") return;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.setState("reconnecting");
    // retry_after_ms of a force_reconnect is a floor; the jittered backoff
    // on top of it spreads clients the server sent away together.
    const delay = (this.retryAfterMs ?? 0) + backoffDelay(this.attempt, this.opts.backoff);
    this.retryAfterMs = undefined;
    this.attempt++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.dial(), delay);
  }

  private closed(): boolean {
    return this.stateValue === "closed";
  }

  private isOpen(): boolean {
    return this.live && this.ws !== null && this.ws.readyState === OPEN;
  }

  private write(cmd: ClientCommand, ref: string): boolean {
    if (!this.isOpen()) return false;
    try {
      this.ws!.send(JSON.stringify({ ...cmd, ref }));
      return true;
    } catch (e) {
      this.emit("error", e instanceof Error ? e : new Error(String(e)));
      return false;
    }
  }

  private newRef(): string {
    return `c${this.nextRef++}`;
  }

  private setState(state: ConnectionState): void {
    const previous = this.stateValue;
    if (previous === state) return;
    this.stateValue = state;
    this.emit("state", { state, previous });
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const every = this.opts.heartbeatMs ?? 25_000;
    if (every <= 0) return;
    const ws = this.ws;
    this.heartbeatTimer = setInterval(() => {
      this.ping().catch((e: unknown) => {
        if (e instanceof TimeoutError && this.ws === ws) ws?.close(4000, "heartbeat timeout");
      });
    }, every);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  // -------------------------------------------------------------------------
  // Sync

  /** Syncs every followed chat (in batches the server accepts), then what the answers ask for. */
  private async syncAll(): Promise<void> {
    const pos = this.timelines.positions();
    const ids = Object.keys(pos);
    const batches: Record<string, number>[] = [];
    for (let i = 0; i < ids.length || i === 0; i += SYNC_BATCH) {
      batches.push(Object.fromEntries(ids.slice(i, i + SYNC_BATCH).map((id) => [id, pos[id]!])));
    }
    // Written back to back, the first one first.
    await Promise.all(batches.map((b) => this.syncRequest(b)));
  }

  /**
   * One sync_request: not_member errors with its ref drop those chats; the
   * sync_complete ends it. Chats left truncated, and chats learnt of, are
   * synced again before the promise resolves.
   */
  private syncRequest(positions: Record<string, number>, timeoutMs?: number): Promise<SyncCompleteFrame> {
    const cmd: ClientCommand = { type: "sync_request", positions, limit: this.opts.syncLimit };
    const limitMs = timeoutMs ?? this.opts.requestTimeoutMs ?? 10_000;
    return new Promise<SyncCompleteFrame>((resolve, reject) => {
      const ref = this.newRef();
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        this.queued = this.queued.filter((q) => q.ref !== ref);
        reject(new TimeoutError("sync_request", limitMs));
      }, limitMs);
      const done = (f: () => void): void => {
        clearTimeout(timer);
        this.pending.delete(ref);
        f();
      };
      this.pending.set(ref, {
        type: "sync_request",
        written: false,
        onReply: (frame) => {
          if (frame.type === "error" && frame.code === "not_member") {
            this.dropChats(frame.chat_ids ?? (frame.chat_id ? [frame.chat_id] : []));
            return false;
          }
          if (frame.type === "error") {
            done(() => reject(new ServerError(frame)));
            return true;
          }
          if (frame.type !== "sync_complete") return false;
          done(() => resolve(this.afterSync(positions, frame)));
          return true;
        },
        onLost: () => done(() => reject(new ConnectionLostError("sync_request"))),
        onClosed: () => done(() => reject(new ClientClosedError())),
      });
      if (this.isOpen() && this.write(cmd, ref)) this.pending.get(ref)!.written = true;
      else this.queued.push({ ref, cmd });
    }).then((f) => this.followUp(positions, f));
  }

  /** Applies a sync_complete: new chats, gaps the server says are final. */
  private afterSync(asked: Record<string, number>, f: SyncCompleteFrame): SyncCompleteFrame {
    for (const [chat, st] of Object.entries(f.chats)) {
      if (!this.timelines.has(chat)) {
        this.timelines.track(chat, this.opts.newChats === "from-now" ? st.latest_seq : 0);
        continue;
      }
      const pos = this.timelines.position(chat) ?? 0;
      if (chat in asked && !st.truncated && pos < st.latest_seq) {
        // The missing seq may be one of our own sends, whose ack is on its
        // way: look again later.
        if (this.outbox.some((e) => e.chatId === chat && e.ref !== undefined)) {
          this.armGapSync();
          continue;
        }
        // Everything up to latest_seq has been sent; what did not come never will.
        const held = this.timelines.skipGap(chat, st.latest_seq);
        this.emit("protocolError", {
          ok: false,
          reason: `sync of ${chat} complete at seq ${st.latest_seq} but seq ${pos + 1} never came`,
          raw: JSON.stringify(f).slice(0, 1024),
        });
        this.deliver(held);
      }
    }
    this.emit("sync_complete", f);
    return f;
  }

  /** Syncs again the chats a sync_complete left behind (truncated, or new and followed from the start). */
  private async followUp(asked: Record<string, number>, f: SyncCompleteFrame): Promise<SyncCompleteFrame> {
    const again: Record<string, number> = {};
    // The server caps one answer over all its chats, so a truncated chat
    // may have got nothing this time; continue as long as the answer moved
    // some chat on (a server that never does cannot make the client spin).
    const progress = Object.entries(asked).some(([chat, was]) => (this.timelines.position(chat) ?? was) > was);
    for (const [chat, st] of Object.entries(f.chats)) {
      const pos = this.timelines.position(chat);
      if (pos === undefined || pos >= st.latest_seq) continue;
      const was = asked[chat];
      // Not asked: a chat learnt of now, followed from the start.
      if (was === undefined || (st.truncated && progress)) again[chat] = pos;
    }
    const ids = Object.keys(again);
    for (let i = 0; i < ids.length; i += SYNC_BATCH) {
      await this.syncRequest(Object.fromEntries(ids.slice(i, i + SYNC_BATCH).map((id) => [id, again[id]!])));
    }
    return f;
  }

  private dropChats(ids: string[]): void {
    if (ids.length === 0) return;
    for (const id of ids) this.timelines.forget(id);
    this.emit("chats_removed", ids);
  }

  /** Arms a sync for chats that hold items above a gap, unless the gap fills first. */
  private armGapSync(): void {
    if (this.gapTimer !== undefined) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      const gapped = this.timelines.gapped();
      if (gapped.length === 0 || !this.isOpen()) return;
      const pos = this.timelines.positions();
      this.syncRequest(Object.fromEntries(gapped.map((id) => [id, pos[id]!]))).catch(() => this.armGapSync());
    }, this.opts.gapWaitMs ?? 1000);
  }

  // -------------------------------------------------------------------------
  // Incoming frames

  private onData(data: unknown): void {
    const r = parseServerFrame(data);
    if (!r.ok) {
      this.emit("protocolError", r);
      return;
    }
    this.handle(r.frame);
  }

  /** Handles one parsed frame. */
  private handle(frame: ServerFrame): void {
    this.emit("frame", frame);
    const ref = "ref" in frame ? frame.ref : undefined;
    if (ref !== undefined) {
      const p = this.pending.get(ref);
      if (p) {
        p.onReply(frame);
        return;
      }
    }
    switch (frame.type) {
      case "message":
      case "members_changed":
      case "message_edited":
      case "message_deleted":
        this.onTimeline(frame);
        return;
      case "chat_created":
        this.timelines.track(frame.chat_id, 0);
        this.emit("chat_created", frame);
        return;
      case "typing":
      case "read":
      case "delivered":
      case "presence":
        (this.emit as (k: string, v: unknown) => void)(frame.type, frame);
        return;
      case "force_reconnect":
        this.retryAfterMs = Math.max(0, frame.retry_after_ms ?? 0);
        this.emit("force_reconnect", frame);
        return;
      case "error":
        this.emit("server_error", new ServerError(frame));
        return;
      case "ack":
        this.onStrayAck(frame);
        return;
      default:
        // Replies whose request already timed out.
        return;
    }
  }

  private onTimeline(item: TimelineFrame): void {
    if (!TIMELINE_TYPES.includes(item.type)) return;
    const { deliver } = this.timelines.accept(item);
    this.deliver(deliver);
    if (this.timelines.gapped().length > 0) this.armGapSync();
  }

  private deliver(items: TimelineFrame[]): void {
    for (const it of items) {
      this.emit("timeline", it);
      (this.emit as (k: string, v: unknown) => void)(it.type, it);
      if (it.type === "members_changed" && it.removed?.includes(this.userId)) this.dropChats([it.chat_id]);
    }
  }

  // -------------------------------------------------------------------------
  // Sends

  private flushOutbox(): void {
    if (!this.isOpen()) return;
    const window = this.opts.maxInFlightSends ?? 32;
    let inFlight = this.outbox.filter((e) => e.ref !== undefined).length;
    for (const e of this.outbox) {
      if (inFlight >= window) return;
      if (e.ref !== undefined || e.retryTimer !== undefined) continue;
      this.attemptSend(e);
      if (e.ref !== undefined) inFlight++;
    }
  }

  private attemptSend(e: OutboxEntry): void {
    const ref = this.newRef();
    const timeoutMs = this.opts.requestTimeoutMs ?? 10_000;
    e.attempts++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const clear = (): void => {
      clearTimeout(timer);
      this.pending.delete(ref);
      if (e.ref === ref) e.ref = undefined;
    };
    this.pending.set(ref, {
      type: "send_message",
      written: true,
      onReply: (frame) => {
        clear();
        if (frame.type === "ack") this.acked(e, frame);
        else if (frame.type === "error") this.sendRefused(e, frame);
        return true;
      },
      onLost: () => clear(), // resent on the next connection
      onClosed: () => clear(),
    });
    e.ref = ref;
    if (!this.write({ type: "send_message", chat_id: e.chatId, client_msg_id: e.clientMsgId, body: e.body }, ref)) {
      clear();
      return;
    }
    // No ack in time on a live connection: write it again (same client_msg_id).
    timer = setTimeout(() => {
      clear();
      this.flushOutbox();
    }, timeoutMs);
  }

  private acked(e: OutboxEntry, ack: AckFrame): void {
    this.removeFromOutbox(e);
    const a = ack as SendMessageAck & AckFrame;
    // The sending connection gets the ack, not the item: the client puts the
    // item in the timeline itself (a copy from the server is a duplicate).
    if (typeof a.seq === "number" && typeof a.chat_id === "string") {
      this.onTimeline({
        type: "message",
        chat_id: a.chat_id,
        seq: a.seq,
        message_id: a.message_id ?? "",
        sender: this.userId,
        body: e.body,
        sent_at: a.sent_at ?? "",
        client_msg_id: e.clientMsgId,
      });
    }
    e.resolve({
      chat_id: a.chat_id ?? e.chatId,
      client_msg_id: a.client_msg_id ?? e.clientMsgId,
      message_id: a.message_id ?? "",
      seq: a.seq ?? 0,
      sent_at: a.sent_at ?? "",
    });
  }

  private sendRefused(e: OutboxEntry, f: ErrorFrame): void {
    if (!RETRYABLE_CODES.includes(f.code)) {
      this.removeFromOutbox(e);
      e.reject(new ServerError(f));
      return;
    }
    e.retryTimer = setTimeout(
      () => {
        e.retryTimer = undefined;
        this.flushOutbox();
      },
      Math.max(100, backoffDelay(e.attempts, this.opts.backoff)),
    );
    this.flushOutbox();
  }

  private onStrayAck(f: AckFrame): void {
    // An ack whose attempt timed out and was written again: the first one
    // to come settles the send.
    if (typeof f.client_msg_id !== "string") return;
    const e = this.outbox.find((x) => x.clientMsgId === f.client_msg_id && x.chatId === f.chat_id);
    if (e) {
      if (e.ref !== undefined) this.pending.delete(e.ref);
      e.ref = undefined;
      this.acked(e, f);
    }
  }

  private removeFromOutbox(e: OutboxEntry): void {
    clearTimeout(e.retryTimer);
    const i = this.outbox.indexOf(e);
    if (i >= 0) this.outbox.splice(i, 1);
    this.flushOutbox(); // the window has room for the next
  }

  /** Feeds one raw frame through the parser and the handlers, as if the server had sent it (tests, replays). */
  handleRaw(data: unknown): void {
    this.onData(data);
  }
}

/**
 * Whether a failed connection may have been refused for its token (HTTP
 * 401). Browsers hide the status, so a handshake that failed for no stated
 * network reason counts; `ws` names the status, and then only 401 counts.
 */
function mayBeRefusal(opened: boolean, detail: string | undefined): boolean {
  if (opened) return false;
  if (detail === undefined) return true;
  const status = /server response: (\d{3})/.exec(detail);
  if (status) return status[1] === "401";
  return !/\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH)\b/.test(detail);
}

/** A random v4 UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
export function randomId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Stops listening to a socket that is done with. No-ops rather than null:
 * `ws` throws on an "error" event nobody listens to, and a socket being
 * closed may still have one to report.
 */
function detach(ws: WebSocketLike): void {
  const ignore = (): void => {};
  ws.onopen = ignore;
  ws.onmessage = ignore;
  ws.onerror = ignore;
  ws.onclose = ignore;
}
