/**
 * The few HTTP details every request of the SDK shares: joining the base URL, the
 * `Authorization` header, and reading a gateway error body (`{ error: { code, message } }`)
 * without trusting it to be JSON.
 */

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpSettings {
  baseUrl: string;
  apiKey: string | undefined;
  fetch: FetchFunction;
}

export function endpoint(settings: HttpSettings, path: string): string {
  return `${settings.baseUrl.replace(/\/+$/, '')}${path}`;
}

export function generationPath(generationId: string, suffix = ''): string {
  return `/v1/generations/${encodeURIComponent(generationId)}${suffix}`;
}

export function headers(settings: HttpSettings, extra: Record<string, string>): Headers {
  const result = new Headers(extra);
  if (settings.apiKey !== undefined) result.set('authorization', `Bearer ${settings.apiKey}`);
  return result;
}

export interface ErrorAnswer {
  status: number;
  code: string | undefined;
  message: string;
}

/** Reads a non-2xx answer; the message never includes more than the gateway's own text. */
export async function readErrorAnswer(response: Response): Promise<ErrorAnswer> {
  let code: string | undefined;
  let message = `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not JSON (a proxy's error page): the status alone has to do.
  }
  return { status: response.status, code, message };
}

/** 408, 429 and 5xx may pass; every other 4xx will answer the same next time. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
