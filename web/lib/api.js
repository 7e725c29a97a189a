/* SPDX-License-Identifier: MIT */
/* The one way the dashboard talks to the server: same-origin fetch with the session cookie,
 * JSON in and out, and every failure turned into an ApiError that carries the server's own
 * status, code, message, field errors and Retry-After. A 401 on an authenticated call ends
 * the session in the app (onUnauthorized), except for calls made with {auth: false}. */

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const b = body && typeof body === 'object' ? body : {};
    super(typeof b.message === 'string' && b.message ? b.message : fallbackMessage(status));
    this.status = status;
    this.code = typeof b.code === 'string' ? b.code : '';
    this.errors = Array.isArray(b.errors) ? b.errors : [];
    this.retryAfter = parseRetryAfter(retryAfter);
  }
}

function fallbackMessage(status) {
  if (status === 0) return 'The server could not be reached. Check the connection and try again.';
  if (status >= 500) return 'The server could not answer (HTTP ' + status + '). Try again shortly.';
  return 'The request failed (HTTP ' + status + ').';
}

/* Retry-After is seconds here (the server never sends a date); null when absent. */
function parseRetryAfter(v) {
  if (v == null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.ceil(n) : null;
}

let unauthorizedHook = null;

/* fn() is called once per 401 from an authenticated call (the session expired or was
 * revoked); the call still rejects with its ApiError. */
export function onUnauthorized(fn) {
  unauthorizedHook = fn;
}

export async function request(method, path, body, opts = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (opts.redirect) init.redirect = opts.redirect;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, null, null);
  }
  /* with {redirect: 'manual'}: a redirect is an answer, not followed */
  if (res.type === 'opaqueredirect') return { redirected: true };
  /* the body is always read, also when empty: a response left unread is cancelled */
  let data = null;
  let text = '';
  try {
    text = await res.text();
  } catch (e) {
    throw new ApiError(0, null, null);
  }
  if (text && (res.headers.get('Content-Type') || '').startsWith('application/json')) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = null;
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data, res.headers.get('Retry-After'));
    if (res.status === 401 && opts.auth !== false && unauthorizedHook) unauthorizedHook(err);
    throw err;
  }
  return data;
}

export const api = {
  get: (path, opts) => request('GET', path, undefined, opts),
  post: (path, body, opts) => request('POST', path, body, opts),
  put: (path, body, opts) => request('PUT', path, body, opts),
  patch: (path, body, opts) => request('PATCH', path, body, opts),
  del: (path, opts) => request('DELETE', path, undefined, opts),
};

/* True when the server has no such endpoint (one older than the dashboard): its router's
 * own 404, or 405 for a path that has other methods. */
export function missingEndpoint(e) {
  return e.status === 405 || (e.status === 404 && e.message === 'No such endpoint.');
}

/* The current time as the API writes it (RFC 3339 UTC, whole seconds). */
export function nowIso(offsetMs = 0) {
  return new Date(Date.now() + offsetMs).toISOString().replace(/\.\d+Z$/, 'Z');
}

/* A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}
