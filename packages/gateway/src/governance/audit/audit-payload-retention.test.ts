/**
 * Payload retention on a timer: purges what is older than the period and records it.
 * Only the interval timer is faked; the audit log's batching keeps its real setImmediate.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { openGovernanceDatabase } from '../database/open-governance-database.ts';
import { startAuditPayloadRetention } from './audit-payload-retention.ts';
import { SqliteAuditLog } from './sqlite-audit-log.ts';

const DAY_MS = 86_400_000;

describe('startAuditPayloadRetention', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  test('each tick erases payloads older than the retention period', async () => {
    const database = openGovernanceDatabase({ path: ':memory:' });
    let clock = new Date('2025-01-01T00:00:00.000Z');
    const now = () => clock;
    const auditLog = new SqliteAuditLog(database, { now });
    const retention = startAuditPayloadRetention({
      auditLog,
      retainForMs: 30 * DAY_MS,
      intervalMs: 1_000,
      now,
    });
    try {
      await auditLog.append({ type: 'generation-cancelled', payload: { reason: 'old' } });
      clock = new Date('2025-01-20T00:00:00.000Z');
      await auditLog.append({ type: 'generation-cancelled', payload: { reason: 'recent' } });
      clock = new Date('2025-02-05T00:00:00.000Z');

      vi.advanceTimersByTime(1_000);
      await vi.waitFor(async () => {
        const records = await auditLog.list();
        expect(records.map((record) => record.payload)).toEqual([
          null,
          { reason: 'recent' },
          { cutoff: '2025-01-06T00:00:00.000Z', purgedCount: 1 },
        ]);
        expect(records[2]).toMatchObject({ type: 'retention-purged', actor: 'retention' });
      });
      await expect(retention.runOnce()).resolves.toEqual({ purgedCount: 0 });
      await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 3 });
    } finally {
      retention.stop();
      database.close();
    }
  });
});
