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
  // Who the reader reads about comes from the generation's record; the rows wait for it
  // (in order), the reader does not.
  const subject = context.generations.record(generationId).then(
    (generation) => ({
      generationId,
      ...(generation === undefined ? {} : { tenant: generation.tenant }),
      ...(generation?.sessionId === undefined ? {} : { sessionId: generation.sessionId }),
      ...(generation?.endUserId === undefined ? {} : { endUserId: generation.endUserId }),
    }),
    () => ({ generationId }),
  );
  void subject.then((about) => {
    context.audit.record({
      type: 'reader-attached',
      ...about,
      payload: { readerId, transport, offset },
    });
    if (offset !== BEGINNING_OFFSET) {
      context.audit.record({
        type: 'reader-resumed',
        ...about,
        payload: { readerId, transport, fromOffset: offset },
      });
    }
  });
  context.observability.readerAttached({
    protocol: transport,
    resumed: offset !== BEGINNING_OFFSET,
  });
  // The producer's node counts readers, to cancel a generation nobody reads any more.
  const leave = context.generations.readerAttached(generationId);
  return (reached, reason) => {
    leave();
    context.observability.readerDetached({ protocol: transport });
    void subject.then((about) =>
      context.audit.record({
        type: 'reader-detached',
        ...about,
        payload: { readerId, transport, offset: reached, reason },
      }),
    );
  };
}
