/**
 * CPU time from /proc (Linux), to say where a benchmark's cores went: this node process, a
 * Chromium tree, PostgreSQL's processes, and the machine as a whole. Seconds; clock ticks are
 * assumed to be 100 a second (USER_HZ on every mainstream Linux build).
 */
import { readFileSync } from 'node:fs';
import { processTree } from './pss.js';

const HZ = 100;

function statOf(pid: number): { comm: string; cpu: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    return { comm: stat.slice(stat.indexOf('(') + 1, close), cpu: (Number(f[11]) + Number(f[12])) / HZ };
  } catch {
    return null;
  }
}

/** CPU seconds of a process and its live descendants (an exited child's time is lost unless reaped into its parent). */
export function treeCpuSeconds(root: number | undefined): number {
  return root === undefined ? 0 : processTree(root).reduce((s, pid) => s + (statOf(pid)?.cpu ?? 0), 0);
}

/** The machine's busy and total CPU seconds so far (all cores). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const total = v.reduce((a, b) => a + b, 0) / HZ;
  return { busy: total - (v[3] + v[4]) / HZ, total };
}

/** CPU seconds of a set of processes (e.g. the PostgreSQL backends serving one database). */
export function pidsCpuSeconds(pids: number[]): number {
  return pids.reduce((s, pid) => s + (statOf(pid)?.cpu ?? 0), 0);
}

/** A snapshot of the counters above; `cpuSince(before, after)` gives the deltas. */
export function cpuSnapshot(chromiumPid?: number, postgresPids: number[] = []) {
  return {
    node: process.cpuUsage(),
    chromium: treeCpuSeconds(chromiumPid),
    postgres: pidsCpuSeconds(postgresPids),
    machine: machineCpuSeconds(),
  };
}
export type CpuSnapshot = ReturnType<typeof cpuSnapshot>;

/**
 * Deltas in CPU seconds. `other` is what the rest of the machine used meanwhile (other
 * processes, PostgreSQL's background workers, the kernel): work that competed for the same cores.
 */
export function cpuSince(before: CpuSnapshot, after: CpuSnapshot) {
  const node = (after.node.user - before.node.user + after.node.system - before.node.system) / 1e6;
  const chromium = after.chromium - before.chromium;
  const postgres = after.postgres - before.postgres;
  const machineBusy = after.machine.busy - before.machine.busy;
  return { node, chromium, postgres, machineBusy, machineTotal: after.machine.total - before.machine.total, other: Math.max(0, machineBusy - node - chromium - postgres) };
}

/** The machine's busy share over `ms` (0–1). */
export async function machineBusyShare(ms: number): Promise<number> {
  const a = machineCpuSeconds();
  await new Promise((r) => setTimeout(r, ms));
  const b = machineCpuSeconds();
  return (b.busy - a.busy) / Math.max(1e-9, b.total - a.total);
}

/**
 * Waits (up to `maxMs`) until the machine is quiet: busy below `below` over a 3 s window. Other
 * people's test runs on a shared 2-core machine move every figure here; this does not prevent
 * them, it only avoids starting a phase in the middle of one. Returns the last busy share seen.
 */
export async function waitForQuiet(maxMs: number, below = 0.15, onWait?: (busy: number) => void): Promise<number> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const busy = await machineBusyShare(3000);
    if (busy < below || Date.now() >= deadline) return busy;
    onWait?.(busy);
  }
}
