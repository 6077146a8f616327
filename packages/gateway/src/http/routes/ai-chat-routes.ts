/**
 * Vercel AI SDK compatibility: the three endpoints `useChat` (through
 * `DefaultChatTransport`) calls — send (`POST /v1/chat`), resume
 * (`GET /v1/chat/{chatId}/stream`) and stop (`POST /v1/chat/{chatId}/stop`). A chat's id is
 * the session its generations are filed under, so any node finds the chat's active
 * generation through the record store; the answer is the generation's log relayed from its
 * start through the UI message encoder, so a resume rebuilds the same message once.
 * Admission, quotas, the commit window and reader policy are the native API's.
 */
import { BEGINNING_OFFSET } from '@sluice/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  relay,
  UI_MESSAGE_STREAM_HEADER,
  UI_MESSAGE_STREAM_VERSION,
  UiMessageEncoder,
} from '../../delivery/index.ts';
import type { GenerationRecord } from '../../generation/generation-record.ts';
import { StreamNotFoundError } from '../../store/stream-store.ts';
import { callerOf } from '../auth/caller.ts';
import { requireScope } from '../auth/require-scope.ts';
import { canAccessTenant } from '../auth/tenant-access.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { AI_CHAT_ROUTE, generationRequestFromUiChat } from '../generation-request-from-ui-chat.ts';
import { HttpError } from '../http-error.ts';
import { generationReaders, readerSubject } from '../reader-audit.ts';
import { checkMessageCount, parseBody, subjectIdSchema } from '../request-schemas.ts';
import { openGenerationSse, startStreamingGeneration } from '../start-generation.ts';
import { uiChatRequestSchema } from '../ui-message-schemas.ts';

interface ChatParams {
  chatId: string;
}

/** The model a request without `model` runs on: the first configured (the simulator by default). */
function defaultModel(context: GatewayContext): string {
  return context.models.list()[0]?.name ?? 'simulator';
}

function chatIdOf(request: FastifyRequest<{ Params: ChatParams }>): string {
  const result = subjectIdSchema.safeParse(request.params.chatId);
  if (result.success) return result.data;
  throw new HttpError(
    'SLUICE_ERR_INVALID_REQUEST',
    `chatId: ${result.error.issues[0]?.message ?? 'invalid'}`,
  );
}

/**
 * The caller's newest generation of the chat if it is still active: running, or finished
 * with its log still open (the verdict not yet appended, or held for a reviewer). Only the
 * newest counts: an older one was superseded by a later message. Other tenants' chats are
 * invisible.
 */
async function activeGeneration(
  context: GatewayContext,
  request: FastifyRequest,
  chatId: string,
): Promise<GenerationRecord | undefined> {
  const caller = callerOf(request);
  let newest: GenerationRecord | undefined;
  for (const record of await context.generations.list({ sessionId: chatId })) {
    if (!canAccessTenant(caller, record.tenant)) continue;
    if (newest === undefined || record.createdAt > newest.createdAt) newest = record;
  }
  if (newest === undefined) return undefined;
  if (newest.status === 'running') return newest;
  // A log that is gone (expired, deleted) has nothing to resume.
  const info = await context.store.head(newest.streamPath).catch(() => undefined);
  return info !== undefined && !info.closed ? newest : undefined;
}

/** Relays the generation's log from its start as a UI message stream. */
async function relayChat(
  context: GatewayContext,
  request: FastifyRequest,
  reply: FastifyReply,
  generation: GenerationRecord,
  admitted?: { release(): void },
): Promise<void> {
  reply.header(UI_MESSAGE_STREAM_HEADER, UI_MESSAGE_STREAM_VERSION);
  try {
    await relay(context.store, generation.streamPath, BEGINNING_OFFSET, {
      encoder: new UiMessageEncoder({ messageId: generation.id }),
      reader: generationReaders(context, request, readerSubject(generation), 'ai-sdk', admitted),
      open: () => openGenerationSse(context, request, reply, generation.id),
      maxBufferedBytes: context.config.streams.maxBufferedBytes,
      onError: (error) => request.log.warn({ err: error }, 'UI message stream ended early'),
    });
  } catch (error) {
    // A slot taken for this stream goes back when it never opened (release is idempotent).
    admitted?.release();
    if (StreamNotFoundError.isInstance(error)) {
      throw new HttpError('SLUICE_ERR_GENERATION_NOT_FOUND');
    }
    throw error;
  }
}

export async function aiChatRoutes(app: FastifyInstance, context: GatewayContext): Promise<void> {
  const schema = uiChatRequestSchema(context.config.limits);
  const generate = { onRequest: requireScope('generate') };
  const read = { onRequest: requireScope('read') };

  app.post(AI_CHAT_ROUTE, generate, async (request, reply) => {
    checkMessageCount(request.body, context.config.limits);
    const body = parseBody(schema, request.body);
    // Waits up to the commit window for the first token, as native SSE does: an upstream
    // that fails fast is still a JSON 502/504 (the SDK surfaces its text as the error).
    const { generation, lease } = await startStreamingGeneration(
      context,
      request,
      reply,
      generationRequestFromUiChat(body, defaultModel(context)),
      true,
      { waitForUpstreamMs: context.config.streams.commitWindowMs },
    );
    // The generation continues when the client goes away: `useChat` resumes it.
    await relayChat(context, request, reply, generation, lease);
    return reply;
  });

  app.get<{ Params: ChatParams }>(
    `${AI_CHAT_ROUTE}/:chatId/stream`,
    read,
    async (request, reply) => {
      const generation = await activeGeneration(context, request, chatIdOf(request));
      // 204: nothing to resume (the SDK's transport then keeps the messages it has).
      if (generation === undefined) return reply.code(204).send();
      await relayChat(context, request, reply, generation);
      return reply;
    },
  );

  app.post<{ Params: ChatParams }>(
    `${AI_CHAT_ROUTE}/:chatId/stop`,
    generate,
    async (request, reply) => {
      const generation = await activeGeneration(context, request, chatIdOf(request));
      // Resolves once the terminal event and verdict are in the log (any node's producer).
      if (generation?.status === 'running') {
        await context.generations.stop(generation.id, 'cancelled');
      }
      return reply.code(204).send();
    },
  );
}
