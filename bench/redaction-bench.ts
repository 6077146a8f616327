/**
 * Redaction benchmark: throughput of the guardrail stage with the default policy on
 * realistic text (prose with a few entities) in ~4-character deltas, and the latency the
 * holdback adds, measured in deltas: for each character, how many deltas after its arrival
 * it was released. At a steady inter-token gap that is the added delay in gaps.
 *
 *   node bench/redaction-bench.ts [--megabytes 8] [--gap-ms 20]
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import {
  compileGuardrails,
  GuardrailSession,
  guardrailsPolicySchema,
} from '../packages/gateway/src/guardrails/index.ts';
import { describeMachine } from './machine-info.ts';

const { values } = parseArgs({
  options: {
    megabytes: { type: 'string', default: '8' },
    'gap-ms': { type: 'string', default: '20' },
  },
});
const targetChars = Number(values.megabytes) * 1024 * 1024;
const gapMs = Number(values['gap-ms']);

const WORDS =
  'the model answered that our quarterly report shows revenue growth of 12 percent in 2024 while costs fell, so the team will ship version 3.2 next week and review the plan on Monday at 10:30 with every stakeholder'.split(
    ' ',
  );
const ENTITIES = [
  'jane.doe@example.com',
  '+1 415 555 0134',
  '4111 1111 1111 1111',
  'DE89 3704 0044 0532 0130 00',
  '123-45-6789',
  '10.0.12.7',
  'sk-proj-Zx81kQwErTyUiOpAsDfGhJkL0987',
];

/** Deterministic pseudo-random numbers, so every run measures the same text. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

interface Document {
  text: string;
  /** True for characters that belong to a planted entity. */
  inEntity: Uint8Array;
}

function makeDocument(chars: number, entityEvery: number, seed: number): Document {
  const next = random(seed);
  let text = '';
  const spans: Array<[number, number]> = [];
  let sinceEntity = 0;
  while (text.length < chars) {
    if (entityEvery > 0 && sinceEntity >= entityEvery) {
      const entity = ENTITIES[Math.floor(next() * ENTITIES.length)] as string;
      spans.push([text.length + 1, text.length + 1 + entity.length]);
      text += ` ${entity}`;
      sinceEntity = 0;
    } else {
      const word = WORDS[Math.floor(next() * WORDS.length)] as string;
      text += next() < 0.08 ? `${word}.\n` : ` ${word}`;
      sinceEntity += word.length + 1;
    }
  }
  const inEntity = new Uint8Array(text.length);
  for (const [start, end] of spans) inEntity.fill(1, start, end);
  return { text, inEntity };
}

/**
 * Tokenizer stand-ins. `words`: a word with its leading space is one token, as common words
 * are in BPE vocabularies (about 6 characters here). `slices`: fixed 4-character pieces that
 * cut through words, the worst case for a holdback that waits for the end of a word.
 */
type Tokenization = 'words' | 'slices';

function toDeltas(text: string, tokenization: Tokenization = 'slices'): string[] {
  if (tokenization === 'words') return text.match(/\s*\S+/g) ?? [];
  const deltas: string[] = [];
  for (let index = 0; index < text.length; index += 4) deltas.push(text.slice(index, index + 4));
  return deltas;
}

function percentile(sorted: Float64Array | number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}

const guardrails = compileGuardrails(guardrailsPolicySchema.parse({}));

function throughput(document: Document): { megabytesPerSecond: number; microsPerDelta: number } {
  const streamChars = 4_096;
  const streams: string[][] = [];
  for (let start = 0; start < document.text.length; start += streamChars) {
    streams.push(toDeltas(document.text.slice(start, start + streamChars)));
  }
  const run = () => {
    let deltas = 0;
    for (const stream of streams) {
      const session = new GuardrailSession(guardrails);
      for (const delta of stream) session.push(delta);
      session.end();
      deltas += stream.length;
    }
    return deltas;
  };
  run(); // warm-up: JIT and the matchers' start-state caches
  const started = process.hrtime.bigint();
  const deltas = run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    megabytesPerSecond: document.text.length / 1024 / 1024 / seconds,
    microsPerDelta: (seconds * 1e6) / deltas,
  };
}

/** Delay, in deltas, between a character's arrival and its release. */
function holdback(document: Document, tokenization: Tokenization) {
  const deltas = toDeltas(document.text, tokenization);
  const session = new GuardrailSession(guardrails);
  const ordinary: number[] = [];
  const entity: number[] = [];
  let received = 0;
  let released = 0;
  const arrival = new Uint32Array(document.text.length);
  const record = (index: number) => {
    const releasedUpTo = received - session.holdbackChars;
    for (; released < releasedUpTo; released += 1) {
      const delay = index - (arrival[released] as number);
      (document.inEntity[released] ? entity : ordinary).push(delay);
    }
  };
  deltas.forEach((delta, index) => {
    arrival.fill(index, received, received + delta.length);
    received += delta.length;
    session.push(delta);
    record(index);
  });
  session.end();
  record(deltas.length);
  const sort = (values: number[]) => Float64Array.from(values).sort();
  return { ordinary: sort(ordinary), entity: sort(entity), deltas: deltas.length };
}

const realistic = makeDocument(targetChars, 300, 1);
const plain = makeDocument(targetChars, 0, 2);
const results = {
  realistic: throughput(realistic),
  plain: throughput(plain),
  holdbackWords: holdback(makeDocument(1024 * 1024, 300, 3), 'words'),
  holdbackSlices: holdback(makeDocument(1024 * 1024, 300, 3), 'slices'),
};
const machine = describeMachine(new URL('..', import.meta.url).pathname, undefined);
const line = (name: string, values: Float64Array) =>
  `| ${name} | ${percentile(values, 0.5)} | ${percentile(values, 0.99)} | ${percentile(values, 1)} | ${(percentile(values, 0.99) * gapMs).toFixed(0)} ms |`;
console.log(
  `Machine: ${machine.cpuModel}, ${availableParallelism()} cores, Node ${machine.nodeVersion}, commit ${machine.commit}, ${machine.date}`,
);
console.log(`Default policy (all built-in detectors), 4-character deltas, one stream per 4 KiB.\n`);
console.log('| text | MB/s | µs per delta |');
console.log('|---|---|---|');
console.log(
  `| prose, an entity every ~300 chars | ${results.realistic.megabytesPerSecond.toFixed(1)} | ${results.realistic.microsPerDelta.toFixed(2)} |`,
);
console.log(
  `| prose, no entities | ${results.plain.megabytesPerSecond.toFixed(1)} | ${results.plain.microsPerDelta.toFixed(2)} |`,
);
console.log(
  `\nHoldback delay per released character, in inter-token gaps (ms at a ${gapMs} ms gap):\n`,
);
console.log('| deltas, characters | p50 | p99 | max | p99 at gap |');
console.log('|---|---|---|---|---|');
for (const [name, result] of [
  ['word tokens', results.holdbackWords],
  ['4-char slices', results.holdbackSlices],
] as const) {
  console.log(line(`${name}, ordinary text`, result.ordinary));
  console.log(line(`${name}, inside entities`, result.entity));
}
