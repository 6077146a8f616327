/**
 * The behavioural suite every PolicyStore must pass (SQLite now, PostgreSQL later),
 * together with the audit log it writes to. The validator is a small stand-in schema so
 * rejection paths are predictable.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { AuditLog } from '../audit/audit-log.ts';
import {
  PolicyNotFoundError,
  PolicyValidationError,
  PolicyVersionActiveError,
  PolicyVersionNotFoundError,
} from './policy-errors.ts';
import type { PolicyStore, PolicyValidationResult } from './policy-store.ts';

/** The stand-in document: `{ redact: string[] }`, normalised to a sorted copy. */
export type TestPolicyDocument = { redact: string[] };

export function validateTestPolicy(document: unknown): PolicyValidationResult<TestPolicyDocument> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { ok: false, issues: [{ path: '', message: 'must be an object' }] };
  }
  const redact = (document as { redact?: unknown }).redact;
  if (!Array.isArray(redact)) {
    return { ok: false, issues: [{ path: 'redact', message: 'must be an array' }] };
  }
  const issues = redact.flatMap((item, index) =>
    typeof item === 'string' ? [] : [{ path: `redact.${index}`, message: 'must be a string' }],
  );
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { redact: [...(redact as string[])].sort() } };
}

export interface PolicyStoreHarness {
  policies: PolicyStore<TestPolicyDocument>;
  auditLog: AuditLog;
  close(): Promise<void> | void;
}

