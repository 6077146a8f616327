/**
 * What `sluice bench` sends: the endpoint for the chosen API under the target URL, the
 * headers and the JSON body. The body is built once and reused for every request so the
 * load generator spends no time per request on serialisation.
 */
import type { BenchApi, BenchOptions } from './bench-options.ts';

export interface PreparedRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

const ENDPOINTS: Record<BenchApi, { full: string; afterVersion: string }> = {
  openai: { full: '/v1/chat/completions', afterVersion: '/chat/completions' },
  sluice: { full: '/v1/generations', afterVersion: '/generations' },
};

/**
 * The endpoint under a base URL: a base ending in `/v1` (as OpenAI SDK base URLs do) gets
 * only the rest of the path, a URL already naming the endpoint is kept as it is.
 */
export function endpointUrl(base: URL, api: BenchApi): URL {
  const endpoint = ENDPOINTS[api];
  const url = new URL(base.href);
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith(endpoint.afterVersion)) return url;
  url.pathname = path.endsWith('/v1') ? path + endpoint.afterVersion : path + endpoint.full;
  return url;
}

export function prepareRequest(options: BenchOptions): PreparedRequest {
  const messages = [{ role: 'user', content: options.prompt }];
  const body =
    options.api === 'openai'
      ? {
          model: options.model,
          messages,
          max_tokens: options.maxTokens,
          stream: options.stream,
          // Usage in the stream gives exact output token counts instead of counted chunks.
          ...(options.stream ? { stream_options: { include_usage: true } } : {}),
          ...options.extraBody,
        }
      : { model: options.model, messages, maxTokens: options.maxTokens, ...options.extraBody };
  return {
    url: endpointUrl(options.url, options.api),
    headers: {
      ...options.headers,
      'content-type': 'application/json',
      accept: options.stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify(body),
  };
}

/** The target as it may be printed: no credentials in the userinfo, no query string. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
