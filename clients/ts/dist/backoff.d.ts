export interface BackoffOptions {
    /** The first ceiling, in ms. Default 250. */
    baseMs?: number;
    /** The largest ceiling, in ms. Default 30000. */
    maxMs?: number;
}
/** The delay before reconnect attempt `attempt` (0-based). */
export declare function backoffDelay(attempt: number, o?: BackoffOptions, random?: () => number): number;
