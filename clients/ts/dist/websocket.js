// The little of the WebSocket API the client uses. The browser's WebSocket
// and the `ws` package's both fit, as does Node 22's global one.
/** readyState of an open socket. */
export const OPEN = 1;
/** The global WebSocket, when the platform has one. */
export function globalWebSocket() {
    const g = globalThis;
    return typeof g.WebSocket === "function" ? g.WebSocket : undefined;
}
/** The message of an error event, when the implementation gives one (ws does; browsers do not). */
export function errorDetail(ev) {
    if (typeof ev !== "object" || ev === null)
        return undefined;
    const e = ev;
    if (typeof e.message === "string" && e.message !== "")
        return e.message;
    if (e.error instanceof Error)
        return e.error.message;
    return undefined;
}
