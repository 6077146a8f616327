/**
 * The behavioural suite every AuditLog must pass (SQLite now, PostgreSQL later). It uses
 * only the AuditLog interface; tampering with stored rows is store-specific and tested
 * next to each store. Covers keyed hashes (no bare SHA-256 of a payload or request),
 * end-user pseudonyms and their erasure, and tenant-scoped export and deletion.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GENESIS_HASH, hashAuditPayload, sha256Hex } from './audit-hash.ts';
import type { AuditLog } from './audit-log.ts';
import type { AuditRecord, AuditRecordInput } from './audit-record.ts';
import { canonicalJson } from './canonical-json.ts';

export interface AuditLogHarness {
  auditLog: AuditLog;
  close(): Promise<void> | void;
}

export type CreateAuditLog = (options: {
  now: () => Date;
}) => AuditLogHarness | Promise<AuditLogHarness>;

function redaction(generationId: string, count: number): AuditRecordInput {
  return { type: 'redaction-applied', generationId, payload: { kind: 'email', count } };
}

export function runAuditLogConformance(name: string, create: CreateAuditLog): void {
  describe(`AuditLog conformance: ${name}`, () => {
    let harness: AuditLogHarness;
    let auditLog: AuditLog;
    let clock: Date;

    beforeEach(async () => {
      clock = new Date('2025-01-01T00:00:00.000Z');
      harness = await create({ now: () => clock });
      auditLog = harness.auditLog;
    });

    afterEach(async () => {
      await harness.close();
    });

    test('an empty log verifies with the genesis head', async () => {
      await expect(auditLog.verify()).resolves.toMatchObject({
        ok: true,
        count: 0,
        headHash: GENESIS_HASH,
      });
    });

    test('appends chain each record to the previous one', async () => {
      const first = await auditLog.append({
        type: 'request-accepted',
        tenant: 'acme',
        actor: 'key-1',
        generationId: 'generation-1',
        sessionId: 'session-1',
        endUserId: 'user-1',
        payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'a'.repeat(64) },
      });
      const second = await auditLog.append(redaction('generation-1', 2));
      expect(first).toMatchObject({
        sequence: 1,
        previousHash: GENESIS_HASH,
        type: 'request-accepted',
        tenant: 'acme',
        recordedAt: '2025-01-01T00:00:00.000Z',
      });
      expect(second.sequence).toBe(2);
      expect(second.previousHash).toBe(first.hash);
      expect(second.payload).toEqual({ kind: 'email', count: 2 });
      // Keyed: a purged payload cannot be confirmed by hashing a guess at it.
      expect(second.payloadSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(second.payloadSha256).not.toBe(hashAuditPayload(canonicalJson(second.payload)));
      expect(second.keyId).toEqual(expect.any(String));
      await expect(auditLog.verify()).resolves.toMatchObject({
        ok: true,
        count: 2,
        headHash: second.hash,
      });
    });

    test('a request hash is stored keyed, the same for the same request', async () => {
      const plain = sha256Hex('{"messages":[{"role":"user","content":"yes"}]}');
      const accepted = (requestSha256: string) =>
        auditLog.append({
          type: 'request-accepted',
          payload: { model: 'simulator', policyVersion: 'default@1', requestSha256 },
        });
      const first = await accepted(plain);
      const again = await accepted(plain);
      const other = await accepted(sha256Hex('{"messages":[{"role":"user","content":"no"}]}'));
      const stored = (record: AuditRecord) => record.payload?.requestSha256;
      expect(stored(first)).toMatch(/^[0-9a-f]{64}$/);
      expect(stored(first)).not.toBe(plain);
      expect(stored(again)).toBe(stored(first));
      expect(stored(other)).not.toBe(stored(first));
      const listed = await auditLog.list();
      expect(JSON.stringify(listed)).not.toContain(plain);
    });

    test('an end user is in the chain as a pseudonym, per tenant', async () => {
      const record = (tenant: string) =>
        auditLog.append({
          type: 'generation-cancelled',
          tenant,
          generationId: `generation-${tenant}`,
          endUserId: 'user-1',
          payload: { reason: 'client' },
        });
      const acme = await record('acme');
      const again = await record('acme');
      const globex = await record('globex');
      expect(acme.endUserPseudonym).toMatch(/^[0-9a-f]{64}$/);
      expect(again.endUserPseudonym).toBe(acme.endUserPseudonym);
      expect(globex.endUserPseudonym).not.toBe(acme.endUserPseudonym);
      const [listed] = await auditLog.list();
      expect(listed).toMatchObject({
        endUserId: 'user-1',
        endUserPseudonym: acme.endUserPseudonym,
      });
    });

    test('concurrent appends keep call order', async () => {
      const records = await Promise.all(
        Array.from({ length: 50 }, (_, index) => auditLog.append(redaction('generation-1', index))),
      );
      expect(records.map((record) => record.sequence)).toEqual(
        Array.from({ length: 50 }, (_, index) => index + 1),
      );
      const listed = await auditLog.list({ limit: 1_000 });
      expect(listed.map((record) => record.payload?.count)).toEqual(
        Array.from({ length: 50 }, (_, index) => index),
      );
      await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 50 });
    });

    test('the payload hash does not depend on key order', async () => {
      const first = await auditLog.append({
        type: 'policy-published',
        payload: { name: 'default', version: 1, documentSha256: 'x' },
      });
      const second = await auditLog.append({
        type: 'policy-published',
        payload: { documentSha256: 'x', version: 1, name: 'default' },
      });
      expect(second.payloadSha256).toBe(first.payloadSha256);
    });

    test('a redaction record carries only kind and count', async () => {
      const leaking = {
        type: 'redaction-applied',
        payload: { kind: 'email', count: 1, value: 'someone@example.com' },
      } as unknown as AuditRecordInput;
      await expect(auditLog.append(leaking)).rejects.toThrow(TypeError);
      const notJson = {
        type: 'generation-cancelled',
        payload: { reason: 'client', offset: Number.NaN },
      } as unknown as AuditRecordInput;
      await expect(auditLog.append(notJson)).rejects.toThrow(TypeError);
      await auditLog.append(redaction('generation-1', 1));
      await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 1 });
    });

    test('list pages by sequence and filters by generation', async () => {
      for (let index = 0; index < 5; index += 1) {
        await auditLog.append(redaction(`generation-${index % 2}`, index));
      }
      const page = await auditLog.list({ afterSequence: 2, limit: 2 });
      expect(page.map((record) => record.sequence)).toEqual([3, 4]);
      const generationRecords = await auditLog.list({ generationId: 'generation-1' });
      expect(generationRecords.map((record) => record.sequence)).toEqual([2, 4]);
    });

    test('export by session, end user or generation includes the generation records', async () => {
      await auditLog.append({
        type: 'request-accepted',
        generationId: 'generation-a',
        sessionId: 'session-1',
        endUserId: 'user-1',
        payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'a' },
      });
      await auditLog.append({
        type: 'request-accepted',
        generationId: 'generation-b',
        sessionId: 'session-2',
        endUserId: 'user-1',
        payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'b' },
      });
      await auditLog.append({
        type: 'reader-attached',
        generationId: 'generation-a',
        payload: { readerId: 'reader-1', transport: 'sse', offset: '-1' },
      });
      await auditLog.append({
        type: 'request-accepted',
        generationId: 'generation-c',
        sessionId: 'session-3',
        endUserId: 'user-2',
        payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'c' },
      });
      const sequences = async (selector: Parameters<AuditLog['exportBy']>[0]) =>
        (await auditLog.exportBy(selector)).map((record) => record.sequence);
      await expect(sequences({ sessionId: 'session-1' })).resolves.toEqual([1, 3]);
      await expect(sequences({ endUserId: 'user-1' })).resolves.toEqual([1, 2, 3]);
      await expect(sequences({ generationId: 'generation-c' })).resolves.toEqual([4]);
      await expect(sequences({ sessionId: 'unknown' })).resolves.toEqual([]);
    });

    test('export within a tenant leaves out another tenant with the same ids', async () => {
      for (const tenant of ['acme', 'globex']) {
        await auditLog.append({
          type: 'request-accepted',
          tenant,
          generationId: `generation-${tenant}`,
          sessionId: 'session-1',
          endUserId: 'user-1',
          payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: tenant },
        });
        await auditLog.append({
          type: 'reader-session',
          tenant,
          generationId: `generation-${tenant}`,
          payload: {
            readerId: `reader-${tenant}`,
            transport: 'sse',
            reads: 1,
            resumed: 0,
            fromOffset: '-1',
            offset: '9',
            reasons: { completed: 1 },
            attachedAt: '2025-01-01T00:00:00.000Z',
            detachedAt: '2025-01-01T00:00:01.000Z',
          },
        });
      }
      const generations = async (selector: Parameters<AuditLog['exportBy']>[0]) => [
        ...new Set((await auditLog.exportBy(selector)).map((record) => record.generationId)),
      ];
      for (const subject of [{ sessionId: 'session-1' }, { endUserId: 'user-1' }]) {
        await expect(generations({ ...subject, tenant: 'acme' })).resolves.toEqual([
          'generation-acme',
        ]);
        await expect(generations({ ...subject, tenant: 'globex' })).resolves.toEqual([
          'generation-globex',
        ]);
        await expect(generations({ ...subject, tenant: 'initech' })).resolves.toEqual([]);
        // Spanning tenants is what a selector without a tenant asks for.
        await expect(generations(subject)).resolves.toEqual([
          'generation-acme',
          'generation-globex',
        ]);
      }
      await expect(
        auditLog.exportBy({ generationId: 'generation-acme', tenant: 'globex' }),
      ).resolves.toEqual([]);
    });

    test('purging old payloads keeps skeletons and a verifiable chain', async () => {
      const old = await auditLog.append(redaction('generation-1', 1));
      clock = new Date('2025-02-01T00:00:00.000Z');
      const recent = await auditLog.append(redaction('generation-2', 2));
      const result = await auditLog.purgePayloads(new Date('2025-01-15T00:00:00.000Z'), {
        actor: 'retention',
      });
      expect(result.purgedCount).toBe(1);
      expect(result.record).toMatchObject({
        type: 'retention-purged',
        actor: 'retention',
        payload: { cutoff: '2025-01-15T00:00:00.000Z', purgedCount: 1 },
      });
      const [purged, kept] = await auditLog.list();
      expect(purged).toEqual({ ...old, payload: null });
      expect(kept).toEqual(recent);
      await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 3 });

      const nothing = await auditLog.purgePayloads(new Date('2025-01-15T00:00:00.000Z'));
      expect(nothing).toEqual({ purgedCount: 0 });
      await expect(auditLog.list()).resolves.toHaveLength(3);

      // The erasure records keep theirs: they are what accounts for the missing payloads.
      clock = new Date('2025-06-01T00:00:00.000Z');
      await auditLog.purgePayloads(new Date('2025-05-01T00:00:00.000Z'));
      const [, , retention] = await auditLog.list();
      expect(retention?.payload).toEqual({ cutoff: '2025-01-15T00:00:00.000Z', purgedCount: 1 });
      await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 4 });
    });

    test('a tombstone records a session deletion and can erase its payloads', async () => {
      await auditLog.append({
        type: 'request-accepted',
        generationId: 'generation-a',
        sessionId: 'session-1',
        payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'a' },
      });
      await auditLog.append(redaction('generation-a', 1));
      await auditLog.append(redaction('generation-other', 1));
      const tombstone = await auditLog.recordTombstone({
        sessionId: 'session-1',
        actor: 'operator',
        generationIds: ['generation-a'],
        reason: 'data-subject request',
        purgeAuditPayloads: true,
      });
      expect(tombstone).toMatchObject({
        sequence: 4,
        type: 'content-deleted',
        sessionId: 'session-1',
        actor: 'operator',
        payload: {
          scope: 'session',
          generationIds: ['generation-a'],
          purgedAuditPayloads: 2,
          reason: 'data-subject request',
        },
      });
      const exported = await auditLog.exportBy({ sessionId: 'session-1' });
      expect(exported.map((record) => [record.sequence, record.payload === null])).toEqual([
        [1, true],
        [2, true],
        [4, false],
      ]);
      const [, , other] = await auditLog.list();
      expect(other?.payload).toEqual({ kind: 'email', count: 1 });
      await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 4 });
    });

    test('a tombstone without purging keeps the payloads', async () => {
      await auditLog.append({ ...redaction('generation-a', 1), sessionId: 'session-1' });
      await auditLog.recordTombstone({ sessionId: 'session-1', actor: 'operator' });
      const [first, tombstone] = await auditLog.exportBy({ sessionId: 'session-1' });
      expect(first?.payload).not.toBeNull();
      expect(tombstone?.payload).toEqual({
        scope: 'session',
        generationIds: ['generation-a'],
        purgedAuditPayloads: 0,
      });
    });

    test("a tenant's tombstone purges only that tenant's records", async () => {
      for (const tenant of ['acme', 'globex']) {
        await auditLog.append({
          ...redaction(`generation-${tenant}`, 1),
          tenant,
          sessionId: 'session-1',
        });
      }
      const tombstone = await auditLog.recordTombstone({
        sessionId: 'session-1',
        tenant: 'acme',
        actor: 'operator',
        purgeAuditPayloads: true,
      });
      expect(tombstone).toMatchObject({
        tenant: 'acme',
        payload: { generationIds: ['generation-acme'], purgedAuditPayloads: 1 },
      });
      const [acme, globex] = await auditLog.list();
      expect(acme?.payload).toBeNull();
      expect(globex?.payload).toEqual({ kind: 'email', count: 1 });
      await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 3 });
    });

    test('erasing an end user leaves an unlinkable pseudonym and a verifiable chain', async () => {
      const accepted = (tenant: string, generationId: string) =>
        auditLog.append({
          type: 'request-accepted',
          tenant,
          generationId,
          endUserId: 'user-1',
          payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'a' },
        });
      const erased = await accepted('acme', 'generation-1');
      await auditLog.append({ ...redaction('generation-1', 1), tenant: 'acme' });
      const kept = await accepted('globex', 'generation-2');
      const tombstone = await auditLog.recordTombstone({
        endUserId: 'user-1',
        tenant: 'acme',
        actor: 'operator',
        purgeAuditPayloads: true,
      });
      expect(tombstone).toMatchObject({
        type: 'content-deleted',
        tenant: 'acme',
        endUserPseudonym: erased.endUserPseudonym,
        payload: {
          scope: 'end-user',
          generationIds: ['generation-1'],
          purgedAuditPayloads: 2,
          endUserPseudonyms: [erased.endUserPseudonym],
        },
      });
      expect(JSON.stringify(tombstone)).not.toContain('user-1');
      const [first] = await auditLog.list();
      expect(first).toMatchObject({ endUserPseudonym: erased.endUserPseudonym, payload: null });
      expect(first?.endUserId).toBeUndefined();
      // Nothing links the pseudonym back to the id any more; the other tenant's user stays.
      await expect(auditLog.exportBy({ endUserId: 'user-1', tenant: 'acme' })).resolves.toEqual([]);
      const others = await auditLog.exportBy({ endUserId: 'user-1', tenant: 'globex' });
      expect(others.map((record) => record.sequence)).toEqual([kept.sequence]);
      await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 4 });
      // A returning end user starts afresh, under a new pseudonym.
      const returning = await accepted('acme', 'generation-3');
      expect(returning.endUserPseudonym).not.toBe(erased.endUserPseudonym);
    });

    test('flush commits queued appends', async () => {
      const pending = auditLog.append(redaction('generation-1', 1));
      await auditLog.flush();
      await expect(auditLog.list()).resolves.toHaveLength(1);
      await expect(pending).resolves.toMatchObject({ sequence: 1 });
    });
  });
}
