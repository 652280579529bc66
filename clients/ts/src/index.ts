// @linkup-chat/client: a client for the linkup chat protocol, for browsers
// and Node. This entry imports nothing outside the package, so browsers can
// load dist/index.js as it is.

export { LinkupClient } from "./client.js";
export type {
  ConnectionState,
  LinkupClientOptions,
  LinkupEvents,
  RequestOptions,
  SendOptions,
  TokenVia,
} from "./client.js";
export { ClientClosedError, ConnectionLostError, LinkupError, ServerError, TimeoutError } from "./errors.js";
export { parseServerFrame } from "./parse.js";
export type { ParseFailure, ParseResult } from "./parse.js";
export { backoffDelay } from "./backoff.js";
export type { BackoffOptions } from "./backoff.js";
export { Timelines } from "./timeline.js";
export type { WebSocketConstructor, WebSocketLike } from "./websocket.js";
export * from "./protocol.js";
