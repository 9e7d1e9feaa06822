// The REST API client: JSON over fetch, the session's CSRF token on every state-changing
// request, the API's French error messages surfaced as ApiError, and 401 handled in one place.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

const BASE = '/api/v1';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

let csrfToken = null;
let onUnauthenticated = null;

export function setCsrfToken(token) { csrfToken = token || null; }

// Called once with a function run when a request (other than login) gets 401: the session
// has expired or was closed elsewhere.
export function onSessionLost(fn) { onUnauthenticated = fn; }

// Builds "?a=1&b=2" from an object, skipping empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function request(method, path, body, { isLogin = false } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (!SAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let resp;
  try {
    resp = await fetch(BASE + path, init);
  } catch {
    throw new ApiError(0, 'network', 'Le serveur Couloir est injoignable : vérifiez la connexion réseau puis réessayez.');
  }
  if (resp.status === 204) return null;
  let data = null;
  const text = await resp.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (resp.ok) return data;
  const err = data && data.error ? data.error : {};
  const message = err.message || `Erreur ${resp.status} du serveur.`;
  const e = new ApiError(resp.status, err.code || 'http_' + resp.status, message, err.field);
  if (Array.isArray(err.problems)) e.problems = err.problems; // identity rules (src/ins) refusals
  if (resp.status === 401 && !isLogin && onUnauthenticated) onUnauthenticated(e);
  throw e;
}

export const api = {
  get: (path, params) => request('GET', path + query(params)),
  post: (path, body) => request('POST', path, body),
  patch: (path, body) => request('PATCH', path, body),
  put: (path, body) => request('PUT', path, body),
  del: (path) => request('DELETE', path),

  login: (login, password) => request('POST', '/auth/login', { login, password }, { isLogin: true }),
  // The current session, or null when there is none (no redirect: used at start-up).
  me: async () => {
    try {
      return await request('GET', '/auth/me', undefined, { isLogin: true });
    } catch (e) {
      if (e.status === 401) return null;
      throw e;
    }
  },
  logout: () => request('POST', '/auth/logout'),

  // Generic resources: {items, total, offset, limit}.
  list: (resource, params) => request('GET', `/${resource}` + query(params)),
  read: (resource, id) => request('GET', `/${resource}/${id}`),
  create: (resource, obj) => request('POST', `/${resource}`, obj),
  update: (resource, id, patch) => request('PATCH', `/${resource}/${id}`, patch),
  remove: (resource, id) => request('DELETE', `/${resource}/${id}`),

  // Reads every page of a (small) reference list: sites, rooms, modalities, catalogue.
  listAll: async (resource, params = {}) => {
    const out = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await request('GET', `/${resource}` + query({ ...params, offset, limit: 1000 }));
      out.push(...page.items);
      if (out.length >= page.total || page.items.length === 0) return out;
    }
  },

  slots: (params) => request('GET', '/appointments/slots' + query(params)),
  transition: (id, action) => request('POST', `/appointments/${id}/${action}`),
  agenda: (params) => request('GET', '/agenda' + query(params)),
  audit: (params) => request('GET', '/audit' + query(params)),
};
