import type { Session } from './session.ts';

/** A refusal as the API words it: its code, its message and, for bad input, each field with its reason. */
export interface Problem {
  status: number;
  error: string;
  message: string;
  fields: { field: string; reason: string }[];
  body: Record<string, unknown>;
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; problem: Problem };

export interface ApiClient {
  get<T>(path: string): Promise<ApiResult<T>>;
  post<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResult<T>>;
  put<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResult<T>>;
  /** A text body of its own media type (an import file's CSV or JSON Lines), answered in JSON. */
  postText<T>(path: string, text: string, mediaType: string): Promise<ApiResult<T>>;
  /** Plain text (the notice page's HTML). */
  text(path: string): Promise<ApiResult<string>>;
  /** A file as the API sends it (a PDF download), to save. */
  blob(path: string): Promise<ApiResult<Blob>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function problemOf(response: Response): Promise<Problem> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await response.json();
    if (isRecord(parsed)) body = parsed;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const fields = Array.isArray(body.fields)
    ? body.fields.filter(
        (item): item is { field: string; reason: string } =>
          isRecord(item) && typeof item.field === 'string' && typeof item.reason === 'string',
      )
    : [];
  return {
    status: response.status,
    error: typeof body.error === 'string' ? body.error : `http-${response.status}`,
    message:
      typeof body.message === 'string'
        ? body.message
        : `The server answered ${response.status} ${response.statusText}.`,
    fields,
    body,
  };
}

/**
 * The one way the console calls the HTTP API (the same API the CLI uses) with the signed-in person's bearer
 * token. A 401 means the token is no longer accepted: `onUnauthorized` signs out.
 */
export function createApiClient(baseUrl: string, session: Session, onUnauthorized: () => void): ApiClient {
  async function call(path: string, init: RequestInit): Promise<Response | Problem> {
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${session.token}`, ...(init.headers ?? {}) },
      });
      if (response.status === 401) onUnauthorized();
      return response;
    } catch (error) {
      return {
        status: 0,
        error: 'network',
        message: `The API could not be reached (${error instanceof Error ? error.message : String(error)}).`,
        fields: [],
        body: {},
      };
    }
  }
  async function jsonCall<T>(path: string, init: RequestInit): Promise<ApiResult<T>> {
    const response = await call(path, init);
    if (!(response instanceof Response)) return { ok: false, problem: response };
    if (!response.ok) return { ok: false, problem: await problemOf(response) };
    return { ok: true, status: response.status, data: (await response.json()) as T };
  }
  return {
    get: (path) => jsonCall(path, { method: 'GET' }),
    post: (path, body, headers = {}) =>
      jsonCall(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
    put: (path, body, headers = {}) =>
      jsonCall(path, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
    postText: (path, text, mediaType) =>
      jsonCall(path, { method: 'POST', headers: { 'content-type': mediaType }, body: text }),
    async text(path) {
      const response = await call(path, { method: 'GET' });
      if (!(response instanceof Response)) return { ok: false, problem: response };
      if (!response.ok) return { ok: false, problem: await problemOf(response) };
      return { ok: true, status: response.status, data: await response.text() };
    },
    async blob(path) {
      const response = await call(path, { method: 'GET' });
      if (!(response instanceof Response)) return { ok: false, problem: response };
      if (!response.ok) return { ok: false, problem: await problemOf(response) };
      return { ok: true, status: response.status, data: await response.blob() };
    },
  };
}
