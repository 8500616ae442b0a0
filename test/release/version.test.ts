// One version everywhere it is written (docs/releasing.md, step 2–3): package.json, package-lock.json,
// src/version.ts (--version and every saved plan), and a CHANGELOG section below an Unreleased one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const pkg = JSON.parse(read('package.json')) as { version: string };
const lock = JSON.parse(read('package-lock.json')) as { version: string; packages: Record<string, { version?: string }> };

/** The CHANGELOG's second-level headings, in order. */
const sections = [...read('CHANGELOG.md').matchAll(/^## (.+)$/gm)].map((m) => m[1]!);

describe('the version', () => {
  it('is the same in package.json, package-lock.json and src/version.ts', () => {
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect([lock.version, lock.packages['']?.version, VERSION]).toEqual([pkg.version, pkg.version, pkg.version]);
  });

  it('has its CHANGELOG section, below Unreleased, newest first', () => {
    expect(sections[0]).toBe('Unreleased');
    const versions = sections.slice(1).map((heading) => /^(\d+)\.(\d+)\.(\d+) - /.exec(heading));
    expect(versions.every(Boolean), sections.join(' | ')).toBe(true);
    expect(versions[0]!.slice(1, 4).join('.')).toBe(pkg.version);
    const numbers = versions.map((v) => v!.slice(1, 4).map(Number));
    for (let i = 1; i < numbers.length; i++) {
      const [a, b] = [numbers[i - 1]!, numbers[i]!];
      expect(a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!, sections.join(' | ')).toBeGreaterThan(0);
    }
  });
});
