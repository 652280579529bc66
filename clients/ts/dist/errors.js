// Errors the client's promises reject with. Every one is a LinkupError, so a
// caller can tell them from its own bugs with one instanceof.
/** The base of every error this library raises. */
export class LinkupError extends Error {
    constructor(message) {
        super(message);
        this.name = new.target.name;
    }
}
/** The server answered a request with an `error` frame. */
export class ServerError extends LinkupError {
    /** The server's error code. */
    code;
    /** The chat the error is about, when the server named one. */
    chatId;
    /** Chats named by a not_member answer to sync_request. */
    chatIds;
    /** The ref of the request. */
    ref;
    /** The frame as received. */
    frame;
    constructor(frame) {
        super(`${frame.code}: ${frame.message}`);
        this.code = frame.code;
        this.chatId = frame.chat_id;
        this.chatIds = frame.chat_ids;
        this.ref = frame.ref;
        this.frame = frame;
    }
    /** The server's message, for a person. */
    get serverMessage() {
        return this.frame.message;
    }
}
/** No reply came within the request's timeout. */
export class TimeoutError extends LinkupError {
    requestType;
    timeoutMs;
    constructor(requestType, timeoutMs) {
        super(`${requestType}: no reply within ${timeoutMs} ms`);
        this.requestType = requestType;
        this.timeoutMs = timeoutMs;
    }
}
/**
 * The connection closed after the request was written and before its reply
 * came: the server may or may not have acted on it. (Sends are retried by
 * the client instead and never see this.)
 */
export class ConnectionLostError extends LinkupError {
    requestType;
    constructor(requestType) {
        super(`${requestType}: connection lost before the reply`);
        this.requestType = requestType;
    }
}
/** The client was closed; nothing more will be sent. */
export class ClientClosedError extends LinkupError {
    constructor() {
        super("client closed");
    }
}
