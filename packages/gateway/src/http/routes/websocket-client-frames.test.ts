import { describe, expect, test } from 'vitest';
import { parseClientFrame } from './websocket-client-frames.ts';

describe('parseClientFrame', () => {
  test('accepts every frame type', () => {
    const frames = [
      { type: 'auth', token: 'sk-1' },
      { type: 'start', ref: 'r1', request: { model: 'simulator' } },
      { type: 'subscribe', generationId: 'gen_1', offset: '-1' },
      { type: 'subscribe', generationId: 'gen_1' },
      { type: 'unsubscribe', generationId: 'gen_1' },
      { type: 'cancel', generationId: 'gen_1' },
      { type: 'ping' },
      { type: 'ping', ref: 'p' },
    ];
    for (const frame of frames) {
      expect(parseClientFrame(JSON.stringify(frame))).toEqual({ frame });
    }
  });

  test('refuses what is not a JSON object with a known type', () => {
    expect(parseClientFrame('{nope')).toMatchObject({
      refusal: { code: 'SLUICE_ERR_INVALID_JSON' },
    });
    for (const text of ['[]', 'null', '"ping"', '{}', '{"type":"teleport"}', '{"type":7}']) {
      expect(parseClientFrame(text)).toMatchObject({
        refusal: { code: 'SLUICE_ERR_INVALID_REQUEST' },
      });
    }
    // A key named like an Object.prototype member is no frame type either.
    expect(parseClientFrame('{"type":"toString"}')).toMatchObject({
      refusal: { message: 'type: not a known frame type' },
    });
  });

  test('names the bad field without echoing its value, and echoes ref and generationId', () => {
    const parsed = parseClientFrame(
      JSON.stringify({ type: 'subscribe', generationId: 'gen_1', offset: 'x'.repeat(300) }),
    );
    expect(parsed).toMatchObject({
      refusal: { code: 'SLUICE_ERR_INVALID_REQUEST', generationId: 'gen_1' },
    });
    const message = 'refusal' in parsed ? parsed.refusal.message : '';
    expect(message).toMatch(/^offset: /);
    expect(message).not.toContain('xxx');
    expect(parseClientFrame(JSON.stringify({ type: 'start', ref: 'r9', extra: 1 }))).toMatchObject({
      refusal: { ref: 'r9' },
    });
    // A ref that is not one is not echoed.
    const long = parseClientFrame(JSON.stringify({ type: 'ping', ref: 'r'.repeat(500) }));
    expect(long).toMatchObject({ refusal: { code: 'SLUICE_ERR_INVALID_REQUEST' } });
    expect('refusal' in long ? long.refusal.ref : 'parsed').toBeUndefined();
  });
});
