import { type ProcessUsage, readProcessUsage } from './proc-stats.ts';

/**
 * What the benchmark reads CPU time and memory of, from /proc: one process (worker, api, temporal, bare-worker,
 * bench-driver, and the relay once it is merged), or a group found afresh at each reading (the PostgreSQL backends
 * serving our database: the pools open and close them).
 */
export interface MeasuredProcess {
  name: string;
  pids(): Promise<number[]>;
  /** False where resident memory means little, e.g. PostgreSQL backends, whose RSS counts the shared buffers. */
  reportMemory: boolean;
}

export function singleProcess(name: string, pid: number): MeasuredProcess {
  return { name, pids: async () => [pid], reportMemory: true };
}

/** name -> pid -> usage */
export type UsageSnapshot = Record<string, Map<number, ProcessUsage>>;

export interface ProcessCost {
  cpuSeconds: number;
  /** CPU seconds per 1,000 completed operations (bookings, bare workflows, transactions) of the measurement. */
  cpuSecondsPer1000: number | null;
  rssMiB: number | null;
}

export async function snapshotUsage(processes: readonly MeasuredProcess[]): Promise<UsageSnapshot> {
  const entries = await Promise.all(
    processes.map(async (p) => {
      const usages = new Map<number, ProcessUsage>();
      for (const pid of await p.pids().catch(() => [] as number[])) {
        const usage = await readProcessUsage(pid);
        if (usage) usages.set(pid, usage);
      }
      return [p.name, usages] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * CPU spent between two snapshots. A process that appeared in between counts from its start; one that ended in
 * between is lost (a group's count is a lower bound).
 */
export function costBetween(
  before: UsageSnapshot,
  after: UsageSnapshot,
  operations: number,
  processes: readonly MeasuredProcess[] = [],
): Record<string, ProcessCost> {
  const costs: Record<string, ProcessCost> = {};
  for (const [name, end] of Object.entries(after)) {
    if (end.size === 0) continue;
    const start = before[name] ?? new Map<number, ProcessUsage>();
    let cpuSeconds = 0;
    let rssBytes = 0;
    for (const [pid, usage] of end) {
      cpuSeconds += usage.cpuSeconds - (start.get(pid)?.cpuSeconds ?? 0);
      rssBytes += usage.rssBytes;
    }
    const reportMemory = processes.find((p) => p.name === name)?.reportMemory ?? true;
    costs[name] = {
      cpuSeconds: round(cpuSeconds, 3),
      cpuSecondsPer1000: operations > 0 ? round((cpuSeconds / operations) * 1000, 3) : null,
      rssMiB: reportMemory ? round(rssBytes / 2 ** 20, 1) : null,
    };
  }
  return costs;
}

/** Peak resident memory (VmHWM) of each process that has a meaningful one. */
export function peakMemoryMiB(snapshot: UsageSnapshot, processes: readonly MeasuredProcess[]): Record<string, number | null> {
  return Object.fromEntries(
    processes.map((p) => {
      const usages = [...(snapshot[p.name]?.values() ?? [])];
      return [p.name, p.reportMemory && usages.length ? round(usages.reduce((sum, u) => sum + u.peakRssBytes, 0) / 2 ** 20, 1) : null];
    }),
  );
}

/** Adds up the CPU of several measurements of one kind, for a per-1,000 figure over all of them. */
export function sumCosts(parts: readonly { costs: Record<string, ProcessCost>; operations: number }[]): Record<string, ProcessCost> {
  const operations = parts.reduce((sum, p) => sum + p.operations, 0);
  const cpu: Record<string, number> = {};
  const lastRss: Record<string, number | null> = {};
  for (const part of parts) {
    for (const [name, cost] of Object.entries(part.costs)) {
      cpu[name] = (cpu[name] ?? 0) + cost.cpuSeconds;
      lastRss[name] = cost.rssMiB;
    }
  }
  return Object.fromEntries(
    Object.entries(cpu).map(([name, seconds]) => [
      name,
      { cpuSeconds: round(seconds, 3), cpuSecondsPer1000: operations > 0 ? round((seconds / operations) * 1000, 3) : null, rssMiB: lastRss[name] ?? null },
    ]),
  );
}

/** CPU each process burns with nothing to do (polling, timers, background loops), in % of one core. */
export async function measureIdleCpu(processes: readonly MeasuredProcess[], durationMs: number): Promise<Record<string, number>> {
  const before = await snapshotUsage(processes);
  const startedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const after = await snapshotUsage(processes);
  const seconds = (performance.now() - startedAt) / 1000;
  const costs = costBetween(before, after, 0, processes);
  return Object.fromEntries(Object.entries(costs).map(([name, cost]) => [name, round((cost.cpuSeconds / seconds) * 100, 1)]));
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
