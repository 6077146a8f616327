/**
 * Shared by the native and OpenAI-compatible routes: start a generation, turning an
 * unknown model or an upstream that failed before streaming into catalogue errors, and
 * apply the commit window (how long a response waits for the first token before it
 * commits and a later failure becomes an in-stream event).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { openSse, type SseTransport } from '../delivery/index.ts';
import type { GenerationRequest } from '../generation/generation.ts';
import type { GenerationRecord } from '../generation/generation-record.ts';
import {
  type LaunchedGeneration,
  UnknownModelError,
  UnsupportedOptionsError,
} from '../generation/generation-service.ts';
import { callerOf } from './auth/caller.ts';
import { assertTenantAccess } from './auth/tenant-access.ts';
import type { GatewayContext } from './gateway-context.ts';
import { HttpError, httpErrorFromCode } from './http-error.ts';

export const GENERATION_ID_HEADER = 'sluice-generation-id';

export interface StartGenerationOptions {
  /** Names a field of Sluice's request shape in the route's own (e.g. `topP` → `top_p`). */
  fieldName?: (field: string) => string;
  /**
   * How long to wait for the upstream's first token before answering. Until then a
   * failure is still an HTTP error; after it the route commits (an SSE response sends
   * heartbeats until tokens flow). 0 answers at once (the 201 mode); absent waits for the
   * upstream however long it takes.
   */
  waitForUpstreamMs?: number;
}

export async function startGeneration(
  context: GatewayContext,
  httpRequest: FastifyRequest,
  reply: FastifyReply,
  request: GenerationRequest,
  options: StartGenerationOptions = {},
): Promise<GenerationRecord> {
  if (!context.isAcceptingWork()) throw new HttpError('SLUICE_ERR_SHUTTING_DOWN');
  const fieldName = options.fieldName ?? ((field: string) => field);
  try {
    context.generations.checkRequest(request);
  } catch (error) {
    throw requestError(error, request, fieldName);
  }
  const caller = callerOf(httpRequest);
  const identity = { tenant: caller.tenant, keyId: caller.keyId };
  // Refused before anything is created: a 429 holds no slot and spends nothing.
  const admission = await context.quotas.admitGeneration(identity);
  reply.headers(admission.headers);
  let launched: LaunchedGeneration;
  try {
    const tokens = await context.quotas.openTokenBudget(identity);
    launched = await context.generations.launch(
      {
        ...request,
        ...identity,
        traceParent: context.requestSpanOf(httpRequest),
        upstreamHeaders: forwardedHeaders(httpRequest),
      },
      { tokens, lease: admission.lease },
    );
  } catch (error) {
    admission.lease.release();
    throw requestError(error, request, fieldName);
  }
  reply.header(GENERATION_ID_HEADER, launched.record.id);
  const waitMs = options.waitForUpstreamMs;
  if (waitMs === 0) return launched.record;
  const generation =
    waitMs === undefined ? await launched.accepted : await settledWithin(launched, waitMs);
  // Nothing reached the client yet, so an upstream that failed before streaming is an
  // HTTP error (502/504) rather than an event.
  if (generation.status === 'failed' && generation.error && generation.text === '') {
    const error = httpErrorFromCode(generation.error.code, generation.error.message);
    error.headers[GENERATION_ID_HEADER] = generation.id;
    throw error;
  }
  return generation;
}

/**
 * `startGeneration` for a response that may stream: when `streams`, the caller's stream
 * slot is taken first, so a caller at its stream limit gets a 429 without leaving a
 * generation running; the slot is given back if the start fails. Hand the lease to the
 * reader policy (or release it when the answer turns out to be one body).
 */
