/**
 * Shared by the native and OpenAI-compatible routes: start a generation, turning an
 * unknown model or an upstream that failed before streaming into catalogue errors.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SseConnection } from '../delivery/sse-connection.ts';
import type { Generation, GenerationRequest } from '../generation/generation.ts';
import { UnknownModelError } from '../generation/generation-service.ts';
import type { GatewayContext } from './gateway-context.ts';
import { HttpError, httpErrorFromCode } from './http-error.ts';

export const GENERATION_ID_HEADER = 'sluice-generation-id';

export async function startGeneration(
  context: GatewayContext,
  reply: FastifyReply,
  request: GenerationRequest,
): Promise<Generation> {
  if (!context.isAcceptingWork()) throw new HttpError('SLUICE_ERR_SHUTTING_DOWN');
  let generation: Generation;
  try {
    generation = await context.generations.start(request);
  } catch (error) {
    if (error instanceof UnknownModelError) {
      throw new HttpError(
        'SLUICE_ERR_MODEL_NOT_FOUND',
        `Model '${request.model}' is not configured`,
      );
    }
    throw error;
  }
  reply.header(GENERATION_ID_HEADER, generation.id);
  // Nothing reached the client yet, so an upstream that failed before streaming is an
  // HTTP error (502/504) rather than an event.
  if (generation.status === 'failed' && generation.error && generation.text === '') {
    const error = httpErrorFromCode(generation.error.code, generation.error.message);
    error.headers[GENERATION_ID_HEADER] = generation.id;
    throw error;
  }
  return generation;
}

export function wantsEventStream(accept: string | undefined): boolean {
  return accept?.includes('text/event-stream') ?? false;
}

/** Commits the 200 and opens an SSE connection for a generation's events. */
export function openGenerationSse(
  context: GatewayContext,
  request: FastifyRequest,
  reply: FastifyReply,
  generationId: string,
): SseConnection {
  reply.hijack();
  return new SseConnection(request.raw, reply.raw, {
    heartbeatIntervalMs: context.config.streams.heartbeatIntervalMs,
    headers: { [GENERATION_ID_HEADER]: generationId },
    shutdownSignal: context.shutdownSignal,
    maxBufferedBytes: context.config.streams.maxBufferedBytes,
    stalledReaderTimeoutMs: context.config.streams.stalledReaderTimeoutMs,
  });
}
