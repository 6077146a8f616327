/**
 * Runs the shared StreamStore conformance suite against the in-memory store.
 */
import { MemoryStreamStore } from './memory-stream-store.ts';
import { runStreamStoreConformance } from './stream-store-conformance.ts';

runStreamStoreConformance('memory', () => new MemoryStreamStore({ sweepIntervalMs: 20 }));
