/**
 * Audit records for readers of a generation: attached (and resumed, when they start
 * past the beginning) and detached with the offset they reached, so an auditor can
 * tell what was delivered to whom.
 */
import { randomUUID } from 'node:crypto';
import { BEGINNING_OFFSET } from '@sluice/protocol';
import type { CutReason, SseConnection } from '../delivery/sse-connection.ts';
import type { GatewayContext } from './gateway-context.ts';

export type ReaderTransport = 'sse' | 'openai';

export type DetachReason = 'completed' | 'client-disconnected' | `cut-${CutReason}`;

/** Why a reader's connection ended: it finished, the client left, or it was cut as too slow. */
export function detachReason(connection: SseConnection): DetachReason {
  if (connection.cutReason) return `cut-${connection.cutReason}`;
  return connection.disconnected ? 'client-disconnected' : 'completed';
}

/** Records the attach now; call the returned function with the final offset on detach. */
export function auditReader(
  context: GatewayContext,
  generationId: string,
  transport: ReaderTransport,
  offset: string,
): (reached: string, reason: DetachReason) => void {
  const readerId = randomUUID();
  const generation = context.generations.get(generationId);
  const subject = {
    generationId,
    ...(generation === undefined ? {} : { tenant: generation.tenant }),
    ...(generation?.sessionId === undefined ? {} : { sessionId: generation.sessionId }),
    ...(generation?.endUserId === undefined ? {} : { endUserId: generation.endUserId }),
  };
  context.audit.record({
    type: 'reader-attached',
    ...subject,
    payload: { readerId, transport, offset },
  });
  const resumed = offset !== BEGINNING_OFFSET;
  context.observability.readerAttached({ protocol: transport, resumed });
  if (resumed) {
    context.audit.record({
      type: 'reader-resumed',
      ...subject,
      payload: { readerId, transport, fromOffset: offset },
    });
  }
  return (reached, reason) => {
    context.observability.readerDetached({ protocol: transport });
    context.audit.record({
      type: 'reader-detached',
      ...subject,
      payload: { readerId, transport, offset: reached, reason },
    });
  };
}