export function runPolicyStoreConformance(
  name: string,
  create: () => PolicyStoreHarness | Promise<PolicyStoreHarness>,
): void {
  describe(`PolicyStore conformance: ${name}`, () => {
    let harness: PolicyStoreHarness;
    let policies: PolicyStore<TestPolicyDocument>;

    beforeEach(async () => {
      harness = await create();
      policies = harness.policies;
    });

    afterEach(async () => {
      await harness.close();
    });

    test('publish numbers versions from 1 and activates the newest', async () => {
      const first = await policies.publish('default', { redact: ['email'] }, 'alice');
      expect(first).toMatchObject({
        name: 'default',
        version: 1,
        label: 'default@1',
        document: { redact: ['email'] },
        publishedBy: 'alice',
      });
      expect(first.documentSha256).toMatch(/^[0-9a-f]{64}$/);
      const second = await policies.publish('default', { redact: ['phone', 'email'] }, 'bob');
      expect(second.version).toBe(2);
      await expect(policies.active('default')).resolves.toMatchObject({
        version: 2,
        document: { redact: ['email', 'phone'] },
      });
      await expect(policies.get('default', 1)).resolves.toMatchObject({
        document: { redact: ['email'] },
      });
      const listed = await policies.list('default');
      expect(listed.map((version) => [version.version, version.active])).toEqual([
        [1, false],
        [2, true],
      ]);
      await expect(policies.policies()).resolves.toEqual([
        expect.objectContaining({ name: 'default', activeVersion: 2, latestVersion: 2 }),
      ]);
    });

    test('a bad document is rejected with paths and the active version stays', async () => {
      await policies.publish('default', { redact: ['email'] }, 'alice');
      const rejection = policies.publish('default', { redact: ['email', 3] }, 'mallory');
      await expect(rejection).rejects.toSatisfy(
        (error: unknown) =>
          PolicyValidationError.isInstance(error) &&
          error.issues.some((issue) => issue.path === 'redact.1'),
      );
      await expect(policies.active('default')).resolves.toMatchObject({ version: 1 });
      await expect(policies.list('default')).resolves.toHaveLength(1);
      await expect(policies.publish('bad name!', { redact: [] }, 'alice')).rejects.toSatisfy(
        PolicyValidationError.isInstance,
      );
    });

    test('rollback switches the active version and publishing continues after the latest', async () => {
      await policies.publish('default', { redact: ['a'] }, 'alice');
      await policies.publish('default', { redact: ['b'] }, 'alice');
      await policies.publish('default', { redact: ['c'] }, 'alice');
      const restored = await policies.rollback('default', 1, 'carol');
      expect(restored).toMatchObject({ version: 1, document: { redact: ['a'] } });
      await expect(policies.active('default')).resolves.toMatchObject({ version: 1 });
      const next = await policies.publish('default', { redact: ['d'] }, 'alice');
      expect(next.version).toBe(4);
      await expect(policies.get('default', 2)).resolves.toMatchObject({
        document: { redact: ['b'] },
      });
    });

    test('rollback errors: unknown policy, unknown version, already active', async () => {
      await expect(policies.rollback('missing', 1, 'carol')).rejects.toSatisfy(
        PolicyNotFoundError.isInstance,
      );
      await policies.publish('default', { redact: [] }, 'alice');
      await expect(policies.rollback('default', 7, 'carol')).rejects.toSatisfy(
        PolicyVersionNotFoundError.isInstance,
      );
      await expect(policies.rollback('default', 1, 'carol')).rejects.toSatisfy(
        PolicyVersionActiveError.isInstance,
      );
      await expect(policies.list('missing')).rejects.toSatisfy(PolicyNotFoundError.isInstance);
      await expect(policies.get('missing', 1)).rejects.toSatisfy(PolicyNotFoundError.isInstance);
      await expect(policies.active('missing')).resolves.toBeUndefined();
    });

    test('publications and rollbacks are audited', async () => {
      const published = await policies.publish('strict', { redact: [] }, 'alice');
      await policies.publish('strict', { redact: ['x'] }, 'alice');
      await policies.rollback('strict', 1, 'carol');
      const records = await harness.auditLog.list();
      expect(records.map((record) => [record.type, record.actor, record.payload])).toEqual([
        [
          'policy-published',
          'alice',
          { name: 'strict', version: 1, documentSha256: published.documentSha256 },
        ],
        ['policy-published', 'alice', expect.objectContaining({ version: 2 })],
        ['policy-rolled-back', 'carol', { name: 'strict', fromVersion: 2, toVersion: 1 }],
      ]);
      await expect(harness.auditLog.verify()).resolves.toMatchObject({ ok: true, count: 3 });
    });

    test('bindings select a policy by model and route, most specific first', async () => {
      for (const policyName of ['default', 'by-model', 'by-route', 'by-both']) {
        await policies.publish(policyName, { redact: [] }, 'alice');
      }
      await policies.bind({ model: 'gpt' }, 'by-model', 'alice');
      await policies.bind({ route: '/v1/chat/completions' }, 'by-route', 'alice');
      await policies.bind({ model: 'gpt', route: '/v1/chat/completions' }, 'by-both', 'alice');
      const resolve = (model: string, route?: string) =>
        policies.resolve(route === undefined ? { model } : { model, route });
      await expect(resolve('gpt', '/v1/chat/completions')).resolves.toBe('by-both');
      await expect(resolve('gpt', '/v1/generations')).resolves.toBe('by-model');
      await expect(resolve('gpt')).resolves.toBe('by-model');
      await expect(resolve('simulator', '/v1/chat/completions')).resolves.toBe('by-route');
      await expect(resolve('simulator')).resolves.toBe('default');

      await expect(policies.unbind({ model: 'gpt' }, 'alice')).resolves.toBe(true);
      await expect(policies.unbind({ model: 'gpt' }, 'alice')).resolves.toBe(false);
      await expect(resolve('gpt')).resolves.toBe('default');
      await expect(policies.bindings()).resolves.toEqual([
        expect.objectContaining({ route: '/v1/chat/completions', policyName: 'by-route' }),
        expect.objectContaining({
          model: 'gpt',
          route: '/v1/chat/completions',
          policyName: 'by-both',
        }),
      ]);
      const types = (await harness.auditLog.list()).map((record) => record.type);
      expect(types.filter((type) => type === 'policy-bound')).toHaveLength(3);
      expect(types.filter((type) => type === 'policy-unbound')).toHaveLength(1);
    });

    test('a binding needs a published policy and a target', async () => {
      await expect(policies.bind({ model: 'gpt' }, 'missing', 'alice')).rejects.toSatisfy(
        PolicyNotFoundError.isInstance,
      );
      await policies.publish('default', { redact: [] }, 'alice');
      await expect(policies.bind({}, 'default', 'alice')).rejects.toSatisfy(
        PolicyValidationError.isInstance,
      );
    });
  });
}
