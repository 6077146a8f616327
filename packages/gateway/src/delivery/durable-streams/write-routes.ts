/**
 * The write side of Durable Streams: PUT creates (optionally with initial data, expiry,
 * closed, or as a fork), POST appends and/or closes, DELETE deletes. The write policy
 * applies here: a stream without a lifetime gets the default TTL, one beyond the longest
 * allowed is refused (not clamped: a stream never silently lives shorter than asked),
 * JSON appends carry at most so many messages, read-only streams cannot be forked, and
 * what the caller stores counts against its budget (enforced by the store).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isJsonMediaType } from '../../store/media-type.ts';
import type {
  AppendOptions,
  AppendResult,
  CreateStreamOptions,
  ForkOptions,
} from '../../store/stream-store.ts';
import type { DurableStreamsContext, StreamWritePolicy } from './durable-streams-context.ts';
import { sendError } from './durable-streams-errors.ts';
import { type JsonAppend, splitJsonMessages } from './json-messages.ts';
import {
  HEADER,
  ProtocolRequestError,
  parseClosedFlag,
  parseExpiresAt,
  parseProducer,
  parseStrictInteger,
  parseTtlSeconds,
  singleHeader,
} from './protocol-headers.ts';
import { setStreamHeaders } from './response-headers.ts';
import { forkSourcePath, toStorePath } from './stream-path.ts';
import { StreamRefusedError } from './stream-refusals.ts';

type StreamRequest = FastifyRequest<{ Params: { '*': string } }>;

const EMPTY = Buffer.alloc(0);

function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : EMPTY;
}

/**
 * The bytes in a buffer of their own. A small request body is a slice of a shared
 * allocation pool: stored as is, a one-byte append could keep a whole pool slab alive
 * while its budget is charged for one byte.
 */
function ownedBytes(view: Uint8Array): Uint8Array {
  const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
  return whole ? view : new Uint8Array(view);
}

/** An append body as the store takes it: JSON split (and packed), bytes as one message. */
function messagesOf(body: Buffer, json: boolean, policy: StreamWritePolicy): JsonAppend {
  const split = json
    ? splitJsonMessages(body, policy.maxMessagesPerAppend)
    : { messages: [body], packedEnds: undefined };
  return { messages: split.messages.map(ownedBytes), packedEnds: split.packedEnds };
}

/** Refuses a lifetime beyond the longest allowed. */
function checkLifetime(
  policy: StreamWritePolicy,
  ttlSeconds: number | undefined,
  expiresAt: Date | undefined,
): void {
  const max = policy.maxTtlSeconds;
  if (ttlSeconds !== undefined && ttlSeconds > max) {
    throw new StreamRefusedError(
      'SLUICE_ERR_STREAM_TTL_TOO_LONG',
      `Stream-TTL may be at most ${max} seconds`,
    );
  }
  if (expiresAt !== undefined && expiresAt.getTime() > Date.now() + max * 1000) {
    throw new StreamRefusedError(
      'SLUICE_ERR_STREAM_TTL_TOO_LONG',
      `Stream-Expires-At may be at most ${max} seconds from now`,
    );
  }
}

function writablePath(
  context: DurableStreamsContext,
  request: StreamRequest,
  reply: FastifyReply,
): string | undefined {
  const path = context.resolvePath(request, toStorePath(request.params['*']));
  if (context.isReadOnly(path)) {
    sendError(reply, 'SLUICE_ERR_STREAM_READ_ONLY', 'This stream is read-only to clients');
    return undefined;
  }
  return path;
}

function parseFork(
  context: DurableStreamsContext,
  request: FastifyRequest,
): ForkOptions | undefined {
  const headers = request.headers;
  const forkedFrom = singleHeader(headers, HEADER.forkedFrom);
  const offset = singleHeader(headers, HEADER.forkOffset);
  const subOffset = singleHeader(headers, HEADER.forkSubOffset);
  if (forkedFrom === undefined) {
    if (offset !== undefined || subOffset !== undefined) {
      throw new ProtocolRequestError('Fork offsets need Stream-Forked-From');
    }
    return undefined;
  }
  const fork: ForkOptions = {
    sourcePath: context.resolvePath(request, forkSourcePath(forkedFrom)),
  };
  // A generation log is erased with its session; a fork would keep its content.
  if (context.isReadOnly(fork.sourcePath)) {
    throw new StreamRefusedError(
      'SLUICE_ERR_STREAM_FORK_REFUSED',
      'Read-only streams (generation logs) cannot be forked',
    );
  }
  if (offset !== undefined) fork.offset = offset;
  if (subOffset !== undefined) fork.subOffset = parseStrictInteger(subOffset, HEADER.forkSubOffset);
  return fork;
}

