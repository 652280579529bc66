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
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;
/** readyState of an open socket. */
export declare const OPEN = 1;
/** The global WebSocket, when the platform has one. */
export declare function globalWebSocket(): WebSocketConstructor | undefined;
/** The message of an error event, when the implementation gives one (ws does; browsers do not). */
export declare function errorDetail(ev: unknown): string | undefined;
