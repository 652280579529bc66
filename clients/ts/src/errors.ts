// Errors the client's promises reject with. Every one is a LinkupError, so a
// caller can tell them from its own bugs with one instanceof.

import type { ErrorCode, ErrorFrame } from "./protocol.js";

/** The base of every error this library raises. */
export class LinkupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server answered a request with an `error` frame. */
export class ServerError extends LinkupError {
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

  constructor(frame: ErrorFrame) {
    super(`${frame.code}: ${frame.message}`);
    this.code = frame.code;
    this.chatId = frame.chat_id;
    this.chatIds = frame.chat_ids;
    this.ref = frame.ref;
    this.frame = frame;
  }

  /** The server's message, for a person. */
  get serverMessage(): string {
    return this.frame.message;
  }
}

/** No reply came within the request's timeout. */
export class TimeoutError extends LinkupError {
  constructor(
    readonly requestType: string,
    readonly timeoutMs: number,
  ) {
    super(`${requestType}: no reply within ${timeoutMs} ms`);
  }
}

/**
 * The connection closed after the request was written and before its reply
 * came: the server may or may not have acted on it. (Sends are retried by
 * the client instead and never see this.)
 */
export class ConnectionLostError extends LinkupError {
  constructor(readonly requestType: string) {
    super(`${requestType}: connection lost before the reply`);
  }
}

/** The client was closed; nothing more will be sent. */
export class ClientClosedError extends LinkupError {
  constructor() {
    super("client closed");
  }
}
