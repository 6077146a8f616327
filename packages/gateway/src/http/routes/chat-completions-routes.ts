/**
 * OpenAI-compatible Chat Completions and model listing, backed by the same durable
 * generation as the native API (the `Sluice-Generation-Id` header lets a client resume
 * through `/v1/generations/{id}/events`).
 */
import { BEGINNING_OFFSET } from '@sluice/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { OpenAiChunkEncoder, relay } from '../../delivery/index.ts';
import type { GenerationRequest } from '../../generation/generation.ts';
import type { GenerationRecord } from '../../generation/generation-record.ts';
import { UnsupportedOptionsError } from '../../generation/generation-service.ts';
import { requireScope } from '../auth/require-scope.ts';
import { completesWithin, resolveDeliveryMode } from '../delivery-mode.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { httpErrorFromCode } from '../http-error.ts';
import {
  type ChatCompletionRequest,
  chatCompletionRequestSchema,
  parseChatCompletionRequest,
} from '../openai/chat-completion-request.ts';
import { chatCompletionFromGeneration } from '../openai/chat-completion-response.ts';
import { generationRequestFromOpenAi } from '../openai/generation-request-from-openai.ts';
import { openAiFieldPath } from '../openai/openai-field-path.ts';
import { unsupportedOptionsError } from '../openai/unsupported-field.ts';
import { generationReaders, readerSubject } from '../reader-audit.ts';
import { checkMessageCount } from '../request-schemas.ts';
import { openGenerationSse, startStreamingGeneration } from '../start-generation.ts';

/** The provider kind of the requested model; undefined for an unknown one (a 404 later). */
function providerOf(context: GatewayContext, body: unknown): string | undefined {
  const model = (body as { model?: unknown } | null)?.model;
  return typeof model === 'string' ? context.models.get(model)?.provider : undefined;
}

/**
 * Refuses, before admission is spent, options the model cannot carry, named by their paths
 * in the caller's request.
 */
function checkModelCanCarry(
  context: GatewayContext,
  request: GenerationRequest,
  body: ChatCompletionRequest,
): void {
  try {
    context.generations.checkRequest(request);
  } catch (error) {
    if (!UnsupportedOptionsError.isInstance(error)) throw error;
    const maxTokensField =
      body.max_completion_tokens == null ? 'max_tokens' : 'max_completion_tokens';
    throw unsupportedOptionsError(error.provider, error.unsupported, (field) =>
      openAiFieldPath(field, maxTokensField),
    );
  }
}

/**
 * Waits for the finished answer of a single-body request. A client that goes away
 * meanwhile cancels the generation (unless it opted in to resumable), as a streaming one
 * does: nobody would read the answer.
 */
async function finishedUnlessAbandoned(
  context: GatewayContext,
  reply: FastifyReply,
  generation: GenerationRecord,
): Promise<GenerationRecord> {
  // The response closing before it was written means the client went away.
  const cancelOnClose = () => {
    if (!reply.raw.writableFinished && generation.onDisconnect === 'cancel') {
      void context.generations.stop(generation.id);
    }
  };
  reply.raw.once('close', cancelOnClose);
  try {
    return (await context.generations.finalized(generation.id)) ?? generation;
  } finally {
    reply.raw.off('close', cancelOnClose);
  }
}

export async function chatCompletionsRoutes(
  app: FastifyInstance,
  context: GatewayContext,
): Promise<void> {
  const schema = chatCompletionRequestSchema(context.config.limits);

  app.post(
    '/v1/chat/completions',
    { onRequest: requireScope('generate') },
    async (request, reply) => {
      checkMessageCount(request.body, context.config.limits);
      const provider = providerOf(context, request.body);
      const body = parseChatCompletionRequest(schema, request.body, provider);
      const generationRequest = generationRequestFromOpenAi(body, provider, request.headers);
      // An unknown model is answered 404 by startGeneration.
      if (provider !== undefined) checkModelCanCarry(context, generationRequest, body);
      const mode = body.stream
        ? resolveDeliveryMode(context.config.delivery, body.delivery, {
            model: body.model,
            route: '/v1/chat/completions',
          })
        : 'final';
      // A stream waits up to the commit window for the first token (a fast failure is still
      // a JSON error); a single body waits for the answer anyway.
      const { generation, lease } = await startStreamingGeneration(
        context,
        request,
        reply,
        generationRequest,
        mode !== 'final',
        mode === 'final' ? {} : { waitForUpstreamMs: context.config.streams.commitWindowMs },
      );
      const created = Math.floor(Date.parse(generation.createdAt) / 1000);
      const completed =
        mode === 'auto'
          ? await completesWithin(
              context.generations,
              generation.id,
              context.config.delivery.autoWindowMs,
            )
          : undefined;
      const streams = mode === 'stream' || (mode === 'auto' && completed === undefined);

      if (streams) {
        const encoder = new OpenAiChunkEncoder({
          generationId: generation.id,
          model: generation.model,
          created,
          includeUsage: body.stream_options?.include_usage === true,
        });
        const { reason } = await relay(context.store, generation.streamPath, BEGINNING_OFFSET, {
          encoder,
          reader: generationReaders(context, request, readerSubject(generation), 'openai', lease),
          open: () => openGenerationSse(context, request, reply, generation.id),
          maxBufferedBytes: context.config.streams.maxBufferedBytes,
          onError: (error) => request.log.warn({ err: error }, 'chunk stream ended early'),
        });
        if (reason === 'client-disconnected' && generation.onDisconnect === 'cancel') {
          void context.generations.stop(generation.id);
        }
        return reply;
      }

      lease?.release();
      const finished = completed ?? (await finishedUnlessAbandoned(context, reply, generation));
      if (finished.status === 'failed' && finished.error) {
        throw httpErrorFromCode(finished.error.code, finished.error.message);
      }
      return chatCompletionFromGeneration(finished, created);
    },
  );

  app.get('/v1/models', { onRequest: requireScope('read') }, async () => ({
    object: 'list',
    data: context.models.list().map((model) => ({
      id: model.name,
      object: 'model',
      created: 0,
      owned_by: model.provider,
    })),
  }));
}
