// auth.js: tokens live in sessionStorage (this tab only, gone when it
// closes), never in a URL, a cookie or localStorage.

export function getToken(key) {
  return sessionStorage.getItem(key) || '';
}

export function setToken(key, token) {
  sessionStorage.setItem(key, token.trim());
}

export function clearToken(key) {
  sessionStorage.removeItem(key);
}

// claims decodes a JWT's payload for display only (the server verifies).
export function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return null;
  }
}

// expired reports a token whose exp has passed (by this clock).
export function expired(token) {
  const c = claims(token);
  return !c || typeof c.exp !== 'number' || c.exp * 1000 <= Date.now();
}
