// The little of the WebSocket API the client uses. The browser's WebSocket
// and the `ws` package's both fit, as does Node 22's global one.

// The handlers' event parameters are `any` on purpose: each implementation
// has its own event classes (DOM MessageEvent, ws's WebSocket.MessageEvent),
// and only `any` lets both constructors be passed without a cast. The client
// reads ev.data, ev.code and errorDetail(ev) and checks what it gets.
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: any) => void) | null;
  onerror: ((ev: any) => void) | null;
  onclose: ((ev: any) => void) | null;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** readyState of an open socket. */
export const OPEN = 1;

/** The global WebSocket, when the platform has one. */
export function globalWebSocket(): WebSocketConstructor | undefined {
  const g = globalThis as { WebSocket?: unknown };
  return typeof g.WebSocket === "function" ? (g.WebSocket as WebSocketConstructor) : undefined;
}

/** The message of an error event, when the implementation gives one (ws does; browsers do not). */
export function errorDetail(ev: unknown): string | undefined {
  if (typeof ev !== "object" || ev === null) return undefined;
  const e = ev as { message?: unknown; error?: unknown };
  if (typeof e.message === "string" && e.message !== "") return e.message;
  if (e.error instanceof Error) return e.error.message;
  return undefined;
}
