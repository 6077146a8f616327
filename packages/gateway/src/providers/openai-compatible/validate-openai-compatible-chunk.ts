/**
 * Validation of one parsed `chat.completion.chunk`, run for every token. A hand-written
 * check accepts the shapes compatible servers send (the same rules as
 * `openAICompatibleChunkSchema`); anything it does not recognise goes to the zod schema,
 * which decides and words the error. Accepting here never accepts what zod would reject.
 */
import { malformedChunkError } from '../shared/upstream-errors.ts';
import {
  type OpenAICompatibleChunk,
  openAICompatibleChunkSchema,
} from './openai-compatible-api-types.ts';

type Fields = Record<string, unknown>;

const isRecord = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isOptionalString = (value: unknown) =>
  value === undefined || value === null || typeof value === 'string';
const isOptionalNumber = (value: unknown) =>
  value === undefined || value === null || typeof value === 'number';

function isToolCallDelta(call: unknown): boolean {
  if (!isRecord(call)) return false;
  const fields = call.function;
  return (
    isOptionalNumber(call.index) &&
    isOptionalString(call.id) &&
    (fields === undefined ||
      fields === null ||
      (isRecord(fields) && isOptionalString(fields.name) && isOptionalString(fields.arguments)))
  );
}

function isDelta(delta: unknown): boolean {
  if (delta === undefined || delta === null) return true;
  if (!isRecord(delta)) return false;
  if (
    !isOptionalString(delta.content) ||
    !isOptionalString(delta.reasoning_content) ||
    !isOptionalString(delta.reasoning) ||
    !isOptionalString(delta.refusal)
  ) {
    return false;
  }
  const toolCalls = delta.tool_calls;
  if (toolCalls === undefined || toolCalls === null) return true;
  if (!Array.isArray(toolCalls)) return false;
  for (const call of toolCalls) if (!isToolCallDelta(call)) return false;
  return true;
}

function isCommonChoice(choice: unknown): boolean {
  if (!isRecord(choice)) return false;
  return (
    isOptionalNumber(choice.index) &&
    isOptionalString(choice.finish_reason) &&
    isDelta(choice.delta)
  );
}

/** `undefined`, `null`, or an object whose `field` is an optional number. */
function isOptionalDetails(details: unknown, field: string): boolean {
  if (details === undefined || details === null) return true;
  return isRecord(details) && isOptionalNumber(details[field]);
}

function isUsage(usage: unknown): boolean {
  if (usage === undefined || usage === null) return true;
  return (
    isRecord(usage) &&
    isOptionalNumber(usage.prompt_tokens) &&
    isOptionalNumber(usage.completion_tokens) &&
    isOptionalDetails(usage.prompt_tokens_details, 'cached_tokens') &&
    isOptionalDetails(usage.completion_tokens_details, 'reasoning_tokens')
  );
}

function isCommonChunk(json: unknown): json is OpenAICompatibleChunk {
  if (!isRecord(json)) return false;
  if (!isOptionalString(json.id) || !isOptionalString(json.model)) return false;
  const choices = json.choices;
  if (choices !== undefined && choices !== null) {
    if (!Array.isArray(choices)) return false;
    for (const choice of choices) if (!isCommonChoice(choice)) return false;
  }
  return isUsage(json.usage);
}

/** The chunk, validated; throws the provider's malformed-chunk error otherwise. */
export function validateOpenAICompatibleChunk(json: unknown): OpenAICompatibleChunk {
  if (isCommonChunk(json)) return json;
  const parsed = openAICompatibleChunkSchema.safeParse(json);
  if (!parsed.success) throw malformedChunkError(describeIssue(parsed.error.issues[0]));
  return parsed.data;
}

function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (issue === undefined) return 'unexpected shape';
  const path = issue.path.map(String).join('.');
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
