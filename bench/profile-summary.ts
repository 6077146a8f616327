/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and ranks where the time went: by
 * function (self time) and by area (a gateway folder, an npm package, a Node internal).
 * Printed after a `--profile` run to show what the gateway spends per token.
 *
 * Usage: node bench/profile-summary.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  /** Sampled time excluding idle, in ms. */
  busyMs: number;
  functions: ProfileEntry[];
  areas: ProfileEntry[];
}

const IDLE = '(idle)';

/** Groups a script URL into something a reader can act on. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const gateway = /packages\/(\w+)\/src\/([\w-]+)\//.exec(url);
  if (gateway) return `${gateway[1]}/${gateway[2]}`;
  const dependency = /node_modules\/((?:@[\w.-]+\/)?[\w.-]+)\//.exec(url);
  if (dependency) return `npm:${dependency[1]}`;
  const internal = /^node:(?:internal\/)?([\w]+)/.exec(url);
  if (internal) return `node:${internal[1]}`;
  return url;
}

function shortUrl(url: string): string {
  const inRepository = /(packages\/.+|node_modules\/.+)$/.exec(url);
  return inRepository?.[1] ?? url;
}

function ranked(totals: Map<string, number>, busyMs: number, top: number): ProfileEntry[] {
  return [...totals.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, top)
    .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / busyMs }));
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let busyMs = 0;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const node = nodes.get(profile.samples[index] as number);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === IDLE) continue;
    const milliseconds = (profile.timeDeltas[index] ?? 0) / 1000;
    busyMs += milliseconds;
    const name = `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + milliseconds);
    const area = areaOf(url, functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + milliseconds);
  }
  return {
    busyMs,
    functions: ranked(byFunction, busyMs, top),
    areas: ranked(byArea, busyMs, top),
  };
}

export function formatProfileSummary(summary: ProfileSummary): string {
  const line = (entry: ProfileEntry) =>
    `${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.selfMs.toFixed(0).padStart(7)} ms  ${entry.name}`;
  return [
    `busy (non-idle) samples: ${summary.busyMs.toFixed(0)} ms`,
    '',
    'self time by area:',
    ...summary.areas.map(line),
    '',
    'self time by function:',
    ...summary.functions.map(line),
  ].join('\n');
}

export function readProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { top: { type: 'string', default: '25' } },
    allowPositionals: true,
    strict: true,
  });
  const path = positionals[0];
  if (path === undefined) {
    process.stderr.write('Usage: node bench/profile-summary.ts FILE.cpuprofile [--top 25]\n');
    process.exitCode = 2;
    return;
  }
  const summary = summarizeProfile(readProfile(path), Number(values.top));
  process.stdout.write(`${formatProfileSummary(summary)}\n`);
}

if (import.meta.main) main();
