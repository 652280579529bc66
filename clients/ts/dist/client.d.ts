import { type BackoffOptions } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { ServerError } from "./errors.js";
import { type ParseFailure } from "./parse.js";
import { type BulkReadAck, type ChatCreatedFrame, type ChatSummary, type ClientCommand, type ConnectionStatusFrame, type CreateChatAck, type DeliveredFrame, type DeliveryAck, type ForceReconnectFrame, type HistoryFrame, type MembersAck, type MembersChangedFrame, type MessageDeletedFrame, type MessageEditedFrame, type MessageFrame, type PresenceEntry, type PresenceFrame, type ReadAck, type ReadFrame, type SendMessageAck, type ServerFrame, type SyncCompleteFrame, type TimelineAck, type TimelineFrame, type TypingFrame } from "./protocol.js";
import { type WebSocketConstructor } from "./websocket.js";
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
    state: {
        state: ConnectionState;
        previous: ConnectionState;
    };
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
export declare class LinkupClient extends Emitter<LinkupEvents> {
    private readonly opts;
    private readonly WS;
    private token;
    private userId;
    private stateValue;
    private ws;
    private attempt;
    private nextRef;
    private readonly pending;
    /** Requests made while offline, written on the next open. */
    private queued;
    private readonly outbox;
    private readonly timelines;
    private reconnectTimer?;
    private heartbeatTimer?;
    private gapTimer?;
    private retryAfterMs?;
    private refreshNeeded;
    private readyWaiters;
    private synced;
    /** The socket is open and its sync_request is written: other frames may follow. */
    private live;
    constructor(opts: LinkupClientOptions);
    /** The current connection state. */
    get state(): ConnectionState;
    /** The user id in the token (`sub`). */
    get user(): string;
    /** Every followed chat and the last seq delivered with none missing below (persist it to resume later). */
    positions(): Record<string, number>;
    /** Sends not acknowledged yet. */
    get pendingSends(): number;
    /**
     * Starts connecting (and reconnecting, until close()). Resolves once the
     * first connection is open and its first sync is complete. Never rejects
     * because the server is away; rejects with ClientClosedError if close()
     * comes first.
     */
    connect(): Promise<void>;
    /** Resolves when the client is open and synced (at once if it is now). */
    ready(): Promise<void>;
    /** Closes for good: pending requests and sends reject with ClientClosedError. */
    close(): void;
    ping(o?: RequestOptions): Promise<void>;
    createChat(c: {
        chat_id?: string;
        title: string;
        members: string[];
    }, o?: RequestOptions): Promise<CreateChatAck>;
    /**
     * Sends a message. While offline it is queued; it is written again after
     * every reconnect, with the same client_msg_id, until the server
     * acknowledges it, so a retry is never a second message. Resolves with the
     * ack; rejects with ServerError for a refusal that retrying cannot mend
     * (not_member, invalid_payload, ...), or ClientClosedError.
     */
    send(chatId: string, body: string, o?: SendOptions): Promise<SendMessageAck>;
    /** Alias of send(). */
    sendMessage(chatId: string, body: string, o?: SendOptions): Promise<SendMessageAck>;
    /** Fire and forget (the server does not acknowledge typing); false when offline, nothing is queued. */
    typing(chatId: string, isTyping: boolean): boolean;
    readReceipt(chatId: string, seq: number, o?: RequestOptions): Promise<ReadAck>;
    bulkReadReceipt(receipts: {
        chat_id: string;
        seq: number;
    }[], o?: RequestOptions): Promise<BulkReadAck>;
    markChatRead(chatId: string, o?: RequestOptions): Promise<ReadAck>;
    getConnectionStatus(o?: RequestOptions): Promise<ConnectionStatusFrame>;
    listChats(o?: RequestOptions): Promise<ChatSummary[]>;
    /** The newest `limit` items (below `beforeSeq`), ascending. History is not fed to the timeline events. */
    getHistory(chatId: string, q?: {
        beforeSeq?: number;
        limit?: number;
    }, o?: RequestOptions): Promise<HistoryFrame>;
    /**
     * A sync_request for the given chats (default: every followed chat, from
     * its position). Missed items arrive as timeline events before this
     * resolves; chats cut short (`truncated`) are synced again by the client.
     */
    sync(positions?: Record<string, number>, o?: RequestOptions): Promise<SyncCompleteFrame>;
    /** Asks the server to close this connection (it answers force_reconnect); the client reconnects. */
    forceReconnect(): boolean;
    /** v1.1 */
    addMembers(chatId: string, members: string[], o?: RequestOptions): Promise<MembersAck>;
    /** v1.1 */
    removeMember(chatId: string, user: string, o?: RequestOptions): Promise<MembersAck>;
    /** v1.1 */
    leaveChat(chatId: string, o?: RequestOptions): Promise<MembersAck>;
    /** v1.1 */
    editMessage(chatId: string, seq: number, body: string, o?: RequestOptions): Promise<TimelineAck>;
    /** v1.1 */
    deleteMessage(chatId: string, seq: number, o?: RequestOptions): Promise<TimelineAck>;
    /** v1.1 */
    deliveryReceipt(chatId: string, seq: number, o?: RequestOptions): Promise<DeliveryAck>;
    /** v1.1 */
    getPresence(users: string[], o?: RequestOptions): Promise<PresenceEntry[]>;
    /**
     * Any command; resolves with the reply frame (ack, pong, history, ...),
     * rejects with ServerError, TimeoutError, ConnectionLostError (the
     * connection dropped after the request was written: it may or may not
     * have taken effect) or ClientClosedError. Made while offline, the
     * request waits for the next connection within its timeout.
     */
    request(cmd: ClientCommand, o?: RequestOptions): Promise<ServerFrame>;
    private ackOf;
    private dial;
    private openSocket;
    private onOpen;
    /** Writes the requests made while offline (the sync_request has gone first). */
    private writeQueued;
    private onDisconnect;
    private scheduleReconnect;
    private closed;
    private isOpen;
    private write;
    private newRef;
    private setState;
    private startHeartbeat;
    private stopHeartbeat;
    /** Syncs every followed chat (in batches the server accepts), then what the answers ask for. */
    private syncAll;
    /**
     * One sync_request: not_member errors with its ref drop those chats; the
     * sync_complete ends it. Chats left truncated, and chats learnt of, are
     * synced again before the promise resolves.
     */
    private syncRequest;
    /** Applies a sync_complete: new chats, gaps the server says are final. */
    private afterSync;
    /** Syncs again the chats a sync_complete left behind (truncated, or new and followed from the start). */
    private followUp;
    private dropChats;
    /** Arms a sync for chats that hold items above a gap, unless the gap fills first. */
    private armGapSync;
    private onData;
    /** Handles one parsed frame. */
    private handle;
    private onTimeline;
    private deliver;
    private flushOutbox;
    private attemptSend;
    private acked;
    private sendRefused;
    private onStrayAck;
    private removeFromOutbox;
    /** Feeds one raw frame through the parser and the handlers, as if the server had sent it (tests, replays). */
    handleRaw(data: unknown): void;
}
/** A random v4 UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
export declare function randomId(): string;
