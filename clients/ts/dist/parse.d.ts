import { type ServerFrame } from "./protocol.js";
/** A frame the client could not use, and why. */
export interface ParseFailure {
    ok: false;
    /** What is wrong, for a person. */
    reason: string;
    /** The frame as received (text, or a description of binary data). */
    raw: string;
}
export type ParseResult = {
    ok: true;
    frame: ServerFrame;
} | ParseFailure;
/** Checks one decoded object against its type's required fields. */
export declare function checkFrame(obj: Record<string, unknown>): string | undefined;
/**
 * Parses one WebSocket message into a server frame. Binary data, text that
 * is not JSON, JSON that is not an object, unknown types and frames missing
 * a field the client relies on are failures, never exceptions.
 */
export declare function parseServerFrame(data: unknown): ParseResult;
