// Timing and memory for one measured region: wall time with performance.now(), and the peaks of RSS and
// heap used, sampled by a small unref'd timer (plus once at the start and end of the region).

import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
/** A full GC, so that each region starts from a settled heap (the flag set above makes `gc` available). */
export const collectGarbage = runInNewContext('gc');

const MB = 1024 * 1024;
const SAMPLE_MS = 10; // process.memoryUsage() reads /proc: at 2 ms it cost ~2% of a plan run

/** Run `fn` once: { value, ms, memory: { rssStartMb, rssPeakMb, processPeakMb, heapStartMb, heapPeakMb } }. */
export async function measure(fn) {
  collectGarbage();
  const start = process.memoryUsage();
  const peak = { rss: start.rss, heapUsed: start.heapUsed };
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    if (rss > peak.rss) peak.rss = rss;
    if (heapUsed > peak.heapUsed) peak.heapUsed = heapUsed;
  };
  const timer = setInterval(sample, SAMPLE_MS);
  timer.unref();
  const t0 = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - t0;
    return { value, ms, memory: memory() };
  } finally {
    clearInterval(timer);
  }

  function memory() {
    sample();
    const processPeakMb = process.resourceUsage().maxRSS / 1024; // KiB; the OS's own peak, setup included
    return { rssStartMb: start.rss / MB, rssPeakMb: peak.rss / MB, processPeakMb, heapStartMb: start.heapUsed / MB, heapPeakMb: peak.heapUsed / MB };
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Fail the bench loudly: a result that is not what the scenario set up is a bug, not a number. */
export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}
