/**
 * HTTP settings shared by the HTTP providers, and the undici connection pool built from them.
 * Timeouts are undici's own (connect, headers, idle body), so each maps to a precise error.
 */
import { Agent, type Dispatcher } from 'undici';

export interface UpstreamHttpSettings {
  /** Time allowed to open the TCP/TLS connection. Default 10 s. */
  connectTimeoutMs?: number;
  /** Time allowed from sending the request to the response headers. Default 120 s. */
  headersTimeoutMs?: number;
  /** Longest silence allowed between two body chunks while streaming. Default 120 s. */
  idleTimeoutMs?: number;
  /** Extra headers sent with every request (e.g. an organisation id or a beta flag). */
  headers?: Record<string, string>;
  /** A caller-owned pool to share between models; by default each model owns one. */
  dispatcher?: Dispatcher;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_HEADERS_TIMEOUT_MS = 120_000;
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

export function createUpstreamDispatcher(settings: UpstreamHttpSettings): Dispatcher {
  if (settings.dispatcher !== undefined) return settings.dispatcher;
  return new Agent({
    connect: { timeout: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
    headersTimeout: settings.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    bodyTimeout: settings.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  });
}

/** Joins a base URL and a path with exactly one slash, whatever the base ends with. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
