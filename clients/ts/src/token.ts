// Reading what the client needs from its own JWT (the user id and the
// expiry). The signature is the server's business; nothing here trusts it.

export interface TokenClaims {
  sub?: string;
  /** Seconds since the epoch. */
  exp?: number;
}

/** Decodes a JWT's payload; {} when the token is not a readable JWT. */
export function decodeToken(token: string): TokenClaims {
  const part = token.split(".")[1];
  if (!part) return {};
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof claims !== "object" || claims === null) return {};
    const c = claims as Record<string, unknown>;
    return {
      sub: typeof c.sub === "string" ? c.sub : undefined,
      exp: typeof c.exp === "number" ? c.exp : undefined,
    };
  } catch {
    return {};
  }
}

/** Whether the token expires within marginMs of now (false when it has no exp). */
export function expiresWithin(token: string, marginMs: number, now = Date.now()): boolean {
  const { exp } = decodeToken(token);
  return exp !== undefined && exp * 1000 - now <= marginMs;
}
