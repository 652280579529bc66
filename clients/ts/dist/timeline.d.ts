import type { TimelineFrame } from "./protocol.js";
/** What accept() did with an item. */
export interface Accepted {
    /** Items now deliverable, in seq order (the item itself and any it unblocked). */
    deliver: TimelineFrame[];
    /** The item had been seen already and was dropped. */
    duplicate: boolean;
}
export declare class Timelines {
    /** Items held per chat before the gap is given up on. */
    private readonly maxHeld;
    private readonly chats;
    constructor(
    /** Items held per chat before the gap is given up on. */
    maxHeld?: number);
    /** Starts following chatId at position (no-op when already followed). */
    track(chatId: string, position?: number): void;
    has(chatId: string): boolean;
    forget(chatId: string): void;
    position(chatId: string): number | undefined;
    /** Every followed chat and its position: the body of a sync_request. */
    positions(): Record<string, number>;
    /** Chats that hold items above a gap. */
    gapped(): string[];
    /** Takes one item; an unknown chat is followed from position 0. */
    accept(item: TimelineFrame): Accepted;
    /**
     * Gives up on the gap of chatId: moves its position past every held item
     * (or at least to `upTo`) and returns the held items in order.
     */
    skipGap(chatId: string, upTo?: number): TimelineFrame[];
    private drain;
}
