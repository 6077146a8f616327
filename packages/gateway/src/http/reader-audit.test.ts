/**
 * Reader audit through the real gateway (`app.inject()`): one key reading a generation's
 * events 5,000 times — the reconnect loop that used to write 10,000 permanent rows —
 * leaves a bounded number of `reader-session` records, and their counts add up to every
 * read. A single read is one record with where it started, how far it got and why it ended.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseConfig } from '../config/load-config.ts';
import type { AuditRecord } from '../governance/audit/audit-record.ts';
import { buildGateway, type Gateway } from './app.ts';

const READS = 5_000;
const PER_MINUTE = 20;

describe('reader audit', () => {
  let gateway: Gateway;
  let generationId: string;

  beforeEach(async () => {
    gateway = await buildGateway({
      config: parseConfig({
        port: 0,
        dataDir: ':memory:',
        governance: { audit: { readerRecordsPerKeyPerMinute: PER_MINUTE } },
      }),
    });
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/generations',
      headers: { 'content-type': 'application/json' },
      payload: {
        model: 'simulator',
        messages: [{ role: 'user', content: 'hello' }],
        maxTokens: 2,
        delivery: 'final',
        sessionId: 'session-1',
      },
    });
    generationId = (response.json() as { id: string }).id;
  });

  afterEach(async () => {
    await gateway.app.close();
  });

  const readerRecords = async (): Promise<AuditRecord[]> => {
    await gateway.context.audit.flush();
    const records = await gateway.context.governance.auditLog.list({ generationId, limit: 1000 });
    return records.filter((record) => record.type.startsWith('reader-'));
  };

  const readEvents = (offset?: string) =>
    gateway.app.inject({
      method: 'GET',
      url: `/v1/generations/${generationId}/events${offset === undefined ? '' : `?offset=${offset}`}`,
    });

  test('one read is one record', async () => {
    const response = await readEvents();
    expect(response.statusCode).toBe(200);
    const [record, ...rest] = await readerRecords();
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      type: 'reader-session',
      generationId,
      sessionId: 'session-1',
      actor: 'open',
      payload: {
        transport: 'sse',
        reads: 1,
        resumed: 0,
        fromOffset: '-1',
        reasons: { completed: 1 },
      },
    });
  });

  test(`${READS} reads by one key leave a bounded number of records counting every read`, async () => {
    for (let index = 0; index < READS; index += 1) {
      const response = await readEvents(index % 2 === 0 ? undefined : '-1');
      expect(response.statusCode).toBe(200);
    }
    const records = await readerRecords();
    // The burst as single records, then the rest folded into one per generation and transport.
    expect(records.length).toBeLessThanOrEqual(PER_MINUTE + 2);
    expect(records.every((record) => record.type === 'reader-session')).toBe(true);
    const reads = records.reduce((sum, record) => sum + Number(record.payload?.reads), 0);
    expect(reads).toBe(READS);
  }, 120_000);
});