export async function startStreamingGeneration(
  context: GatewayContext,
  httpRequest: FastifyRequest,
  reply: FastifyReply,
  request: GenerationRequest,
  streams: boolean,
  options: StartGenerationOptions = {},
): Promise<{ generation: GenerationRecord; lease: { release(): void } | undefined }> {
  const lease = streams ? await admitStream(context, httpRequest) : undefined;
  try {
    return {
      generation: await startGeneration(context, httpRequest, reply, request, options),
      lease,
    };
  } catch (error) {
    lease?.release();
    throw error;
  }
}

/** The accepted record if the upstream answered within `windowMs`, else the running one. */
async function settledWithin(
  launched: LaunchedGeneration,
  windowMs: number,
): Promise<GenerationRecord> {
  let timer: NodeJS.Timeout | undefined;
  const window = new Promise<GenerationRecord>((resolve) => {
    timer = setTimeout(() => resolve(launched.record), windowMs);
  });
  try {
    return await Promise.race([launched.accepted, window]);
  } finally {
    clearTimeout(timer);
  }
}

/** A request the service refused before starting, as an HTTP error (others pass through). */
function requestError(
  error: unknown,
  request: GenerationRequest,
  fieldName: (field: string) => string,
): unknown {
  if (UnknownModelError.isInstance(error)) return unknownModel(request.model);
  if (UnsupportedOptionsError.isInstance(error)) return unsupportedFields(error, fieldName);
  // Anything else (a record store that refused, an upstream failure) answers as it is.
  return error;
}

function unsupportedFields(
  error: UnsupportedOptionsError,
  fieldName: (field: string) => string,
): HttpError {
  const fields = error.unsupported.map(
    (entry) => `${fieldName(entry.field)}${entry.reason === undefined ? '' : ` (${entry.reason})`}`,
  );
  return new HttpError(
    'SLUICE_ERR_UNSUPPORTED_FIELD',
    `Provider ${error.provider} cannot carry ${fields.join('; ')}`,
  );
}

function unknownModel(model: string): HttpError {
  return new HttpError('SLUICE_ERR_MODEL_NOT_FOUND', `Model '${model}' is not configured`);
}

/** Request ids travel upstream so one id follows a request through every hop. */
function forwardedHeaders(request: FastifyRequest): Record<string, string> {
  return { 'x-request-id': request.id };
}

/**
 * Admits one more stream connection for the caller (per tenant, key and client address);
 * throws a 429 before anything was committed. Release the lease when the stream ends.
 */
export function admitStream(
  context: GatewayContext,
  request: FastifyRequest,
): Promise<{ release(): void }> {
  const caller = callerOf(request);
  return context.quotas.admitStream({
    tenant: caller.tenant,
    keyId: caller.keyId,
    clientIp: request.ip,
  });
}

/** The caller's generation; another tenant's is as absent as an unknown one (404). */
export async function ownedGeneration(
  context: GatewayContext,
  request: FastifyRequest,
  id: string,
): Promise<GenerationRecord> {
  const generation = await context.generations.record(id);
  assertTenantAccess(
    callerOf(request),
    generation,
    () => new HttpError('SLUICE_ERR_GENERATION_NOT_FOUND'),
  );
  return generation;
}

export function wantsEventStream(accept: string | undefined): boolean {
  return accept?.includes('text/event-stream') ?? false;
}

/**
 * Commits the 200 and opens the SSE transport for a generation's events (native or
 * OpenAI chunks): a first byte at once, keep-alive comments, the slow-reader cut and the
 * buffer cap.
 */
export function openGenerationSse(
  context: GatewayContext,
  request: FastifyRequest,
  reply: FastifyReply,
  generationId: string,
): SseTransport {
  const streams = context.config.streams;
  return openSse(request, reply, {
    headers: { [GENERATION_ID_HEADER]: generationId, 'x-request-id': request.id },
    openingComment: 'ok',
    heartbeatIntervalMs: streams.heartbeatIntervalMs,
    shutdownSignal: context.shutdownSignal,
    maxBufferedBytes: streams.maxBufferedBytes,
    stalledReaderTimeoutMs: streams.stalledReaderTimeoutMs,
  });
}
