/**
 * CPU time and memory of a process (or a process and its children, for nginx's master
 * and workers) read from `/proc`, so the bench charges each party exactly what the
 * kernel accounted to it during the measured window.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let cachedClockTicks: number | undefined;

/** Kernel clock ticks per second (`getconf CLK_TCK`), the unit of utime and stime. */
export function clockTicksPerSecond(): number {
  if (cachedClockTicks === undefined) {
    const output = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    cachedClockTicks = Number(output.trim()) || 100;
  }
  return cachedClockTicks;
}

/** Which part of a process's CPU time: all of it, or only the kernel's share (stime). */
export type CpuPart = 'total' | 'kernel';

/** utime + stime (or stime alone) of one process, in seconds. */
export function processCpuSeconds(pid: number, part: CpuPart = 'total'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses; fields resume after the
  // last ')'. There, state is field 3, so utime (14) and stime (15) are at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const kernel = Number(fields[12]);
  const ticks = part === 'kernel' ? kernel : Number(fields[11]) + kernel;
  return ticks / clockTicksPerSecond();
}

/** The process and its direct children (nginx: master and workers). */
export function processFamily(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((entry) => entry.length > 0)
      .map(Number);
    return [pid, ...children];
  } catch {
    return [pid];
  }
}

/** CPU seconds summed over a process family. */
export function familyCpuSeconds(pid: number, part: CpuPart = 'total'): number {
  let total = 0;
  for (const member of processFamily(pid)) {
    try {
      total += processCpuSeconds(member, part);
    } catch {
      // A worker that exited between listing and reading has nothing left to count.
    }
  }
  return total;
}

export interface MemoryUsage {
  /** Resident set size now, in bytes. */
  residentBytes: number;
  /** Peak resident set size, in bytes. */
  peakResidentBytes: number;
}

/** Resident memory summed over a process family. */
export function familyMemory(pid: number): MemoryUsage {
  let residentBytes = 0;
  let peakResidentBytes = 0;
  for (const member of processFamily(pid)) {
    try {
      const status = readFileSync(`/proc/${member}/status`, 'utf8');
      residentBytes += statusKilobytes(status, 'VmRSS') * 1024;
      peakResidentBytes += statusKilobytes(status, 'VmHWM') * 1024;
    } catch {
      // Exited meanwhile: holds no memory.
    }
  }
  return { residentBytes, peakResidentBytes };
}

function statusKilobytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/**
 * Busy CPU seconds of the whole machine (all cores, from `/proc/stat`): compared with the
 * bench's own processes it shows how much else ran on the box during a window.
 */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / clockTicksPerSecond();
}
