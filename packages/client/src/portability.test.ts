/**
 * The SDK runs in browsers: no module of `src/` (tests aside) may use Node-only APIs, and
 * none may do anything at import (the package says `"sideEffects": false`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

const directory = new URL('./', import.meta.url);
const sources = readdirSync(directory)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .map((name) => ({ name, text: readFileSync(new URL(name, directory), 'utf8') }));

describe('portability', () => {
  test.each(sources)('$name uses no Node-only API', ({ text }) => {
    expect(text).not.toMatch(/from ['"]node:|require\(|\bBuffer\b|\bprocess\.|__dirname/);
  });

  test('importing the package has no side effects beyond definitions', async () => {
    const before = Object.keys(globalThis).sort();
    const module = await import('./index.ts');
    expect(typeof module.SluiceClient).toBe('function');
    expect(Object.keys(globalThis).sort()).toEqual(before);
  });
});
