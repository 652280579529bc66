// api.js: the analyst API from the browser. The token goes in an
// Authorization header, never in a URL; parameters in the query string.

import { getToken } from './auth.js';

export const ANALYST_KEY = 'linkup.analystToken';

export class APIError extends Error {
  constructor(status, err) {
    const e = err || {};
    super(`${status} ${e.code || 'error'}${e.parameter ? ` (${e.parameter})` : ''}: ${e.message || ''}`);
    this.status = status;
    this.code = e.code;
    this.parameter = e.parameter;
  }
}

// get fetches path with params (empty values left out) and returns the
// decoded JSON; a non-2xx answer throws APIError.
export async function get(path, params = {}, signal) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const url = q.toString() ? `${path}?${q}` : path;
  const resp = await fetch(url, {
    headers: { Authorization: `Bearer ${getToken(ANALYST_KEY)}`, Accept: 'application/json' },
    cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer', signal,
  });
  let body = null;
  try { body = await resp.json(); } catch { body = null; }
  if (!resp.ok) throw new APIError(resp.status, body && body.error);
  return body;
}

// isoFromLocal turns a datetime-local input's value into RFC 3339 (UTC).
export function isoFromLocal(v) {
  if (!v) return '';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
