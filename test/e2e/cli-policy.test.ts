/**
 * `sluice policy` as a child process on a real data directory: publish, reject a bad
 * document with the active version unchanged, list, get, roll back, bind — each audited.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sluice } from '../helpers/sluice-cli.ts';

describe('sluice policy', () => {
  let dataDir: string;
  let policy: (args: string[]) => ReturnType<typeof sluice>;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-policy-cli-'));
    policy = (args) => sluice(['policy', ...args, '--data-dir', dataDir]);
    writeFileSync(
      join(dataDir, 'first.yaml'),
      'description: first\nvalidators:\n  length:\n    maxChars: 100\n    onFail: flag\n',
    );
    writeFileSync(join(dataDir, 'second.json'), '{"description":"second"}');
    writeFileSync(
      join(dataDir, 'bad.json'),
      '{"guardrails":{"redaction":{"customPatterns":[{"name":"x","pattern":"(a)\\\\1","replacement":"label"}]}}}',
    );
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('publish, reject, list, get, roll back and bind, all audited', async () => {
    const first = await policy([
      'publish',
      '--name',
      'default',
      '--file',
      join(dataDir, 'first.yaml'),
    ]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^published default@1 /);
    await expect(
      policy([
        'publish',
        '--name',
        'default',
        '--file',
        join(dataDir, 'second.json'),
        '--actor',
        'ops',
      ]),
    ).resolves.toMatchObject({ code: 0 });

    const rejected = await policy([
      'publish',
      '--name',
      'default',
      '--file',
      join(dataDir, 'bad.json'),
    ]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/active version is unchanged/);
    expect(rejected.stderr).toContain('guardrails.redaction.customPatterns.0.pattern');

    const listed = await policy(['list', '--name', 'default']);
    expect(listed.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^default@1\t/),
      expect.stringMatching(/^default@2\t.*\tops\t[0-9a-f]{64}\tactive$/),
    ]);

    await expect(
      policy(['rollback', '--name', 'default', '--version', '1']),
    ).resolves.toMatchObject({
      code: 0,
      stdout: 'rolled back: default@1 is active\n',
    });
    await expect(
      policy(['rollback', '--name', 'default', '--version', '1']),
    ).resolves.toMatchObject({
      code: 1,
    });
    await expect(
      policy(['rollback', '--name', 'default', '--version', '9']),
    ).resolves.toMatchObject({
      code: 1,
    });

    const active = await policy(['get', '--name', 'default']);
    expect(JSON.parse(active.stdout)).toMatchObject({
      label: 'default@1',
      document: { description: 'first', validators: { length: { maxChars: 100 } } },
    });

    await expect(
      policy(['bind', '--name', 'default', '--model', 'simulator']),
    ).resolves.toMatchObject({
      code: 0,
    });

    const verified = await sluice(['audit', 'verify', '--data-dir', dataDir]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/ok: 4 records/);
  });

  test('usage errors exit 2', async () => {
    await expect(policy(['publish', '--file', 'x.json'])).resolves.toMatchObject({ code: 2 });
    await expect(
      policy(['rollback', '--name', 'default', '--version', 'one']),
    ).resolves.toMatchObject({
      code: 2,
    });
    await expect(policy(['bind', '--name', 'default'])).resolves.toMatchObject({ code: 2 });
    await expect(policy(['frobnicate'])).resolves.toMatchObject({ code: 2 });
  });
});
