/**
 * Checks that come from the request rather than the policy: each tool call must name a
 * declared tool and carry arguments that are valid JSON matching that tool's `parameters`
 * schema, and an answer asked for as JSON (`responseFormat`) must be JSON matching its
 * schema. Schemas are compiled once per generation, here, at finalization (only requests
 * that declare them pay for it). Details name the call and the schema location, never a
 * value from the answer. The policy decides whether a failure flags or rejects.
 *
 * The work is bounded (`validation-limits.ts`): arguments or an answer over
 * `maxOutputBytes` are not parsed, and all the schema checks of one answer share one step
 * budget, so many tool calls cannot multiply it; past either limit a check fails with a
 * reason.
 */
import type { FinishReason, ResponseFormat, ToolCall, ToolDefinition } from '@sluice/protocol';
import type { ErrorObject } from 'ajv';
import { ValidationBudget } from './json-schema-budget.ts';
import {
  type CompiledJsonSchema,
  compileJsonSchema,
  type SchemaVerdict,
} from './json-schema-compiler.ts';
import {
  DEFAULT_VALIDATION_LIMITS,
  OVER_BUDGET_DETAIL,
  tooLargeToValidate,
  type ValidationLimits,
} from './validation-limits.ts';
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
  limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS,
): ValidatorOutcome[] {
  const outcomes: ValidatorOutcome[] = [];
  const bounds: Bounds = { limits, budget: new ValidationBudget(limits.maxSteps) };
  if (answer.toolCalls.length > 0) {
    const validators = new Map<string, CompiledJsonSchema | Error>();
    answer.toolCalls.forEach((call, index) => {
      outcomes.push({
        check: checkToolCall(call, index, contract.tools, validators, bounds),
        onFail: policy.toolCalls,
      });
    });
  }
  const format = contract.responseFormat;
  if (format !== undefined && format.type !== 'text' && ANSWER_COMPLETE.has(answer.finishReason)) {
    outcomes.push({
      check: checkResponseFormat(format, answer.text, bounds),
      onFail: policy.responseFormat,
    });
  }
  return outcomes;
}

/** The limits of one answer's checks and the budget they share. */
interface Bounds {
  limits: ValidationLimits;
  budget: ValidationBudget;
}

function checkToolCall(
  call: ToolCall,
  index: number,
  tools: readonly ToolDefinition[] | undefined,
  validators: Map<string, CompiledJsonSchema | Error>,
  bounds: Bounds,
) {
  const name = `${TOOL_ARGUMENTS_CHECK}:${call.toolName}`;
  const failed = (detail: string) => ({ name, passed: false, detail: `call ${index}: ${detail}` });
  const tool = tools?.find((candidate) => candidate.name === call.toolName);
  if (tool === undefined) return failed('the request declared no tool of this name');
  const bytes = Buffer.byteLength(call.arguments);
  if (bytes > bounds.limits.maxOutputBytes) return failed(tooLargeToValidate(bytes, bounds.limits));
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
  const problem = problemOf(
    validate,
    value,
    bounds,
    'arguments do not match the parameters schema',
  );
  return problem === undefined ? { name, passed: true } : failed(problem);
}

function checkResponseFormat(
  format: Exclude<ResponseFormat, { type: 'text' }>,
  text: string,
  bounds: Bounds,
) {
  const failed = (detail: string) => ({ name: RESPONSE_FORMAT_CHECK, passed: false, detail });
  const bytes = Buffer.byteLength(text);
  if (bytes > bounds.limits.maxOutputBytes) return failed(tooLargeToValidate(bytes, bounds.limits));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return failed('output is not valid JSON');
  }
  if (format.type === 'json_schema') {
    const validate = compileOrError(format.schema);
    if (validate instanceof Error) return failed('the response schema does not compile');
    const problem = problemOf(validate, value, bounds, 'output does not match the schema');
    if (problem !== undefined) return failed(problem);
  }
  return { name: RESPONSE_FORMAT_CHECK, passed: true };
}

/** Why `value` fails `validate` within the shared budget, or undefined when it passes. */
function problemOf(
  validate: CompiledJsonSchema,
  value: unknown,
  bounds: Bounds,
  mismatch: string,
): string | undefined {
  // Once spent, the budget stays spent: later checks say so without starting.
  const verdict: SchemaVerdict = bounds.budget.spent
    ? { result: 'over-budget' }
    : validate(value, bounds.budget);
  switch (verdict.result) {
    case 'valid':
      return undefined;
    case 'invalid':
      return `${mismatch}: ${describe(verdict.error)}`;
    case 'over-budget':
      return OVER_BUDGET_DETAIL;
    case 'not-validated':
      return `could not be validated (${verdict.reason})`;
  }
}

function compileOrError(schema: Record<string, unknown>): CompiledJsonSchema | Error {
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
