/**
 * The native generation API: start, read live or resume, inspect, cancel.
 */
import { BEGINNING_OFFSET } from '@sluice/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { nativeEventEncoder, relay } from '../../delivery/index.ts';
import { GenerationService } from '../../generation/generation-service.ts';
import { InvalidOffsetError, StreamNotFoundError } from '../../store/stream-store.ts';
import { requireScope } from '../auth/require-scope.ts';
import { completesWithin, resolveDeliveryMode } from '../delivery-mode.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { HttpError } from '../http-error.ts';
import { generationReaders, type ReaderSubject, readerSubject } from '../reader-audit.ts';
import {
  checkMessageCount,
  generationRequestFromBody,
  generationRequestSchema,
  parseBody,
} from '../request-schemas.ts';
import {
  GENERATION_ID_HEADER,
  openGenerationSse,
  ownedGeneration,
  startStreamingGeneration,
  wantsEventStream,
} from '../start-generation.ts';

interface IdParams {
  id: string;
}

const GENERATION_ID = /^gen_[0-9a-f]{32}$/;
const ROUTE = '/v1/generations';

function generationNotFound(): HttpError {
  return new HttpError('SLUICE_ERR_GENERATION_NOT_FOUND');
}

export async function generationRoutes(
  app: FastifyInstance,
  context: GatewayContext,
): Promise<void> {
  const schema = generationRequestSchema(context.config.limits);

  const generate = { onRequest: requireScope('generate') };
  const read = { onRequest: requireScope('read') };

  app.post(ROUTE, generate, async (request, reply) => {
    checkMessageCount(request.body, context.config.limits);
    const body = parseBody(schema, request.body);
    const mode = resolveDeliveryMode(context.config.delivery, body.delivery, {
      model: body.model,
      route: ROUTE,
    });
    const streams = mode === 'stream' || mode === 'auto';
    // SSE waits up to the commit window for the first token (a fast failure is still a JSON
    // 502/504); the 201 answer never waits for the model; `final` waits for the verdict.
    const waitForUpstreamMs = !streams
      ? undefined
      : wantsEventStream(request.headers.accept)
        ? context.config.streams.commitWindowMs
        : 0;
    const { generation, lease } = await startStreamingGeneration(
      context,
      request,
      reply,
      generationRequestFromBody(body),
      streams && wantsEventStream(request.headers.accept),
      waitForUpstreamMs === undefined ? {} : { waitForUpstreamMs },
    );
    if (mode === 'final') {
      const finalized = await context.generations.finalized(generation.id);
      return context.generations.view(finalized ?? generation);
    }
    if (mode === 'auto') {
      const windowMs = context.config.delivery.autoWindowMs;
      const finalized = await completesWithin(context.generations, generation.id, windowMs);
      if (finalized) {
        lease?.release();
        return context.generations.view(finalized);
      }
    }
    if (lease) {
      const cancelOnDisconnect = generation.onDisconnect === 'cancel';
      await relayEvents(
        context,
        request,
        reply,
        readerSubject(generation),
        BEGINNING_OFFSET,
        () => {
          if (cancelOnDisconnect) void context.generations.stop(generation.id);
        },
        lease,
      );
      return reply;
    }
    const streamUrl = `/v1/stream/${GenerationService.streamPath(generation.id)}`;
    return reply
      .code(201)
      .header('location', `/v1/generations/${generation.id}`)
      .send({
        id: generation.id,
        status: generation.status,
        streamUrl,
        eventsUrl: `/v1/generations/${generation.id}/events`,
      });
  });

  app.get<{ Params: IdParams; Querystring: { offset?: string } }>(
    '/v1/generations/:id/events',
    read,
    async (request, reply) => {
      const { id } = request.params;
      if (!GENERATION_ID.test(id)) throw generationNotFound();
      const generation = await ownedGeneration(context, request, id);
      // EventSource resends its original URL on reconnect, so Last-Event-ID is newer.
      const lastEventId = request.headers['last-event-id'];
      const offset =
        (typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : undefined) ??
        request.query.offset ??
        BEGINNING_OFFSET;
      reply.header(GENERATION_ID_HEADER, id);
      await relayEvents(context, request, reply, readerSubject(generation), offset);
      return reply;
    },
  );

  app.get<{ Params: IdParams }>('/v1/generations/:id', read, async (request) =>
    context.generations.view(await ownedGeneration(context, request, request.params.id)),
  );

  app.post<{ Params: IdParams }>('/v1/generations/:id/cancel', generate, async (request) => {
    const { id } = await ownedGeneration(context, request, request.params.id);
    const generation = await context.generations.stop(id, 'cancelled');
    if (!generation) throw generationNotFound();
    return context.generations.view(generation);
  });
}

/**
 * Streams a generation's events as native SSE from `offset`, through the relay core and
 * the generation reader policy. The first read happens before the 200 is committed, so a
 * bad offset or unknown id is still a 4xx.
 */
async function relayEvents(
  context: GatewayContext,
  request: FastifyRequest,
  reply: FastifyReply,
  subject: ReaderSubject,
  offset: string,
  onDisconnect?: () => void,
  admitted?: { release(): void },
): Promise<void> {
  const id = subject.generationId;
  try {
    const { reason } = await relay(context.store, GenerationService.streamPath(id), offset, {
      encoder: nativeEventEncoder,
      reader: generationReaders(context, request, subject, 'sse', admitted),
      open: () => openGenerationSse(context, request, reply, id),
      maxBufferedBytes: context.config.streams.maxBufferedBytes,
      onError: (error) => request.log.warn({ err: error }, 'generation events ended early'),
    });
    if (reason === 'client-disconnected') onDisconnect?.();
  } catch (error) {
    // A slot taken for this stream goes back when it never opened (release is idempotent).
    admitted?.release();
    if (StreamNotFoundError.isInstance(error)) throw generationNotFound();
    if (InvalidOffsetError.isInstance(error)) throw new HttpError('SLUICE_ERR_INVALID_OFFSET');
    throw error;
  }
}
