/**
 * Sluice's `reasoning.effort` as Anthropic extended thinking, `thinking: { type: 'enabled',
 * budget_tokens }`, with a fixed budget per effort (1024 is the API's minimum budget).
 *
 * Thinking counts towards `max_tokens`, which must exceed the budget. A request without
 * `maxTokens` therefore gets the default plus the budget (high effort: 4096 + 16384); one whose
 * `maxTokens` is not above the budget is refused rather than silently raised, since the caller's
 * cap may be what its quota was reserved for. The same holds for a budget set directly through
 * `providerOptions.anthropic.thinking`.
 *
 * Anthropic documents what extended thinking cannot be combined with — forced tool use, a
 * temperature other than 1, `top_p` below 0.95 — and such requests are refused here, naming
 * the field, instead of failing upstream.
 */
import type { ReasoningEffort } from '@sluice/protocol';
import type { LanguageModelCallOptions, UnsupportedOption } from '../language-model.ts';

export const THINKING_BUDGET_TOKENS: Readonly<Record<ReasoningEffort, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
};

const LOWEST_TOP_P_WITH_THINKING = 0.95;

export function thinkingForEffort(effort: ReasoningEffort) {
  return { type: 'enabled', budget_tokens: THINKING_BUDGET_TOKENS[effort] } as const;
}

/** The budget of a `thinking` field, when it enables thinking with one. */
export function thinkingBudget(thinking: unknown): number | undefined {
  if (typeof thinking !== 'object' || thinking === null) return undefined;
  const { type, budget_tokens: budget } = thinking as { type?: unknown; budget_tokens?: unknown };
  return type === 'enabled' && typeof budget === 'number' ? budget : undefined;
}

/** The options that conflict with thinking on a budget of `budget` tokens. */
export function thinkingConflicts(
  options: LanguageModelCallOptions,
  budget: number,
  maxTokensFromOptions: boolean,
): UnsupportedOption[] {
  const conflicts: UnsupportedOption[] = [];
  if (maxTokensFromOptions && options.maxTokens !== undefined && options.maxTokens <= budget) {
    conflicts.push({
      field: 'maxTokens',
      reason: `With reasoning, Anthropic needs maxTokens above the thinking budget (${budget})`,
    });
  }
  if (options.toolChoice === 'required' || typeof options.toolChoice === 'object') {
    conflicts.push({
      field: 'toolChoice',
      reason: 'Anthropic does not force tool use while thinking (use auto or none)',
    });
  }
  if (options.temperature !== undefined && options.temperature !== 1) {
    conflicts.push({
      field: 'temperature',
      reason: 'Anthropic only takes temperature 1 while thinking',
    });
  }
  if (options.topP !== undefined && options.topP < LOWEST_TOP_P_WITH_THINKING) {
    conflicts.push({
      field: 'topP',
      reason: `Anthropic takes topP from ${LOWEST_TOP_P_WITH_THINKING} to 1 while thinking`,
    });
  }
  return conflicts;
}
