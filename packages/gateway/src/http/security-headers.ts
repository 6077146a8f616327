/**
 * Security headers on every answer: no MIME sniffing, no framing, no referrer, and HSTS
 * when served over TLS. Streaming responses set theirs in `SseConnection`.
 */
import type { FastifyInstance } from 'fastify';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** The headers every answer of this server carries. */
export function securityHeaders(options: { tls: boolean }): Readonly<Record<string, string>> {
  if (!options.tls) return SECURITY_HEADERS;
  return { ...SECURITY_HEADERS, 'strict-transport-security': 'max-age=31536000' };
}

export function registerSecurityHeaders(app: FastifyInstance, options: { tls: boolean }): void {
  const headers = securityHeaders(options);
  app.addHook('onSend', async (request, reply) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
  });
}
