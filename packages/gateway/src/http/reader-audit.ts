/**
 * The reader policy of generation logs, whatever the transport (native SSE, OpenAI
 * chunks, Durable Streams SSE and long-poll): the reader is admitted against the
 * caller's connection limits, counted as the generation's reader (a generation nobody
 * reads is abandoned after a while), and audited — one `reader-session` record when it
 * ends, with where it started, the offset it reached and why it ended — so an auditor can
 * tell what was delivered to whom. Past its key's rate of reader records, a key's reads
 * are folded into one record per generation a minute (`reader-session-aggregator.ts`),
 * so reconnect loops and long-polls do not fill the permanent log. The relay core
 * applies it (`delivery/relay.ts`).
 */
import { randomUUID } from 'node:crypto';
import { BEGINNING_OFFSET } from '@sluice/protocol';
import type { FastifyRequest } from 'fastify';
import type { LiveReadTransport } from '../delivery/durable-streams/durable-streams-context.ts';
import type { DetachReason, ReaderAdmission } from '../delivery/frame.ts';
import { StreamNotFoundError } from '../store/stream-store.ts';
import type { GatewayContext } from './gateway-context.ts';
import { admitStream } from './start-generation.ts';

export type ReaderTransport =
  | 'sse'
  | 'openai'
  | 'ai-sdk'
  | 'durable-streams-sse'
  | 'durable-streams-long-poll'
  | 'websocket';

/** Whose generation a reader reads: what its audit rows are filed under. */
export interface ReaderSubject {
  generationId: string;
  tenant: string;
  sessionId?: string;
  endUserId?: string;
}

/** The subject of a generation, from its record. */
export function readerSubject(generation: {
  id: string;
  tenant: string;
  sessionId?: string | undefined;
  endUserId?: string | undefined;
}): ReaderSubject {
  return {
    generationId: generation.id,
    tenant: generation.tenant,
    ...(generation.sessionId === undefined ? {} : { sessionId: generation.sessionId }),
    ...(generation.endUserId === undefined ? {} : { endUserId: generation.endUserId }),
  };
}

/** Metrics group the transports by protocol. */
function protocolOf(transport: ReaderTransport): string {
  return transport.startsWith('durable-streams') ? 'durable-streams' : transport;
}

/** Whose reads these are, for the rate of reader records: the API key. */
function readerKeyOf(request: FastifyRequest): string {
  return request.caller?.keyId ?? 'unauthenticated';
}

/**
 * Counts the attach now (with the subject the route got from the generation's record);
 * call the returned function with the final offset on detach, which audits the read.
 */
export function auditReader(
  context: GatewayContext,
  keyId: string,
  subject: ReaderSubject,
  transport: ReaderTransport,
  offset: string,
): (reached: string, reason: DetachReason) => void {
  const readerId = randomUUID();
  const protocol = protocolOf(transport);
  const attachedAt = new Date();
  const resumed = offset !== BEGINNING_OFFSET;
  context.observability.readerAttached({ protocol, resumed, tenant: subject.tenant });
  return (reached, reason) => {
    context.observability.readerDetached({ protocol, tenant: subject.tenant });
    context.audit.readerFinished({
      keyId,
      subject,
      readerId,
      transport,
      fromOffset: offset,
      reached,
      reason,
      resumed,
      attachedAt,
      detachedAt: new Date(),
    });
  };
}

/**
 * The one reader policy for a generation's log: a connection slot for the caller (a 429
 * before anything is committed when none is left), the generation's reader count, then
 * the reader's audit.
 */
export function generationReaders(
  context: GatewayContext,
  request: FastifyRequest,
  subject: ReaderSubject,
  transport: ReaderTransport,
  /** A slot the route already took (before starting the generation it streams). */
  admitted?: { release(): void },
): ReaderAdmission {
  return {
    async admit(offset) {
      const lease = admitted ?? (await admitStream(context, request));
      // The producer's node counts readers, to cancel a generation nobody reads any more.
      const leave = context.generations.readerAttached(subject.generationId);
      const detach = auditReader(context, readerKeyOf(request), subject, transport, offset);
      return {
        detach(reached, reason) {
          lease.release();
          leave();
          detach(reached, reason);
        },
      };
    },
  };
}

const GENERATION_LOGS = 'generations/';

/**
 * The Durable Streams reader policy: generation logs get theirs, other streams none.
 * `subjectOf` finds a generation's subject (the route already checked the caller owns it).
 */
export function durableStreamReaders(
  context: GatewayContext,
  subjectOf: (generationId: string, request: FastifyRequest) => Promise<ReaderSubject | undefined>,
) {
  return async (
    request: FastifyRequest,
    storePath: string,
    transport: LiveReadTransport,
  ): Promise<ReaderAdmission | undefined> => {
    if (!storePath.startsWith(GENERATION_LOGS)) return undefined;
    const subject = await subjectOf(storePath.slice(GENERATION_LOGS.length), request);
    // No record, no reading: as absent as a log the caller may not see.
    if (subject === undefined) throw new StreamNotFoundError('The stream does not exist');
    return generationReaders(context, request, subject, `durable-streams-${transport}`);
  };
}
