import { describe, expect, it, vi } from 'vitest';
import type { UpstreamBody } from './post-event-stream.ts';
import { releaseBody } from './release-body.ts';

function fakeBody(state: { destroyed?: boolean; readableEnded?: boolean } = {}) {
  const body = {
    destroyed: state.destroyed ?? false,
    readableEnded: state.readableEnded ?? false,
    dump: vi.fn(() => Promise.resolve()),
    destroy: vi.fn(),
    on: vi.fn(),
    listenerCount: vi.fn(() => 0),
  };
  return { body, upstream: body as unknown as UpstreamBody };
}

describe('releaseBody', () => {
  it('drains a completed body so its keep-alive socket can be reused', () => {
    const { body, upstream } = fakeBody();
    releaseBody(upstream, true);
    expect(body.dump).toHaveBeenCalledOnce();
    expect(body.destroy).not.toHaveBeenCalled();
  });

  it('destroys an unfinished body, guarding against the abort error it emits', () => {
    const { body, upstream } = fakeBody();
    releaseBody(upstream, false);
    expect(body.on).toHaveBeenCalledWith('error', expect.any(Function));
    expect(body.destroy).toHaveBeenCalledOnce();
    expect(body.dump).not.toHaveBeenCalled();
  });

  it('leaves an ended or destroyed body alone', () => {
    for (const state of [{ readableEnded: true }, { destroyed: true }]) {
      const { body, upstream } = fakeBody(state);
      releaseBody(upstream, false);
      expect(body.destroy).not.toHaveBeenCalled();
      expect(body.dump).not.toHaveBeenCalled();
    }
  });
});
