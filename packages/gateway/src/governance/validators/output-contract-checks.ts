/**
 * Checks that come from the request rather than the policy: each tool call must name a
 * declared tool and carry arguments that are valid JSON matching that tool's `parameters`
 * schema, and an answer asked for as JSON (`responseFormat`) must be JSON matching its
 * schema. Schemas are compiled once per generation, here, at finalization (only requests
 * that declare them pay for it). Details name the call and the schema location, never a
 * value from the answer. The policy decides whether a failure flags or rejects.
 */
import type { FinishReason, ResponseFormat, ToolCall, ToolDefinition } from '@sluice/protocol';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileJsonSchema } from './json-schema-compiler.ts';
import type { OnFail, ValidatorOutcome } from './validator.ts';

export const TOOL_ARGUMENTS_CHECK = 'tool-arguments';
export const RESPONSE_FORMAT_CHECK = 'response-format';

/** What the request promised about the output's shape. */
export interface OutputContract {
  tools?: readonly ToolDefinition[] | undefined;
  responseFormat?: ResponseFormat | undefined;
}

export interface OutputContractPolicy {
  toolCalls: OnFail;
  responseFormat: OnFail;
}

export interface OutputContractAnswer {
  text: string;
  toolCalls: readonly ToolCall[];
  finishReason: FinishReason;
}

/** Finish reasons after which a JSON answer is as complete as it will get. */
const ANSWER_COMPLETE: ReadonlySet<FinishReason> = new Set(['stop', 'length']);

export function checkOutputContract(
  contract: OutputContract,
  policy: OutputContractPolicy,
  answer: OutputContractAnswer,
): ValidatorOutcome[] {
  const outcomes: ValidatorOutcome[] = [];
  if (answer.toolCalls.length > 0) {
    const validators = new Map<string, ValidateFunction | Error>();
    answer.toolCalls.forEach((call, index) => {
      outcomes.push({
        check: checkToolCall(call, index, contract.tools, validators),
        onFail: policy.toolCalls,
      });
    });
  }
  const format = contract.responseFormat;
  if (format !== undefined && format.type !== 'text' && ANSWER_COMPLETE.has(answer.finishReason)) {
    outcomes.push({
      check: checkResponseFormat(format, answer.text),
      onFail: policy.responseFormat,
    });
  }
  return outcomes;
}

function checkToolCall(
  call: ToolCall,
  index: number,
  tools: readonly ToolDefinition[] | undefined,
  validators: Map<string, ValidateFunction | Error>,
) {
  const name = `${TOOL_ARGUMENTS_CHECK}:${call.toolName}`;
  const failed = (detail: string) => ({ name, passed: false, detail: `call ${index}: ${detail}` });
  const tool = tools?.find((candidate) => candidate.name === call.toolName);
  if (tool === undefined) return failed('the request declared no tool of this name');
  let value: unknown;
  try {
    // Some models send nothing at all for a tool without parameters: that is `{}`.
    value = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    return failed('arguments are not valid JSON');
  }
  let validate = validators.get(tool.name);
  if (validate === undefined) {
    validate = compileOrError(tool.parameters);
    validators.set(tool.name, validate);
  }
  if (validate instanceof Error) return failed('the parameters schema does not compile');
  if (!validate(value)) {
    return failed(
      `arguments do not match the parameters schema: ${describe(validate.errors?.[0])}`,
    );
  }
  return { name, passed: true };
}

function checkResponseFormat(format: Exclude<ResponseFormat, { type: 'text' }>, text: string) {
  const failed = (detail: string) => ({ name: RESPONSE_FORMAT_CHECK, passed: false, detail });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return failed('output is not valid JSON');
  }
  if (format.type === 'json_schema') {
    const validate = compileOrError(format.schema);
    if (validate instanceof Error) return failed('the response schema does not compile');
    if (!validate(value)) {
      return failed(`output does not match the schema: ${describe(validate.errors?.[0])}`);
    }
  }
  return { name: RESPONSE_FORMAT_CHECK, passed: true };
}

function compileOrError(schema: Record<string, unknown>): ValidateFunction | Error {
  try {
    return compileJsonSchema(schema);
  } catch (error) {
    return error instanceof Error ? error : new Error('schema does not compile');
  }
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'unknown schema error';
  return `${error.schemaPath} ${error.message ?? error.keyword}`;
}
