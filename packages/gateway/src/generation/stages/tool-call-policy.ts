/**
 * The policy's `guardrails.toolArguments` mode as the tool-call stage's policy: `pass`
 * releases argument fragments as they arrive and only counts detections in the complete
 * arguments; `redact` streams them through the JSON-aware arguments redactor; `block`
 * stops the generation at the first detection. A redactor whose holdback overflowed with
 * `fail-closed` blocks like a guardrail does for text.
 */
import { countArgumentDetections } from '../../guardrails/count-argument-detections.ts';
import type { Guardrails } from '../../guardrails/guardrails.ts';
import {
  type ArgumentsOutput,
  JsonArgumentsRedactor,
} from '../../guardrails/json-arguments-redactor.ts';
import type { ArgumentsFilter, ArgumentsFilterOutput, ToolCallPolicy } from './tool-call-relay.ts';

export function toolCallPolicy(guardrails: Guardrails): ToolCallPolicy {
  const mode = guardrails.toolArguments;
  return {
    createFilter: () => (mode === 'pass' ? undefined : redactingFilter(guardrails, mode)),
    countDetections: (argumentsJson) =>
      guardrails.redactors.length === 0 ? [] : countArgumentDetections(argumentsJson, guardrails),
  };
}

function redactingFilter(guardrails: Guardrails, mode: 'redact' | 'block'): ArgumentsFilter {
  const redactor = new JsonArgumentsRedactor(guardrails, mode);
  return {
    push: (fragment) => filterOutput(redactor.push(fragment)),
    end: () => filterOutput(redactor.end()),
  };
}

function filterOutput(output: ArgumentsOutput): ArgumentsFilterOutput {
  if (output.blocked) return { text: '', redactions: output.redactions, blocked: output.blocked };
  if (output.overflow === 'failed-closed') {
    return {
      text: '',
      redactions: output.redactions,
      blocked: { rule: 'holdback-limit', kind: 'holdback-overflow' },
    };
  }
  return { text: output.text, redactions: output.redactions };
}
