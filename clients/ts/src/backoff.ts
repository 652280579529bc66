// Reconnect delays: exponential backoff with full jitter, capped
// (a random delay in [0, min(cap, base * 2^attempt)]), so that clients
// cut off together do not come back together.

export interface BackoffOptions {
  /** The first ceiling, in ms. Default 250. */
  baseMs?: number;
  /** The largest ceiling, in ms. Default 30000. */
  maxMs?: number;
}

/** The delay before reconnect attempt `attempt` (0-based). */
export function backoffDelay(attempt: number, o: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = o.baseMs ?? 250;
  const cap = o.maxMs ?? 30_000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
