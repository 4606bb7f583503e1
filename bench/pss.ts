import { readFileSync, readdirSync } from 'node:fs';

/** Proportional set size (kB) of one process, from /proc (Linux); 0 when it is gone. */
export function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** A process and all its descendants (Chromium's renderer, GPU and utility processes). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch { /* exited */ }
  }
  const out: number[] = [];
  const walk = (pid: number) => { out.push(pid); for (const c of children.get(pid) ?? []) walk(c); };
  walk(root);
  return out;
}

export function treePssKb(root: number | undefined): number {
  return root === undefined ? 0 : processTree(root).reduce((sum, pid) => sum + pssKb(pid), 0);
}

/**
 * Peak PSS of node and of a Chromium tree, sampled when `sample()` is called (after each render).
 * Not on a timer: walking /proc every few ms on the same event loop slowed the renders it measured.
 */
export function pssSampler(chromiumPid: () => number | undefined) {
  const peak = { node: 0, chromium: 0 };
  const sample = () => {
    peak.node = Math.max(peak.node, pssKb(process.pid));
    peak.chromium = Math.max(peak.chromium, treePssKb(chromiumPid()));
  };
  return { peak, sample, stop: () => { sample(); return peak; } };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
