// Reading what the client needs from its own JWT (the user id and the
// expiry). The signature is the server's business; nothing here trusts it.
/** Decodes a JWT's payload; {} when the token is not a readable JWT. */
export function decodeToken(token) {
    const part = token.split(".")[1];
    if (!part)
        return {};
    try {
        const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
        const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
        const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
        const claims = JSON.parse(new TextDecoder().decode(bytes));
        if (typeof claims !== "object" || claims === null)
            return {};
        const c = claims;
        return {
            sub: typeof c.sub === "string" ? c.sub : undefined,
            exp: typeof c.exp === "number" ? c.exp : undefined,
        };
    }
    catch {
        return {};
    }
}
/** Whether the token expires within marginMs of now (false when it has no exp). */
export function expiresWithin(token, marginMs, now = Date.now()) {
    const { exp } = decodeToken(token);
    return exp !== undefined && exp * 1000 - now <= marginMs;
}
