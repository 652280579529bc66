// linkup.js: a small browser client for the linkup WebSocket protocol
// (PROTOCOL.md v1). It keeps one connection open, reconnects by itself with
// backoff, and on every (re)connect sends sync_request as its first frame,
// so live items held by the server follow the missed ones and nothing is
// lost or repeated. Requests are matched to replies by ref.
//
//   const c = new LinkupClient({url, token, positions: () => ({chat: lastSeq})});
//   c.addEventListener('frame', (e) => ...);  // every server frame but replies
//   c.addEventListener('state', (e) => e.detail.state); // connecting|syncing|online|reconnecting|closed
//   c.addEventListener('synced', (e) => e.detail);      // each sync_complete
//   c.addEventListener('fatal', (e) => e.detail.reason); // token expired (close 1008)
//   c.start();
//   const ack = await c.request({type: 'send_message', chat_id, client_msg_id, body});

const REPLY_TYPES = new Set(['ack', 'error', 'pong', 'history', 'chats', 'connection_status',
  'sync_complete', 'presence_state']);

// RequestError is a request that did not get its answer: code is the
// server's error code, or 'disconnected' / 'timeout' from this side.
export class RequestError extends Error {
  constructor(code, message, frame) {
    super(`${code}: ${message}`);
    this.code = code;
    this.frame = frame;
  }
}

// Codes after which the same request may simply be sent again.
export const RETRIABLE = new Set(['disconnected', 'timeout', 'unavailable', 'rate_limited', 'internal']);

export function wsURL(loc = window.location) {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}

// newID returns a random id (works outside secure contexts too).
export function newID() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class LinkupClient extends EventTarget {
  constructor({ url, token, positions = () => ({}), maxBackoffMs = 5000, heartbeatMs = 15000 }) {
    super();
    this.heartbeatMs = heartbeatMs;
    this.lastFrameAt = 0;
    this.url = url;
    this.token = token;
    this.positions = positions;
    this.maxBackoffMs = maxBackoffMs;
    this.pending = new Map(); // ref -> {resolve, reject, timer, frame}
    this.state = 'idle';
    this.ws = null;
    this.attempt = 0;
    this.opened = false; // has any connection ever opened
    this.stopped = false;
    this.retryAfter = 0;
    this.nextRef = 1;
  }

  start() {
    this.stopped = false;
    this.onOffline = () => this.drop('offline');
    this.onOnline = () => this.retryNow();
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    this.beat = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.beat);
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    if (this.ws) this.ws.close(1000, 'bye');
    this.setState('closed');
  }

  setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: { state, attempt: this.attempt, ...extra } }));
  }

  connect() {
    this.setState(this.opened ? 'reconnecting' : 'connecting');
    let ws;
    try {
      // Browsers cannot set headers on a WebSocket: the token goes in the
      // subprotocol list (never in the URL), and the server picks linkup.v1.
      ws = new WebSocket(this.url, ['linkup.v1', `bearer.${this.token}`]);
    } catch (err) {
      this.dispatchEvent(new CustomEvent('fatal', { detail: { reason: String(err) } }));
      return;
    }
    this.ws = ws;
    let wasOpen = false;
    ws.onopen = () => {
      wasOpen = true;
      this.opened = true;
      this.attempt = 0;
      this.setState('syncing');
      this.sync().catch(() => {}); // a drop mid-sync reconnects and syncs again
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => this.closed(ws, wasOpen, ev);
  }

  // heartbeat pings a connection that has been silent for a while; no
  // answer in 5 s means the network is gone without a close (a laptop lid,
  // a dead Wi-Fi): drop it and reconnect.
  heartbeat() {
    if (this.state !== 'online' || Date.now() - this.lastFrameAt < this.heartbeatMs) return;
    this.request({ type: 'ping' }, 5000).catch((err) => {
      if (err.code === 'timeout') this.drop('no answer to ping');
    });
  }

  // drop abandons the current socket at once (the browser says it is
  // offline, or it stopped answering) and goes to reconnecting.
  drop(reason) {
    const ws = this.ws;
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    try { ws.close(4000, reason); } catch { /* already closing */ }
    this.closed(ws, true, { code: 4000, reason });
  }

  // retryNow reconnects at once when the browser says it is back online.
  retryNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    this.connect();
  }

  closed(ws, wasOpen, ev) {
    if (this.ws !== ws) return;
    this.ws = null;
    for (const [ref, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RequestError('disconnected', 'the connection closed', null));
      this.pending.delete(ref);
    }
    if (this.stopped) return;
    if (ev.code === 1008) {
      this.setState('closed');
      this.dispatchEvent(new CustomEvent('fatal', { detail: { reason: ev.reason || 'token refused' } }));
      return;
    }
    this.attempt++;
    const backoff = Math.min(this.maxBackoffMs, 200 * 2 ** Math.min(this.attempt, 8));
    const delay = Math.max(this.retryAfter, backoff * (0.5 + Math.random() / 2));
    this.retryAfter = 0;
    // A browser cannot tell a refused token (HTTP 401) from a server that
    // is down: after a few failures without ever getting in, say both.
    const hint = !wasOpen && !this.opened && this.attempt >= 3 ? 'cannot connect: is the token valid and the server up?' : '';
    this.setState('reconnecting', { delay, hint });
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // sync asks for everything missed since positions(); repeats for chats
  // that came back truncated. Resolves when the connection is online.
  async sync() {
    let positions = this.positions();
    for (let round = 0; round < 50; round++) {
      const done = await this.request({ type: 'sync_request', positions }, 60000);
      this.dispatchEvent(new CustomEvent('synced', { detail: done }));
      const truncated = Object.entries(done.chats || {}).filter(([, c]) => c.truncated).map(([id]) => id);
      if (truncated.length === 0) break;
      const all = this.positions();
      positions = Object.fromEntries(truncated.map((id) => [id, all[id] || 0]));
    }
    this.setState('online');
  }

  receive(data) {
    let f;
    try {
      f = JSON.parse(data);
    } catch {
      return;
    }
    if (!f || typeof f !== 'object') return;
    this.lastFrameAt = Date.now();
    const p = f.ref !== undefined ? this.pending.get(f.ref) : undefined;
    if (p && REPLY_TYPES.has(f.type)) {
      // A sync's not_member error names chats and the sync goes on.
      if (!(p.frame.type === 'sync_request' && f.type === 'error' && f.code === 'not_member')) {
        this.settle(f.ref, p, f);
        return;
      }
    }
    if (f.type === 'force_reconnect') this.retryAfter = Number(f.retry_after_ms) || 0;
    this.dispatchEvent(new CustomEvent('frame', { detail: f }));
  }

  settle(ref, p, f) {
    clearTimeout(p.timer);
    this.pending.delete(ref);
    if (f.type === 'error') p.reject(new RequestError(f.code, f.message, f));
    else p.resolve(f);
  }

  // request sends frame with a fresh ref and resolves with its reply
  // (rejects with RequestError on an error frame, a drop or a timeout).
  request(frame, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const ws = this.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        reject(new RequestError('disconnected', 'not connected', null));
        return;
      }
      const ref = String(this.nextRef++);
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new RequestError('timeout', 'no answer in time', null));
      }, timeoutMs);
      this.pending.set(ref, { resolve, reject, timer, frame });
      ws.send(JSON.stringify({ ...frame, ref }));
    });
  }

  // notify sends a frame that needs no answer (typing); dropped offline.
  notify(frame) {
    if (this.state === 'online' && this.ws) this.ws.send(JSON.stringify(frame));
  }
}
