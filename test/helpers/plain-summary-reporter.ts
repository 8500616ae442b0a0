// Prints the plain closing line that CI logs are read for: "vitest: N passed, N failed, N skipped", and before it
// every test skipped with a reason (ctx.skip(note)), so that a skip is never silent (e.g. browser tests without Chromium).
import type { Reporter, TestModule } from 'vitest/node';

export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const notes: string[] = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') failed++;
        else skipped++;
        if (result.state === 'skipped' && result.note) notes.push(`SKIPPED ${mod.moduleId.replace(process.cwd() + '/', '')} > ${test.fullName}: ${result.note}`);
      }
      if (mod.state() === 'failed' && mod.children.size === 0) failed++;
    }
    if (notes.length) process.stdout.write(`\n${notes.join('\n')}\n`);
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
