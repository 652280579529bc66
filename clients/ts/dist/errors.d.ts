import type { ErrorCode, ErrorFrame } from "./protocol.js";
/** The base of every error this library raises. */
export declare class LinkupError extends Error {
    constructor(message: string);
}
/** The server answered a request with an `error` frame. */
export declare class ServerError extends LinkupError {
    /** The server's error code. */
    readonly code: ErrorCode;
    /** The chat the error is about, when the server named one. */
    readonly chatId: string | undefined;
    /** Chats named by a not_member answer to sync_request. */
    readonly chatIds: string[] | undefined;
    /** The ref of the request. */
    readonly ref: string | undefined;
    /** The frame as received. */
    readonly frame: ErrorFrame;
    constructor(frame: ErrorFrame);
    /** The server's message, for a person. */
    get serverMessage(): string;
}
/** No reply came within the request's timeout. */
export declare class TimeoutError extends LinkupError {
    readonly requestType: string;
    readonly timeoutMs: number;
    constructor(requestType: string, timeoutMs: number);
}
/**
 * The connection closed after the request was written and before its reply
 * came: the server may or may not have acted on it. (Sends are retried by
 * the client instead and never see this.)
 */
export declare class ConnectionLostError extends LinkupError {
    readonly requestType: string;
    constructor(requestType: string);
}
/** The client was closed; nothing more will be sent. */
export declare class ClientClosedError extends LinkupError {
    constructor();
}
