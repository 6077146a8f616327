/**
 * Reader records per API key: one record per read within the key's rate; past it, reads
 * folded into one record per generation and transport with counts, so 5,000 reconnects
 * of one key add a bounded number of rows and every read is still counted. Other keys
 * keep their own rate. A clock is passed in; nothing waits.
 */
import { describe, expect, test } from 'vitest';
import type { AuditRecordInput } from './audit-record.ts';
import { type FinishedRead, ReaderSessionAggregator } from './reader-session-aggregator.ts';

function read(overrides: Partial<FinishedRead> = {}): FinishedRead {
  return {
    keyId: 'key-a',
    subject: { generationId: 'generation-1', tenant: 'acme', sessionId: 'session-1' },
    readerId: 'reader-1',
    transport: 'sse',
    fromOffset: '-1',
    reached: '0000000000000010',
    reason: 'completed',
    resumed: false,
    attachedAt: new Date('2025-01-01T00:00:00.000Z'),
    detachedAt: new Date('2025-01-01T00:00:01.000Z'),
    ...overrides,
  };
}

function harness(recordsPerKeyPerMinute: number, maxAggregatesPerKey?: number) {
  const records: AuditRecordInput[] = [];
  let now = 0;
  const aggregator = new ReaderSessionAggregator({
    emit: (input) => records.push(input),
    recordsPerKeyPerMinute,
    ...(maxAggregatesPerKey === undefined ? {} : { maxAggregatesPerKey }),
    now: () => now,
  });
  return {
    records,
    aggregator,
    advance: (ms: number) => {
      now += ms;
    },
    reads: () =>
      records.reduce((sum, record) => sum + ((record.payload as { reads: number }).reads ?? 0), 0),
  };
}

describe('ReaderSessionAggregator', () => {
  test('a read within the rate is one record, with where it started, reached and why it ended', () => {
    const { records, aggregator } = harness(60);
    aggregator.readerFinished(read({ resumed: true, fromOffset: '0000000000000004' }));
    expect(records).toEqual([
      {
        type: 'reader-session',
        generationId: 'generation-1',
        tenant: 'acme',
        sessionId: 'session-1',
        actor: 'key-a',
        payload: {
          readerId: 'reader-1',
          transport: 'sse',
          reads: 1,
          resumed: 1,
          fromOffset: '0000000000000004',
          offset: '0000000000000010',
          reasons: { completed: 1 },
          attachedAt: '2025-01-01T00:00:00.000Z',
          detachedAt: '2025-01-01T00:00:01.000Z',
        },
      },
    ]);
  });

  test('5,000 reads by one key add a bounded number of records and count every read', () => {
    const { records, aggregator, reads } = harness(60);
    for (let index = 0; index < 5_000; index += 1) {
      aggregator.readerFinished(
        read({
          readerId: `reader-${index}`,
          reason: index % 10 === 0 ? 'client-closed' : 'completed',
          reached: String(index).padStart(16, '0'),
        }),
      );
    }
    aggregator.flush();
    expect(records.length).toBe(61);
    expect(reads()).toBe(5_000);
    const folded = records.at(-1)?.payload;
    expect(folded).toMatchObject({
      reads: 4_940,
      offset: String(4_999).padStart(16, '0'),
      reasons: { completed: 4_446, 'client-closed': 494 },
    });
  });

  test('the rate refills over time and belongs to each key', () => {
    const { records, aggregator, advance } = harness(2);
    for (let index = 0; index < 3; index += 1) aggregator.readerFinished(read());
    aggregator.readerFinished(read({ keyId: 'key-b' }));
    expect(records.map((record) => record.actor)).toEqual(['key-a', 'key-a', 'key-b']);
    advance(30_000);
    aggregator.readerFinished(read({ subject: { generationId: 'generation-2', tenant: 'acme' } }));
    expect(records).toHaveLength(4);
    aggregator.close();
    expect(records).toHaveLength(5);
  });

  test('folded sessions per key are capped: the oldest is written early', () => {
    const { records, aggregator, reads } = harness(1, 3);
    for (let index = 0; index < 10; index += 1) {
      aggregator.readerFinished(
        read({ subject: { generationId: `generation-${index}`, tenant: 'acme' } }),
      );
    }
    // One within the rate, six written early to keep at most three folded.
    expect(records).toHaveLength(7);
    aggregator.flush();
    expect(records).toHaveLength(10);
    expect(reads()).toBe(10);
  });
});
