import { MemoryProducerLeases } from './memory-producer-lease.ts';
import { describeProducerLeaseConformance } from './producer-lease-conformance.ts';

let now = Date.now();

describeProducerLeaseConformance(
  'memory',
  () => new MemoryProducerLeases({ now: () => now }),
  async (ms) => {
    now += ms;
  },
);
