// The example config is valid, and each file points editors at the schema.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/config/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const examples = join(root, 'examples/config');

describe('examples/config', () => {
  it('validates cleanly: three accounts and one zone', async () => {
    const { state, diagnostics } = await loadDesiredState([examples]);
    expect(diagnostics).toEqual([]);
    expect(state!.targets.map((t) => `${t.scope} ${t.id} ${t.description}`)).toEqual([
      'account 023e105f4ecef8ad9ca31a8372d0c353 Production',
      'account 9f8e7d6c5b4a39281706f5e4d3c2b1a0 Research (new)',
      'account 1a2b3c4d5e6f708192a3b4c5d6e7f801 Staging',
      'zone 699d98642c564d2e855e9661899b7252 intranet.widgetcorps.example',
    ]);
  });

  it('covers what the README shows: production at line 4, with WARP, MFA and DoH', async () => {
    const { state } = await loadDesiredState([examples]);
    const production = state!.targets[0];
    expect(production.source).toMatchObject({ line: 4, col: 5 });
    const [org, doh] = production.resources;
    expect(org.values).toMatchObject({ allow_authenticate_via_warp: true, mfa_required_for_all_apps: true, deny_unmatched_requests: true, session_duration: '12h' });
    expect(doh.values).toEqual({ service_token_id: 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415', doh_jwt_duration: '800h' });
    const research = state!.targets[1];
    expect(research.resources.map((r) => r.type)).toEqual(['organization']);
    expect(research.resources[0].positions.session_duration.file).toMatch(/defaults\.yaml$/);
    const zone = state!.targets[3];
    expect(Object.keys(zone.resources[0].values)).not.toContain('session_duration');
  });

  it('carries the yaml-language-server modeline with a working relative path in every file', () => {
    const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBe(6);
    for (const file of files) {
      const first = readFileSync(join(examples, file), 'utf8').split('\n')[0];
      expect(first, file).toBe('# yaml-language-server: $schema=../../schema/ztsync.schema.json');
      expect(existsSync(resolve(examples, '../../schema/ztsync.schema.json'))).toBe(true);
    }
  });
});
