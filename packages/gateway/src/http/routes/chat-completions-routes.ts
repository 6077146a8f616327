/**
 * OpenAI-compatible Chat Completions and model listing, backed by the same durable
 * generation as the native API (the `Sluice-Generation-Id` header lets a client resume
 * through `/v1/generations/{id}/events`).
 */
import { BEGINNING_OFFSET } from '@sluice/protocol';
import type { FastifyInstance } from 'fastify';
import {
  chatCompletionId,
  OpenAiChunkEncoder,
  openAiFinishReason,
  openAiUsage,
} from '../../delivery/openai-chunk-encoder.ts';
import {
  READ_BATCH_BYTES,
  READ_BATCH_MESSAGES,
  streamToSse,
} from '../../delivery/stream-to-sse.ts';
import type { GenerationRequest } from '../../generation/generation.ts';
import { requireScope } from '../auth/require-scope.ts';
import { completesWithin, resolveDeliveryMode } from '../delivery-mode.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { httpErrorFromCode } from '../http-error.ts';
import { auditReader, detachReason } from '../reader-audit.ts';
import {
  type ChatCompletionRequest,
  chatCompletionRequestSchema,
  chatMessagesFromOpenAi,
} from '../openai/chat-completion-request.ts';
import {
  checkMessageCount,
  compact,
  parseBody,
  toSimulatorOptions,
} from '../request-schemas.ts';
import { admitStream, openGenerationSse, startGeneration } from '../start-generation.ts';

function toGenerationRequest(body: ChatCompletionRequest): GenerationRequest {
  const request: GenerationRequest = {
    model: body.model,
    messages: chatMessagesFromOpenAi(body.messages),
    route: '/v1/chat/completions',
    ...compact({
      sessionId: body.sessionId,
      endUserId: body.user,
      maxTokens: body.max_completion_tokens ?? body.max_tokens,
      temperature: body.temperature,
      seed: body.seed,
      onDisconnect: body.onDisconnect,
    }),
  };
  const simulator = toSimulatorOptions(body.simulator);
  if (simulator) request.simulator = simulator;
  return request;
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
      const body = parseBody(schema, request.body);
      const generation = await startGeneration(context, request, reply, toGenerationRequest(body));
      const created = Math.floor(generation.createdAt.getTime() / 1000);
      const mode = body.stream
        ? resolveDeliveryMode(context.config.delivery, body.delivery, {
            model: generation.model,
            route: '/v1/chat/completions',
          })
        : 'final';
      const streams =
        mode === 'stream' ||
        (mode === 'auto' &&
          !(await completesWithin(generation, context.config.delivery.autoWindowMs)));

      if (streams) {
        const encoder = new OpenAiChunkEncoder({
          generationId: generation.id,
          model: generation.model,
          created,
          includeUsage: body.stream_options?.include_usage === true,
        });
        const first = await context.store.read(generation.streamPath, {
          offset: BEGINNING_OFFSET,
          maxMessages: READ_BATCH_MESSAGES,
          maxBytes: READ_BATCH_BYTES,
        });
        const lease = await admitStream(context, request);
        const detach = auditReader(context, generation.id, 'openai', BEGINNING_OFFSET);
        try {
          const connection = openGenerationSse(context, request, reply, generation.id);
          const reached = await streamToSse({
            store: context.store,
            path: generation.streamPath,
            first,
            connection,
            encode: encoder.encodeBatch,
            isComplete: encoder.isComplete,
          });
          detach(reached, detachReason(connection));
          if (connection.disconnected && generation.onDisconnect === 'cancel') {
            void context.generations.stop(generation.id);
          }
        } finally {
          lease.release();
        }
        return reply;
      }

      await generation.done;
      if (generation.status === 'failed' && generation.error) {
        throw httpErrorFromCode(generation.error.code, generation.error.message);
      }
      return {
        id: chatCompletionId(generation.id),
        object: 'chat.completion',
        created,
        model: generation.model,
        system_fingerprint: null,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: generation.text, refusal: null },
            logprobs: null,
            finish_reason: openAiFinishReason(generation.finishReason),
          },
        ],
        usage: openAiUsage(generation.usage),
      };
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
