import { describe, expect, test } from 'vitest';
import { maxEventLoopLagMs } from '../../guardrails/testing/event-loop-lag-probe.ts';
import { checkOutputContract } from './output-contract-checks.ts';
import { OVER_BUDGET_DETAIL } from './validation-limits.ts';

const policy = { toolCalls: 'reject', responseFormat: 'reject' } as const;
const lookup = {
  name: 'lookup',
  parameters: {
    type: 'object',
    properties: { ids: { type: 'array', items: { type: 'integer' }, uniqueItems: true } },
  },
};

function call(index: number, argumentsText: string) {
  return { toolCallId: `call_${index}`, toolName: 'lookup', arguments: argumentsText };
}

describe('checkOutputContract: bounded work', () => {
  test('arguments over the size limit are not parsed', () => {
    const [outcome] = checkOutputContract(
      { tools: [lookup] },
      policy,
      {
        text: '',
        toolCalls: [call(0, `{"ids": [${'1,'.repeat(600)}1]}`)],
        finishReason: 'tool-calls',
      },
      { maxOutputBytes: 1_000, maxSteps: 25_000 },
    );
    expect(outcome?.check).toEqual({
      name: 'tool-arguments:lookup',
      passed: false,
      detail:
        'call 0: output too large to validate: 1212 bytes, more than the 1000 this gateway validates',
    });
  });

  test('all the calls of one answer share one budget', async () => {
    // Each call alone fits the budget; forty of them would multiply it, so the later ones fail.
    const ids = `{"ids": [${Array.from({ length: 2_000 }, (_, index) => index).join(',')}]}`;
    const toolCalls = Array.from({ length: 40 }, (_, index) => call(index, ids));
    // The request check compiled the schema before the answer came.
    const answer = { text: '', finishReason: 'tool-calls' } as const;
    checkOutputContract({ tools: [lookup] }, policy, { ...answer, toolCalls: [call(0, '{}')] });
    let outcomes: ReturnType<typeof checkOutputContract> = [];
    const lag = await maxEventLoopLagMs(() => {
      outcomes = checkOutputContract({ tools: [lookup] }, policy, {
        text: '',
        toolCalls,
        finishReason: 'tool-calls',
      });
    });
    expect(outcomes[0]?.check).toEqual({ name: 'tool-arguments:lookup', passed: true });
    expect(outcomes.at(-1)?.check).toEqual({
      name: 'tool-arguments:lookup',
      passed: false,
      detail: `call 39: ${OVER_BUDGET_DETAIL}`,
    });
    expect(lag).toBeLessThan(100);
  });

  test('a response schema with uniqueItems over 20,000 objects fails at the budget', async () => {
    const text = JSON.stringify(Array.from({ length: 20_000 }, (_, index) => ({ id: index })));
    const format = {
      type: 'json_schema' as const,
      name: 'ids',
      schema: { type: 'array', uniqueItems: true },
    };
    checkOutputContract({ responseFormat: format }, policy, {
      text: '[]',
      toolCalls: [],
      finishReason: 'stop',
    });
    let outcomes: ReturnType<typeof checkOutputContract> = [];
    const lag = await maxEventLoopLagMs(() => {
      outcomes = checkOutputContract({ responseFormat: format }, policy, {
        text,
        toolCalls: [],
        finishReason: 'stop',
      });
    });
    expect(outcomes.map((outcome) => outcome.check)).toEqual([
      { name: 'response-format', passed: false, detail: OVER_BUDGET_DETAIL },
    ]);
    expect(lag).toBeLessThan(100);
  });
});
