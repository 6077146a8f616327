import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from './load-config.ts';

async function tempFile(name: string, content: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'sluice-config-'));
  const file = join(directory, name);
  await writeFile(file, content);
  return file;
}

describe('loadConfig', () => {
  test('defaults serve the simulator on loopback', async () => {
    const config = await loadConfig({ env: {} });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 7700, dataDir: './data', models: [] });
    expect(config.streams.heartbeatIntervalMs).toBe(15_000);
    expect(config.limits.bodyBytes).toBe(1024 * 1024);
  });

  test('reads YAML, then the environment, then overrides win', async () => {
    const file = await tempFile(
      'sluice.yaml',
      [
        'port: 8000',
        'host: 0.0.0.0',
        'streams:',
        '  longPollTimeoutMs: 5000',
        'models:',
        '  - name: gpt',
        '    provider: openai-compatible',
        '    baseUrl: http://127.0.0.1:1234/v1',
        '    apiKeyEnv: GPT_KEY',
      ].join('\n'),
    );
    const config = await loadConfig({
      file,
      env: { PORT: '9000' },
      overrides: { host: '127.0.0.2' },
    });
    expect(config.port).toBe(9000);
    expect(config.host).toBe('127.0.0.2');
    expect(config.streams.longPollTimeoutMs).toBe(5000);
    expect(config.streams.heartbeatIntervalMs).toBe(15_000);
    expect(config.models[0]).toMatchObject({ name: 'gpt', apiKeyEnv: 'GPT_KEY' });
  });

  test('reads JSON through SLUICE_CONFIG', async () => {
    const file = await tempFile('sluice.json', JSON.stringify({ logLevel: 'warn' }));
    const config = await loadConfig({ env: { SLUICE_CONFIG: file } });
    expect(config.logLevel).toBe('warn');
  });

  test.each([
    ['models:\n  - name: x\n    provider: nope', 'models.0.provider'],
    ['models:\n  - name: x\n    provider: openai-compatible', 'models.0.baseUrl'],
    ['port: 70000', 'port'],
    ['limits:\n  bodyBytes: -5', 'limits.bodyBytes'],
    ['streams:\n  heartbeatMs: 5', 'streams'],
    ['- just\n- a list', 'top level'],
  ])('names the bad path: %j', async (content, path) => {
    const file = await tempFile('bad.yaml', content);
    const error = await loadConfig({ file, env: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(path);
  });

  test('a missing or unparsable file is a ConfigError', async () => {
    await expect(loadConfig({ file: '/nonexistent/sluice.yaml', env: {} })).rejects.toThrow(
      ConfigError,
    );
    const file = await tempFile('broken.yaml', 'models: [unclosed');
    await expect(loadConfig({ file, env: {} })).rejects.toThrow(/Cannot parse/);
  });

  test('an inline API key is never part of an error message', async () => {
    const file = await tempFile(
      'secret.yaml',
      'models:\n  - name: x\n    provider: openai-compatible\n    apiKey: sk-very-secret\n    baseUrl: not a url',
    );
    const error = (await loadConfig({ file, env: {} }).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain('models.0.baseUrl');
    expect(error.message).not.toContain('sk-very-secret');
  });
});
