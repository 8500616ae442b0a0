// Issue #18 item 11: validation is linear in a line's length. A pull request's config runs through validate in
// the secret-less step any fork can trigger, so a hostile line must not cost the runner minutes.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadDesiredState } from '../../dist/config/index.js';
import { checkDocument } from '../../dist/config/check-file.js';
import { check, measure } from './measure.js';

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const HEAD = `accounts:\n  - account_id: ${ACCOUNT}\n`;
const long = (unit, length) => unit.repeat(Math.ceil(length / unit.length));

/**
 * Each shape that made a hint's former regex backtrack (quadratic: a 160 KB file took 13.5 s), `lineLength`
 * characters long, checked as yaml (what runs after the line cap, on files that pass it); then validate on a
 * file with a line of 1 MB, which the line cap refuses before parsing.
 */
export async function hostileLines({ tmp, lineLength, maxMs }) {
  const shapes = {
    'flow hint ({{{… then a cut flow map)': `${HEAD}    description: x${long('{', lineLength)}\n    organization: { login_design: { background_color: #c5ed1b } }\n`,
    'comment in place of a value (:   …#c   …x)': `${HEAD}    organization:\n      login_design:\n        background_color:${long(' ', lineLength / 2)}#c${long(' ', lineLength / 2)}x\n`,
    'unclosed quote (\\"\\"…)': `${HEAD}    description: "${long('\\"', lineLength)}\n`,
  };
  const times = {};
  const m = await measure(async () => {
    for (const [name, text] of Object.entries(shapes)) {
      const t0 = performance.now();
      const { diagnostics } = await checkDocument('c.yaml', text, {});
      check(diagnostics.length > 0, `${name}: no problem found`);
      times[name] = performance.now() - t0;
    }
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, 'c.yaml'), `${HEAD}    description: "${long('a', 1024 * 1024)}"\n`);
    const t0 = performance.now();
    const { diagnostics } = await loadDesiredState([tmp]);
    times['validate, a 1 MB line (refused)'] = performance.now() - t0;
    check(/lines longer than/.test(diagnostics[0]?.message ?? ''), `the 1 MB line was not refused: ${diagnostics[0]?.message}`);
  });
  const slowest = Math.max(...Object.values(times));
  return {
    size: `lines of ${lineLength.toLocaleString('en-US')} chars`,
    ms: m.ms,
    throughput: { value: lineLength / (slowest / 1000) / 1e6, unit: 'M chars/s (slowest shape)' },
    target: { ok: slowest <= maxMs, text: `slowest shape ${slowest.toFixed(0)} ms (target ≤ ${maxMs} ms)` },
    notes: Object.entries(times).map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`).join('; '),
    memory: m.memory,
  };
}
