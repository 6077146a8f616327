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

export function registerSecurityHeaders(app: FastifyInstance, options: { tls: boolean }): void {
  const headers: Record<string, string> = { ...SECURITY_HEADERS };
  if (options.tls) headers['strict-transport-security'] = 'max-age=31536000';
  app.addHook('onSend', async (request, reply) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
  });
}
