import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** What Linux says a process has used so far: CPU time since it started, and its resident memory now and at peak. */
export interface ProcessUsage {
  cpuSeconds: number;
  rssBytes: number;
  /** VmHWM: the peak resident set size since the process started. */
  peakRssBytes: number;
}

let clockTicksPerSecond: number | undefined;

function ticksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

/** utime + stime of every thread of the process (the kernel sums them for /proc/<pid>/stat). */
export function parseCpuSeconds(stat: string, ticks: number): number {
  // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / ticks;
}

export function parseStatusKiB(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

/** Undefined once the process is gone. */
export async function readProcessUsage(pid: number): Promise<ProcessUsage | undefined> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    return {
      cpuSeconds: parseCpuSeconds(stat, ticksPerSecond()),
      rssBytes: parseStatusKiB(status, 'VmRSS') * 1024,
      peakRssBytes: parseStatusKiB(status, 'VmHWM') * 1024,
    };
  } catch {
    return undefined;
  }
}
