import { describeGenerationStoreConformance } from './generation-store-conformance.ts';
import { MemoryGenerationStore } from './memory-generation-store.ts';

describeGenerationStoreConformance('memory', () => new MemoryGenerationStore());
