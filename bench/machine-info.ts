/**
 * The facts a benchmark figure is meaningless without: cores, CPU model, memory, Node
 * and nginx versions, the commit measured, and when.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGibibytes: number;
  nodeVersion: string;
  nginxVersion: string | undefined;
  commit: string;
  date: string;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function memoryGibibytes(): number {
  const match = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return match ? Math.round((Number(match[1]) / 1024 / 1024) * 10) / 10 : 0;
}

function commit(repositoryRoot: string): string {
  try {
    const git = (args: string[]) =>
      execFileSync('git', args, { cwd: repositoryRoot, encoding: 'utf8' }).trim();
    const head = git(['rev-parse', '--short', 'HEAD']);
    // The gateway is measured from the working tree, which may be ahead of HEAD.
    const dirty = git(['status', '--porcelain', '--', 'packages']).length > 0;
    return dirty ? `${head} + uncommitted changes under packages/` : head;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(repositoryRoot: string, nginxVersion: string | undefined) {
  const info: MachineInfo = {
    cores: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGibibytes: memoryGibibytes(),
    nodeVersion: process.version,
    nginxVersion,
    commit: commit(repositoryRoot),
    date: new Date().toISOString(),
  };
  return info;
}
