// store.js: what the chat page knows, kept apart from the DOM. Every
// timeline item is kept by seq, so an item that arrives twice (live and in
// a sync, or in history) is kept once, and items are always shown in seq
// order whatever order they arrived in.

export class ChatStore {
  constructor() {
    this.chats = new Map(); // chat_id -> chat
    this.me = '';
    this.presence = new Map(); // user -> {status, last_seen}
  }

  // drop forgets a chat (left, or removed from it).
  drop(id) {
    this.chats.delete(id);
  }

  chat(id) {
    let c = this.chats.get(id);
    if (!c) {
      c = {
        id, title: '', members: [], latestSeq: 0, lastReadSeq: 0, unread: 0,
        items: new Map(), // seq -> item
        lowest: 0, // lowest seq loaded by history (0: none loaded)
        historyDone: false, // no older items to load
        readers: new Map(), // user -> last_read_seq (from read frames)
        typing: new Map(), // user -> expiry ms
        outbox: [], // pending and failed sends, in send order
        createdBy: '', // from chat_created; else the first member
        deliveredTo: new Map(), // other user -> delivered_seq (from delivered frames)
        deliveredSent: 0, deliveredAt: 0, deliverTimer: 0, // this device's receipts
      };
      this.chats.set(id, c);
    }
    return c;
  }

  // sorted returns chats, those with the newest activity first.
  sorted() {
    return [...this.chats.values()].sort((a, b) => b.latestSeq - a.latestSeq || a.id.localeCompare(b.id));
  }

  // positions is, per chat, the last seq this page received: what a sync
  // must start after. A chat whose items were never loaded starts at the
  // latest_seq the server reported (its history is fetched when opened).
  positions() {
    const out = {};
    for (const c of this.chats.values()) out[c.id] = this.maxSeq(c) || c.latestSeq;
    return out;
  }

  maxSeq(c) {
    let m = 0;
    for (const s of c.items.keys()) if (s > m) m = s;
    return m;
  }

  // summary applies a list_chats entry or a sync_complete entry.
  summary(id, s) {
    const c = this.chat(id);
    if (s.title !== undefined) c.title = s.title;
    if (s.members) c.members = s.members;
    if (s.created_by) c.createdBy = s.created_by;
    c.latestSeq = Math.max(c.latestSeq, s.latest_seq || 0);
    c.lastReadSeq = Math.max(c.lastReadSeq, s.last_read_seq || 0);
    if (s.unread !== undefined) c.unread = s.unread;
    return c;
  }

  // add keeps a timeline item (a message frame, a history entry or an
  // ack turned into one); returns false when that seq was already known.
  add(item) {
    const c = this.chat(item.chat_id);
    const seq = Number(item.seq);
    if (!seq) return false;
    const known = c.items.has(seq);
    c.items.set(seq, { ...c.items.get(seq), ...item, seq, type: item.type || 'message' });
    c.latestSeq = Math.max(c.latestSeq, seq);
    const i = c.outbox.findIndex((o) => o.client_msg_id === item.client_msg_id && item.sender === this.me);
    if (i >= 0) c.outbox.splice(i, 1);
    if (item.type === 'message_edited' || item.type === 'message_deleted') this.amend(c, item);
    return !known;
  }

  amend(c, item) {
    const t = c.items.get(Number(item.target_seq));
    if (!t) return;
    if (item.type === 'message_deleted') Object.assign(t, { deleted: true, body: '' });
    else Object.assign(t, { body: item.body, edited_at: item.edited_at });
  }

  // creator is the chat's creator as far as this page knows (the server
  // puts the creator first in the members of a new chat).
  creator(c) {
    return c.createdBy || c.members[0] || '';
  }

  // ordered returns a chat's items in seq order.
  ordered(c) {
    return [...c.items.values()].sort((a, b) => a.seq - b.seq);
  }
}
