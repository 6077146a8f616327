/**
 * `GET /v1/generations/{id}`: a record as clients see it, with the answer so far — from the
 * record once the generation ended, assembled from the log while it runs — and, when the
 * policy validates structured output, the JSON parsed so far.
 */
import type { GenerationView } from '@sluice/protocol';
import { PartialJsonParser } from '../governance/validators/partial-json.ts';
import type { GenerationRecord } from './generation-record.ts';
import type { LogContent } from './log-content.ts';

export type { GenerationView };

/** The view of `record`, with `content` (the log's, while running) as its answer. */
export function viewGeneration(
  record: GenerationRecord,
  content: LogContent = record,
): GenerationView {
  const view: GenerationView = {
    id: record.id,
    status: record.status,
    model: record.model,
    provider: record.provider,
    createdAt: record.createdAt,
    text: content.text,
    finishReason: record.finishReason ?? null,
    usage: record.usage,
    timings: record.timings ?? null,
    policyVersion: record.policyVersion,
    modelConfigurationVersion: record.modelConfigurationVersion,
  };
  if (content.reasoning !== '') view.reasoning = content.reasoning;
  if (content.toolCalls.length > 0) view.toolCalls = content.toolCalls;
  if (record.sessionId !== undefined) view.sessionId = record.sessionId;
  if (record.endUserId !== undefined) view.endUserId = record.endUserId;
  if (record.stopCause !== undefined) view.stopCause = record.stopCause;
  if (record.error) view.error = record.error;
  if (record.final) view.final = record.final;
  if (record.reviewItemId !== undefined) view.reviewItemId = record.reviewItemId;
  if (record.tracksStructuredOutput) {
    const parser = new PartialJsonParser();
    parser.feed(content.text);
    view.structured = { state: parser.state, value: parser.value };
  }
  return view;
}
