/**
 * Header values from decisions, and a 429 as a client receives it: status, code and the
 * `Retry-After` / `RateLimit-*` headers, through the gateway's own error reply.
 */
import Fastify from 'fastify';
import { describe, expect, test } from 'vitest';
import { HttpError, sendError } from '../../http/http-error.ts';
import type { QuotaDecision } from '../quotas/quota-decision.ts';
import { QuotaExceededError } from './quota-exceeded-error.ts';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers.ts';

const refusedRequests: QuotaDecision = {
  allowed: false,
  name: 'requests-per-minute',
  scope: 'key',
  windowMs: 60_000,
  limit: 60,
  remaining: 0,
  resetMs: 59_200,
  retryAfterMs: 800,
};

describe('retryAfterSeconds', () => {
  test('rounds up to whole seconds and never says 0', () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1_000)).toBe(1);
    expect(retryAfterSeconds(1_001)).toBe(2);
    expect(retryAfterSeconds(59_999.5)).toBe(60);
    expect(retryAfterSeconds(Number.POSITIVE_INFINITY)).toBe(60);
  });
});

describe('rateLimitHeaders', () => {
  test('a refusal carries Retry-After and the RateLimit fields', () => {
    expect(rateLimitHeaders(refusedRequests)).toEqual({
      'Retry-After': '1',
      'RateLimit-Limit': '60',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '60',
      'RateLimit-Policy': '60;w=60;comment="requests-per-minute"',
    });
  });

  test('an admitted request gets the RateLimit fields without Retry-After', () => {
    const headers = rateLimitHeaders({
      ...refusedRequests,
      allowed: true,
      remaining: 41,
      resetMs: 19_000,
      retryAfterMs: 0,
    });
    expect(headers).toEqual({
      'RateLimit-Limit': '60',
      'RateLimit-Remaining': '41',
      'RateLimit-Reset': '19',
      'RateLimit-Policy': '60;w=60;comment="requests-per-minute"',
    });
  });

  test('a concurrency refusal has no window; Reset is never before Retry-After', () => {
    const headers = rateLimitHeaders({
      allowed: false,
      name: 'concurrent-streams',
      scope: 'client-ip',
      windowMs: undefined,
      limit: 8,
      remaining: 0,
      resetMs: 0,
      retryAfterMs: 2_500,
    });
    expect(headers).toEqual({
      'Retry-After': '3',
      'RateLimit-Limit': '8',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '3',
      'RateLimit-Policy': '8;comment="concurrent-streams"',
    });
  });
});

describe('QuotaExceededError', () => {
  test('maps each limit to its stable code, retryable, status 429', () => {
    const codes = {
      'requests-per-minute': 'SLUICE_ERR_RATE_LIMITED',
      'tokens-per-minute': 'SLUICE_ERR_QUOTA_EXCEEDED',
      'concurrent-generations': 'SLUICE_ERR_TOO_MANY_CONCURRENT',
      'concurrent-streams': 'SLUICE_ERR_TOO_MANY_CONCURRENT',
    } as const;
    for (const [name, code] of Object.entries(codes)) {
      const error = new QuotaExceededError({
        ...refusedRequests,
        name: name as keyof typeof codes,
      });
      expect(error).toMatchObject({ code, status: 429, retryable: true });
      expect(QuotaExceededError.isInstance(error)).toBe(true);
    }
    expect(QuotaExceededError.isInstance(new Error('no'))).toBe(false);
    expect(QuotaExceededError.isInstance(undefined)).toBe(false);
  });

  test('the message names the scope, never the subject', () => {
    const error = new QuotaExceededError({ ...refusedRequests, scope: 'client-ip' });
    expect(error.message).toBe(
      'Too many requests per minute from this client address; retry after 1 s',
    );
  });

  test('429s carry the headers', async () => {
    const app = Fastify();
    app.get('/limited', async () => {
      const error = new QuotaExceededError(refusedRequests);
      // The mapping the error handler does for this error.
      throw new HttpError(error.code, error.message, error.headers);
    });
    app.setErrorHandler((error, _request, reply) => {
      if (HttpError.isInstance(error)) return sendError(reply, error);
      throw error;
    });
    const response = await app.inject({ method: 'GET', url: '/limited' });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.headers['ratelimit-limit']).toBe('60');
    expect(response.headers['ratelimit-remaining']).toBe('0');
    expect(response.headers['ratelimit-reset']).toBe('60');
    expect(response.headers['ratelimit-policy']).toBe('60;w=60;comment="requests-per-minute"');
    expect(response.json()).toEqual({
      error: {
        code: 'SLUICE_ERR_RATE_LIMITED',
        message: 'Too many requests per minute for this API key; retry after 1 s',
      },
    });
    await app.close();
  });
});
