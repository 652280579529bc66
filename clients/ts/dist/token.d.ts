export interface TokenClaims {
    sub?: string;
    /** Seconds since the epoch. */
    exp?: number;
}
/** Decodes a JWT's payload; {} when the token is not a readable JWT. */
export declare function decodeToken(token: string): TokenClaims;
/** Whether the token expires within marginMs of now (false when it has no exp). */
export declare function expiresWithin(token: string, marginMs: number, now?: number): boolean;
