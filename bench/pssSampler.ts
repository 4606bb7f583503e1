/**
 * A child process that samples the PSS of the benchmark's node process and of its Chromium tree
 * every `BENCH_PSS_EVERY_MS` ms. Reading /proc/<pid>/smaps_rollup of a 400 MB process costs tens
 * of ms of kernel time; done here, it neither blocks the measured event loop nor counts as its CPU.
 *
 * Protocol (IPC): the parent sends { node, chromium } pids whenever they may have changed, and
 * { report: true } to get back { peak, series }.
 */
import { processTree, pssKb, treePssKb } from './pss.js';

const everyMs = Number(process.env.BENCH_PSS_EVERY_MS ?? 5000);
let pids: { node?: number; chromium?: number } = {};
const peak = { node: 0, chromium: 0 };
const series: { at: number; node: number; chromium: number; processes: number }[] = [];

function sample(): void {
  if (pids.node === undefined) return;
  const node = pssKb(pids.node);
  const chromium = treePssKb(pids.chromium);
  series.push({ at: Date.now(), node, chromium, processes: pids.chromium === undefined ? 0 : processTree(pids.chromium).length });
  peak.node = Math.max(peak.node, node);
  peak.chromium = Math.max(peak.chromium, chromium);
}

const timer = setInterval(sample, everyMs);
process.on('message', (m: { node?: number; chromium?: number; report?: boolean }) => {
  if (m.report) {
    sample();
    process.send?.({ peak, series });
    return;
  }
  pids = { ...pids, ...m };
});
process.on('disconnect', () => clearInterval(timer));
process.send?.({ ready: true });
