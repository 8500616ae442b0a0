import { configDefaults, defineConfig } from 'vitest/config';

/** The end-to-end tests run once per emulator mode (test/helpers/reconcile.ts reads it from the environment). */
const E2E = 'test/reconcile/**/*.test.ts';
const MODES = [
  ['replace', 'sparse'],
  ['replace', 'explicit'],
  ['merge', 'sparse'],
  ['merge', 'explicit'],
] as const;

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/plain-summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, E2E] } },
      ...MODES.map(([putSemantics, answerStyle]) => ({
        extends: true as const,
        test: {
          name: `e2e ${putSemantics} ${answerStyle}`,
          include: [E2E],
          env: { ZTSYNC_E2E_PUT_SEMANTICS: putSemantics, ZTSYNC_E2E_ANSWER_STYLE: answerStyle },
        },
      })),
    ],
  },
});
