import { describe, expect, it } from 'vitest';
import { ProviderError } from '../language-model.ts';
import { AnthropicContentBlocks } from './anthropic-content-blocks.ts';

const TEXT = { type: 'text', text: '' };
const TOOL = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} };

function expectMalformed(action: () => unknown, detail: string) {
  let error: unknown;
  try {
    action();
  } catch (caught) {
    error = caught;
  }
  expect(ProviderError.isInstance(error), String(error)).toBe(true);
  expect(error).toMatchObject({ code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE' });
  expect((error as Error).message).toContain(detail);
}

describe('AnthropicContentBlocks', () => {
  it('numbers tool calls by tool_use block, skipping other blocks', () => {
    const blocks = new AnthropicContentBlocks();
    expect(blocks.start(0, TEXT)).toBeUndefined();
    expect(blocks.start(1, TOOL)).toEqual({
      type: 'tool-call-start',
      index: 0,
      toolCallId: 'toolu_1',
      toolName: 'get_weather',
    });
    expect(blocks.delta(1, { type: 'input_json_delta', partial_json: '{"city":"Oslo"}' })).toEqual({
      type: 'tool-call-delta',
      index: 0,
      argumentsDelta: '{"city":"Oslo"}',
    });
    expect(blocks.stop(1)).toEqual([{ type: 'tool-call-end', index: 0 }]);
    blocks.assertComplete();
  });

  it('relays text or thinking already present when a block starts', () => {
    const blocks = new AnthropicContentBlocks();
    expect(blocks.start(0, { type: 'thinking', thinking: 'Hm.' })).toEqual({
      type: 'reasoning-delta',
      delta: 'Hm.',
    });
    expect(blocks.start(1, { type: 'text', text: 'Hi' })).toEqual({
      type: 'text-delta',
      delta: 'Hi',
    });
  });

  it('skips blocks of types it does not relay, and delta types it does not know', () => {
    const blocks = new AnthropicContentBlocks();
    blocks.start(0, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search' });
    expect(blocks.delta(0, { type: 'input_json_delta', partial_json: '{"q":' })).toBeUndefined();
    expect(blocks.stop(0)).toEqual([]);
    blocks.start(1, TEXT);
    expect(blocks.delta(1, { type: 'citations_delta' })).toBeUndefined();
  });

  it('checks a signature without relaying it', () => {
    const blocks = new AnthropicContentBlocks();
    blocks.start(0, { type: 'thinking', thinking: '' });
    expect(blocks.delta(0, { type: 'signature_delta', signature: 'EqQB' })).toBeUndefined();
    expectMalformed(() => blocks.delta(0, { type: 'signature_delta' }), 'signature_delta');
    blocks.start(1, TEXT);
    expectMalformed(
      () => blocks.delta(1, { type: 'signature_delta', signature: 'EqQB' }),
      'signature_delta on a text block',
    );
  });

  it.each([
    ['a block started twice', (blocks: AnthropicContentBlocks) => blocks.start(0, TEXT), 'twice'],
    [
      'a delta for an unknown block',
      (blocks: AnthropicContentBlocks) => blocks.delta(4, { type: 'text_delta', text: 'x' }),
      'unknown content block 4',
    ],
    [
      'a delta after the block stopped',
      (blocks: AnthropicContentBlocks) => {
        blocks.stop(0);
        return blocks.delta(0, { type: 'text_delta', text: 'x' });
      },
      'stopped content block 0',
    ],
    [
      'thinking on a text block',
      (blocks: AnthropicContentBlocks) =>
        blocks.delta(0, { type: 'thinking_delta', thinking: 'x' }),
      'thinking_delta on a text block',
    ],
    [
      'a tool_use block without an id',
      (blocks: AnthropicContentBlocks) =>
        blocks.start(1, { type: 'tool_use', name: 'get_weather' }),
      'without an id or a name',
    ],
  ])('fails on %s', (_case, action, detail) => {
    const blocks = new AnthropicContentBlocks();
    blocks.start(0, TEXT);
    expectMalformed(() => action(blocks), detail);
  });

  it('fails when the message ends with a tool call still open', () => {
    const blocks = new AnthropicContentBlocks();
    blocks.start(0, TOOL);
    expectMalformed(() => blocks.assertComplete(), 'tool_use block 0 never stopped');
  });
});
