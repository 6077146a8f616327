/**
 * JSON calls to the gateway's own API from the pages (same origin): the stored API key as
 * a bearer token, the catalogue's error shape turned into an `ApiError`, and the words a
 * person needs when a key is missing (401) or lacks a scope (403).
 */
import { readApiKey } from './api-key.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const key = readApiKey();
  return key === undefined ? extra : { ...extra, authorization: `Bearer ${key}` };
}

async function failure(response: Response): Promise<ApiError> {
  let code = 'SLUICE_ERR_UNKNOWN';
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not the catalogue's JSON (a proxy's page): the status line says enough.
  }
  return new ApiError(response.status, code, message);
}

/** Fetches `path` and returns the response, throwing `ApiError` for any non-2xx answer. */
export async function apiRequest(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = authHeaders(
    init.body === undefined ? {} : { 'content-type': 'application/json' },
  );
  const response = await fetch(path, { ...init, headers: { ...headers, ...init.headers } });
  if (!response.ok) throw await failure(response);
  return response;
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await apiRequest(path, init);
  return (await response.json()) as T;
}

/** A sentence for the page: what went wrong and, for keys, what to do about it. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return 'The gateway needs an API key (401). Enter an admin key in the key field above.';
    }
    if (error.status === 403 && error.code === 'SLUICE_ERR_FORBIDDEN') {
      return 'This key lacks the scope this page needs (403). Use a key with the admin scope.';
    }
    return `${error.message} (${error.status}, ${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}
