// Per-chat ordering and de-duplication of timeline items. Items may arrive
// twice (the ack of one's own send and the item itself, a sync after a
// reconnect) and out of order (a later sync_request on the same connection
// may carry items older than live ones, PROTOCOL.md section 4). Each chat
// keeps the highest seq delivered with nothing missing below it (its
// position, what sync_request asks from) and holds items above a gap until
// the gap is filled, so the application sees every item once, in seq order.
export class Timelines {
    maxHeld;
    chats = new Map();
    constructor(
    /** Items held per chat before the gap is given up on. */
    maxHeld = 10_000) {
        this.maxHeld = maxHeld;
    }
    /** Starts following chatId at position (no-op when already followed). */
    track(chatId, position = 0) {
        if (!this.chats.has(chatId))
            this.chats.set(chatId, { position, held: new Map() });
    }
    has(chatId) {
        return this.chats.has(chatId);
    }
    forget(chatId) {
        this.chats.delete(chatId);
    }
    position(chatId) {
        return this.chats.get(chatId)?.position;
    }
    /** Every followed chat and its position: the body of a sync_request. */
    positions() {
        const out = {};
        for (const [id, line] of this.chats)
            out[id] = line.position;
        return out;
    }
    /** Chats that hold items above a gap. */
    gapped() {
        return [...this.chats].filter(([, l]) => l.held.size > 0).map(([id]) => id);
    }
    /** Takes one item; an unknown chat is followed from position 0. */
    accept(item) {
        this.track(item.chat_id);
        const line = this.chats.get(item.chat_id);
        if (item.seq <= line.position || line.held.has(item.seq))
            return { deliver: [], duplicate: true };
        line.held.set(item.seq, item);
        const deliver = this.drain(line);
        if (line.held.size > this.maxHeld)
            deliver.push(...this.skipGap(item.chat_id));
        return { deliver, duplicate: false };
    }
    /**
     * Gives up on the gap of chatId: moves its position past every held item
     * (or at least to `upTo`) and returns the held items in order.
     */
    skipGap(chatId, upTo = 0) {
        const line = this.chats.get(chatId);
        if (!line)
            return [];
        const out = [...line.held.values()].sort((a, b) => a.seq - b.seq);
        line.held.clear();
        if (out.length > 0)
            line.position = Math.max(line.position, out[out.length - 1].seq);
        line.position = Math.max(line.position, upTo);
        return out;
    }
    drain(line) {
        const out = [];
        for (let next = line.held.get(line.position + 1); next; next = line.held.get(line.position + 1)) {
            line.held.delete(next.seq);
            line.position = next.seq;
            out.push(next);
        }
        return out;
    }
}
