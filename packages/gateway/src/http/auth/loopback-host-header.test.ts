import { describe, expect, test } from 'vitest';
import { isLoopbackHostHeader } from './loopback-host-header.ts';

describe('isLoopbackHostHeader', () => {
  test.each([
    'localhost',
    'localhost:7700',
    'LOCALHOST:80',
    'app.localhost',
    'a.b.localhost:3000',
    '127.0.0.1',
    '127.0.0.1:7700',
    '127.255.3.4:1',
    '[::1]',
    '[::1]:7700',
    '[0:0:0:0:0:0:0:1]:7700',
  ])('%s is loopback', (host) => {
    expect(isLoopbackHostHeader(host)).toBe(true);
  });

  test.each([
    undefined,
    '',
    'evil.example',
    'evil.example:7700',
    'localhost.evil.example',
    '127.0.0.1.evil.example',
    'localhost:7700@evil.example',
    'localhost:abc',
    'localhost:7700:1',
    '128.0.0.1',
    '0.0.0.0',
    '10.0.0.1:7700',
    '2130706433',
    '::1',
    '[::2]:7700',
    '[::1%lo]',
    '[::1',
    'localhost/evil',
    'local host',
  ])('%s is refused', (host) => {
    expect(isLoopbackHostHeader(host)).toBe(false);
  });
});
