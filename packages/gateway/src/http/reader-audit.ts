/**
 * Audit records for readers of a generation: attached (and resumed, when they start
 * past the beginning) and detached with the offset they reached, so an auditor can
 * tell what was delivered to whom.
 */
import { randomUUID } from 'node:crypto';
import { BEGINNING_OFFSET } from '@sluice/protocol';
import type { GatewayContext } from './gateway-context.ts';

export type ReaderTransport = 'sse' | 'openai';

/** Records the attach now; call the returned function with the final offset on detach. */
export function auditReader(
  context: GatewayContext,
  generationId: string,
  transport: ReaderTransport,
  offset: string,
): (reached: string, reason: 'completed' | 'client-disconnected') => void {
  const readerId = randomUUID();
  const generation = context.generations.get(generationId);
  const subject = {
    generationId,
    ...(generation?.sessionId === undefined ? {} : { sessionId: generation.sessionId }),
    ...(generation?.endUserId === undefined ? {} : { endUserId: generation.endUserId }),
  };
  context.audit.record({
    type: 'reader-attached',
    ...subject,
    payload: { readerId, transport, offset },
  });
  if (offset !== BEGINNING_OFFSET) {
    context.audit.record({
      type: 'reader-resumed',
      ...subject,
      payload: { readerId, transport, fromOffset: offset },
    });
  }
  return (reached, reason) =>
    context.audit.record({
      type: 'reader-detached',
      ...subject,
      payload: { readerId, transport, offset: reached, reason },
    });
}