async function isJsonStream(
  context: DurableStreamsContext,
  contentType: string | undefined,
  fork: ForkOptions | undefined,
): Promise<boolean> {
  if (contentType !== undefined) return isJsonMediaType(contentType);
  if (fork === undefined) return false;
  // A fork without a Content-Type inherits its source's, and with it the body framing.
  const source = await context.store.head(fork.sourcePath).catch(() => undefined);
  return source !== undefined && isJsonMediaType(source.contentType);
}

export async function createStream(
  context: DurableStreamsContext,
  request: StreamRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  const path = writablePath(context, request, reply);
  if (path === undefined) return reply;
  const headers = request.headers;
  const ttlSeconds = parseTtlSeconds(headers);
  const expiresAt = parseExpiresAt(headers);
  if (ttlSeconds !== undefined && expiresAt !== undefined) {
    throw new ProtocolRequestError('Send Stream-TTL or Stream-Expires-At, not both');
  }
  const policy = context.writePolicy;
  checkLifetime(policy, ttlSeconds, expiresAt);
  const fork = parseFork(context, request);
  const contentType = singleHeader(headers, 'content-type');
  const body = bodyOf(request);
  const options: CreateStreamOptions = { closed: parseClosedFlag(headers) };
  if (contentType !== undefined) options.contentType = contentType;
  if (ttlSeconds !== undefined) options.ttlSeconds = ttlSeconds;
  if (expiresAt !== undefined) options.expiresAt = expiresAt;
  // A fork without a lifetime of its own inherits its source's (which has one).
  if (ttlSeconds === undefined && expiresAt === undefined && fork === undefined) {
    options.ttlSeconds = policy.defaultTtlSeconds;
  }
  if (fork !== undefined) options.fork = fork;
  const budget = policy.budgetOf(request);
  if (budget !== undefined) options.budget = budget;
  if (body.length > 0) {
    const json = await isJsonStream(context, contentType, fork);
    const initial = messagesOf(body, json, policy);
    options.initialMessages = initial.messages;
    if (initial.packedEnds !== undefined) options.initialPackedEnds = initial.packedEnds;
  }
  const result = await context.store.create(path, options);
  setStreamHeaders(reply, result.info);
  if (!result.created) return reply.code(200).send();
  const pathname = request.url.split('?')[0] ?? '';
  reply.header('location', `${request.protocol}://${request.host}${pathname}`);
  return reply.code(201).send();
}

export async function appendToStream(
  context: DurableStreamsContext,
  request: StreamRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const path = writablePath(context, request, reply);
  if (path === undefined) return reply;
  const headers = request.headers;
  const producer = parseProducer(headers);
  const streamSeq = singleHeader(headers, HEADER.sequence);
  const close = parseClosedFlag(headers);
  const body = bodyOf(request);
  let result: AppendResult;
  if (body.length === 0) {
    if (!close) throw new ProtocolRequestError('An append needs a body (or Stream-Closed: true)');
    if (producer === undefined) {
      // A bare close is idempotent and, like the protocol says, ignores Content-Type.
      const info = await context.store.close(path);
      return reply
        .header(HEADER.nextOffset, info.tailOffset)
        .header(HEADER.closed, 'true')
        .code(204)
        .send();
    }
    result = await context.store.append(path, [], { close: true, producer });
  } else {
    const contentType = singleHeader(headers, 'content-type');
    if (contentType === undefined) throw new ProtocolRequestError('An append needs a Content-Type');
    const policy = context.writePolicy;
    const { messages, packedEnds } = messagesOf(body, isJsonMediaType(contentType), policy);
    if (messages.length === 0)
      throw new ProtocolRequestError('An empty JSON array appends nothing');
    const options: AppendOptions = { contentType, close };
    if (producer !== undefined) options.producer = producer;
    if (streamSeq !== undefined) options.streamSeq = streamSeq;
    if (packedEnds !== undefined) options.packedEnds = packedEnds;
    const budget = policy.budgetOf(request);
    if (budget !== undefined) options.budget = budget;
    result = await context.store.append(path, messages, options);
  }
  reply.header(HEADER.nextOffset, result.offset);
  if (result.closed === true) reply.header(HEADER.closed, 'true');
  if (result.producer !== undefined) {
    reply.header(HEADER.producerEpoch, String(result.producer.epoch));
    reply.header(HEADER.producerSeq, String(result.producer.seq));
  }
  // A producer's newly accepted data is 200; duplicates, bare closes and plain appends are 204.
  const accepted = producer !== undefined && result.duplicate !== true && body.length > 0;
  return reply.code(accepted ? 200 : 204).send();
}

export async function deleteStream(
  context: DurableStreamsContext,
  request: StreamRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const path = writablePath(context, request, reply);
  if (path === undefined) return reply;
  if (!(await context.store.delete(path))) return sendError(reply, 'SLUICE_ERR_STREAM_NOT_FOUND');
  return reply.code(204).send();
}
