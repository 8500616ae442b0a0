// The HTML report, checked structurally with a real HTML parser (jsdom, scripts not run): every target and every
// change is in the page, text from the plan is only ever text, and the CSP allows exactly the page's own style
// and script.
import { createHash } from 'node:crypto';
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { makePlan, show, type FieldChange, type Plan, type ResourcePlan, type TargetPlan } from '../../src/plan/model.js';
import { escapeHtml, renderHtml } from '../../src/plan/render-html.js';
import { REPORT_SCRIPT, REPORT_STYLE } from '../../src/plan/report-assets.js';
import { VERSION } from '../../src/version.js';

const XSS = '<script>alert(1)</script>';
const ATTR = '"><img src=x onerror=alert(2)>';
const OPTIONS = { generatedAt: '2026-11-25T12:00:00.000Z', version: VERSION };

const change = (path: string, before: unknown, after: unknown, over: Partial<FieldChange> = {}): FieldChange => ({ path, before, after, source: null, ...over });
const resource = (over: Pick<ResourcePlan, 'type' | 'action' | 'changes' | 'managed'>): ResourcePlan => ({ desired: {}, live: null, ...over });

function target(over: Partial<TargetPlan> & Pick<TargetPlan, 'id'>): TargetPlan {
  return { scope: 'account', description: null, source: { file: 'config/accounts.yaml', line: 3, col: 5 }, resources: [], error: null, ...over };
}

/** A plan with every state: drift, create, error, in sync, and text that tries to be markup everywhere it can. */
function hostilePlan(): Plan {
  return makePlan(`https://api.example/${XSS}`, [
    target({
      id: 'a'.repeat(32),
      description: 'Production',
      resources: [
        resource({
          type: 'organization',
          action: 'update',
          changes: [
            change('session_duration', '24h', '12h', { source: { file: 'config/defaults.yaml', line: 2, col: 21, via: 'defaults' } }),
            change('login_design.header_text', XSS, `${ATTR} & 'quotes' </script>`, { source: { file: `config/${ATTR}.yaml`, line: 7, col: 9, via: 'account' } }),
          ],
          managed: ['name', 'session_duration', 'login_design.header_text'],
        }),
        resource({ type: 'doh', action: 'noop', changes: [], managed: ['service_token_id'] }),
      ],
    }),
    target({
      id: 'b'.repeat(32),
      description: XSS,
      source: { file: `config/${ATTR}.yaml`, line: 9, col: 1 },
      resources: [
        resource({
          type: 'organization',
          action: 'create',
          changes: [change('name', null, XSS), change('auth_domain', null, 'new.cloudflareaccess.com')],
          managed: ['name', 'auth_domain', 'deny_unmatched_requests'],
        }),
      ],
    }),
    target({ id: 'c'.repeat(32), description: 'Unreachable', resources: [], error: { message: `forbidden ${XSS}`, status: 403, codes: [10000] } }),
    target({
      scope: 'zone',
      id: 'd'.repeat(32),
      description: 'Zone in sync',
      resources: [resource({ type: 'organization', action: 'noop', changes: [], managed: ['name', 'session_duration'] })],
    }),
  ], new Date('2026-11-25T11:00:00.000Z'));
}

function parse(html: string): Document {
  return new JSDOM(html).window.document;
}

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('renderHtml', () => {
  const plan = hostilePlan();
  const html = renderHtml(plan, OPTIONS);
  const doc = parse(html);
  const rows = [...doc.querySelectorAll('#matrix tbody tr')];

  it('has one row in the matrix and one details section per target, in plan order', () => {
    expect(rows.map((r) => r.querySelector('th code')?.textContent)).toEqual(plan.targets.map((t) => t.id));
    const details = [...doc.querySelectorAll('details.target')];
    expect(details.map((d) => d.querySelector('summary code')?.textContent)).toEqual(plan.targets.map((t) => `${t.scope} ${t.id}`));
    for (const [i, row] of rows.entries()) {
      const link = row.querySelector('a')!;
      expect(doc.getElementById(link.getAttribute('href')!.slice(1))).toBe(details[i]);
    }
  });

  it('shows every change with its exact before and after values', () => {
    const details = [...doc.querySelectorAll('details.target')];
    plan.targets.forEach((t, i) => {
      const shown = [...details[i]!.querySelectorAll('table.changes tbody tr:not(.r)')].map((tr) => [...tr.children].map((c) => c.textContent));
      const expected = t.resources.flatMap((r) =>
        r.changes.map((c) => [c.path, r.action === 'create' ? '(does not exist)' : show(c.before), show(c.after)]),
      );
      expect(shown.map(([path, , before, after]) => [path, before, after])).toEqual(expected);
    });
  });

  it('heads the changes of each resource with its action and the fields already in sync', () => {
    const heads = [...doc.querySelectorAll('details.target')].map((d) => [...d.querySelectorAll('table.changes tr.r')].map((tr) => tr.textContent));
    expect(heads).toEqual([
      ['organization — 2 fields to update · in sync: name', 'doh — in sync: service_token_id'],
      ['organization — to create · also managed (already the API’s default): deny_unmatched_requests'],
      [],
      ['organization — in sync: name, session_duration'],
    ]);
  });

  it('has a column for each setting that differs somewhere, and none for the rest', () => {
    const columns = [...doc.querySelectorAll('#matrix thead th.f')].map((th) => th.getAttribute('title'));
    // In the resource table's order (src/resources/organization.ts), not the order they happen to appear in.
    expect(columns).toEqual(['organization.name', 'organization.auth_domain', 'organization.login_design.header_text', 'organization.session_duration']);
    expect(doc.querySelector('#matrix thead th.g')?.textContent).toBe('organization');
  });

  it('marks each cell by state with a symbol as well as a class', () => {
    const cell = (row: number, column: number) => {
      const td = rows[row]!.querySelectorAll('td.c')[column + 1]!; // after the State column
      return { state: td.className.replace('c s-', ''), symbol: td.textContent, label: td.getAttribute('aria-label') };
    };
    // Columns: name, auth_domain, login_design.header_text, session_duration.
    expect([0, 1, 2, 3].map((c) => cell(0, c).state)).toEqual(['sync', 'none', 'drift', 'drift']);
    expect(cell(0, 3)).toEqual({ state: 'drift', symbol: '~', label: 'drift' });
    expect([0, 1, 2, 3].map((c) => cell(1, c).state)).toEqual(['create', 'create', 'none', 'none']);
    expect([0, 1, 2, 3].map((c) => cell(2, c).state)).toEqual(['error', 'error', 'error', 'error']);
    expect([0, 1, 2, 3].map((c) => cell(3, c).state)).toEqual(['sync', 'none', 'none', 'sync']);
    expect(rows.map((r) => r.getAttribute('data-states'))).toEqual(['drift', 'create', 'error', 'sync']);
    expect(rows.map((r) => r.querySelector('td.c')!.className)).toEqual(['c s-drift', 'c s-create', 'c s-error', 'c s-sync']);
    const legend = [...doc.querySelectorAll('.legend li')].map((li) => li.textContent);
    expect(legend).toEqual(expect.arrayContaining([expect.stringMatching(/^~drift: /), expect.stringMatching(/^✓in sync: /), expect.stringMatching(/^!error: /)]));
  });

  it('keeps hostile text as text: no element, attribute or script comes from the plan', () => {
    expect(doc.querySelectorAll('script')).toHaveLength(1);
    expect(doc.querySelector('script')!.textContent).toBe(REPORT_SCRIPT);
    expect(doc.querySelectorAll('style')).toHaveLength(1);
    expect(doc.querySelector('style')!.textContent).toBe(REPORT_STYLE);
    expect(doc.querySelectorAll('img, iframe, object, embed, link, base, meta[http-equiv="refresh"]')).toHaveLength(0);
    for (const el of doc.querySelectorAll('*')) {
      for (const attr of el.attributes) expect(attr.name, `${el.tagName} ${attr.name}`).not.toMatch(/^on|^style$|^srcdoc$/);
      if (el.hasAttribute('href')) expect(el.getAttribute('href')).toMatch(/^#t-\d+$/);
    }
    // The hostile values are there, verbatim, as text.
    expect(rows[1]!.querySelector('td.d')!.textContent).toBe(XSS);
    expect(rows[1]!.querySelector('td.src')!.textContent).toBe(`${ATTR}.yaml:9`); // the common config/ is said once, in the facts
    expect(doc.querySelectorAll('details.target')[1]!.querySelector('.body p')!.textContent).toBe(`Defined at ${ATTR}.yaml:9:1`);
    expect(doc.querySelector('.facts dd:nth-of-type(3)')!.textContent).toBe(`https://api.example/${XSS}`);
    expect(doc.querySelector('details.target:nth-of-type(3) .problem')!.textContent).toContain(`forbidden ${XSS} (HTTP 403; code 10000)`);
    const titles = [...doc.querySelectorAll('td[title]')].map((td) => td.getAttribute('title'));
    expect(titles).toContain(`organization.login_design.header_text: ${show(XSS)} → ${show(`${ATTR} & 'quotes' </script>`)}`);
    expect(doc.title).toBe('ztsync report: 4 targets, 3 to look at');
  });

  it('allows exactly its own style and script in a strict Content-Security-Policy', () => {
    const csp = doc.querySelector('meta[http-equiv="Content-Security-Policy"]')!.getAttribute('content')!;
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual([hash(doc.querySelector('script')!.textContent!)]);
    expect(directives['style-src']).toEqual([hash(doc.querySelector('style')!.textContent!)]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe|https?:|data:|\*/);
    // The meta comes before anything it governs.
    expect(doc.head.firstElementChild?.getAttribute('charset')).toBe('utf-8');
    expect(doc.head.children[1]?.getAttribute('http-equiv')).toBe('Content-Security-Policy');
  });

  it('is complete without JavaScript: the controls that need it are hidden, every row is shown', () => {
    expect(doc.getElementById('filters')!.hasAttribute('hidden')).toBe(true);
    expect(doc.querySelectorAll('[hidden]')).toHaveLength(1);
    expect(doc.querySelectorAll('details.target[open]')).toHaveLength(0);
  });

  it('shows the run facts and counts', () => {
    const facts = Object.fromEntries([...doc.querySelectorAll('header .facts dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]));
    expect(facts).toMatchObject({ 'Planned at': '2026-11-25T11:00:00.000Z', 'Report written at': OPTIONS.generatedAt, ztsync: VERSION, 'Plan format': '1', Config: '2 files in config/, 4 targets' });
    const counts = Object.fromEntries([...doc.querySelectorAll('.counts li')].map((li) => [li.getAttribute('data-count'), Number(li.querySelector('b')!.textContent)]));
    expect(counts).toEqual({ create: 1, update: 1, noop: 2, error: 1, blocked: 0, weakens: 0 });
  });

  it('renders a plan with no targets', () => {
    const empty = parse(renderHtml(makePlan('https://api.example', []), OPTIONS));
    expect(empty.querySelectorAll('#matrix tbody tr')).toHaveLength(0);
    expect(empty.body.textContent).toContain('No setting differs on any target.');
  });
});

describe('renderHtml with safety rails and a baseline', () => {
  // blocked and allowed changes, and per-change origin (--baseline).
  const base = hostilePlan();
  const first = base.targets[0]!;
  const plan = {
    ...base,
    ztsync_version: '0.0.9',
    baseline: { paths: ['base/config'], introduced: 1, drift: 1 },
    targets: [
      {
        ...first,
        resources: [
          {
            ...first.resources[0]!,
            changes: [
              change('session_duration', '24h', '12h', { source: { file: 'config/defaults.yaml', line: 2, col: 21, via: 'defaults' }, origin: 'drift' }),
              change('login_design.header_text', 'a', 'b', { source: { file: 'config/a.yaml', line: 7, col: 9, via: 'account' }, origin: 'introduced' }),
            ],
          },
          first.resources[1]!,
        ],
      },
      ...base.targets.slice(1),
    ],
    blocked: [
      { rule: 'auth-domain-change', scope: 'account', id: 'b'.repeat(32), resource: 'organization', path: 'auth_domain', before: 'a.example', after: 'b.example', message: `auth_domain would change ${XSS}` },
      { rule: 'max-changed-targets', scope: null, id: null, resource: null, path: null, before: null, after: null, message: '3 of 4 targets would change (limit 1)' },
    ],
    allowed: [
      { rule: 'mfa-weakened', scope: 'account', id: 'a'.repeat(32), resource: 'organization', path: 'session_duration', via: 'config', reason: `agreed ${XSS}`, source: { file: 'config/allow.yaml', line: 3, col: 5 } },
    ],
  } satisfies Plan;
  const doc = parse(renderHtml(plan, OPTIONS));
  const rows = [...doc.querySelectorAll('#matrix tbody tr')];

  it('says so when the plan was made by another ztsync than the one writing the report', () => {
    const facts = Object.fromEntries([...doc.querySelectorAll('header .facts dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]));
    expect(facts).toMatchObject({ 'Planned at': '2026-11-25T11:00:00.000Z', ztsync: `0.0.9 (report written by ${VERSION})` });
    expect(facts.Baseline).toBe('base/config: 1 change introduced by this config, 1 already drifted from the baseline');
  });

  it('tells introduced changes from drift, and says where each desired value came from', () => {
    expect(rows[0]!.getAttribute('data-states')).toBe('introduced drift');
    const changes = [...doc.querySelectorAll('details.target')[0]!.querySelectorAll('table.changes tbody tr:not(.r)')].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(changes).toEqual([
      ['session_duration', '~ drift', '"24h"', '"12h"', 'defaults.yaml:2:21 (defaults)', 'drift'],
      ['login_design.header_text', '★ introduced', '"a"', '"b"', 'a.yaml:7:9 (account)', 'introduced'],
    ]);
    expect([...doc.querySelectorAll('.legend li b')].map((b) => b.textContent)).toContain('introduced');
    expect([...doc.querySelectorAll('select[name=state] option')].map((o) => o.getAttribute('value'))).toContain('introduced');
  });

  it('marks blocked changes on their cell and target, and lists every block with its rule', () => {
    const authDomain = [...doc.querySelectorAll('#matrix thead th.f')].findIndex((th) => th.getAttribute('title') === 'organization.auth_domain');
    expect(rows[1]!.querySelectorAll('td.c')[authDomain + 1]!.className).toBe('c s-blocked');
    expect(rows[1]!.getAttribute('data-states')).toBe('blocked create');
    expect(rows[1]!.querySelector('td.c')!.className).toBe('c s-blocked');
    const blocked = doc.getElementById('blocked-title')!.parentElement!.textContent!;
    expect(blocked).toContain(`auth-domain-change — account ${'b'.repeat(32)} (${XSS}), organization.auth_domain "a.example" → "b.example": auth_domain would change ${XSS}`);
    expect(blocked).toContain('max-changed-targets — the whole plan: 3 of 4 targets would change (limit 1)');
    expect(doc.querySelector('.counts li[data-count=blocked] b')!.textContent).toBe('1');
    expect(doc.querySelectorAll('details.target')[0]!.textContent).toContain(`Allowed: mfa-weakened on session_duration — agreed ${XSS} (allow.yaml:3:5)`);
    expect(doc.querySelectorAll('script')).toHaveLength(1);
  });
});

describe('escapeHtml', () => {
  it('leaves no character that can start markup, close an attribute or begin an entity', () => {
    expect(escapeHtml(`<a href='x' title="y">&amp;</a>`)).toBe('&#60;a href=&#39;x&#39; title=&#34;y&#34;&#62;&#38;amp;&#60;/a&#62;');
    const p = parse(`<p title="${escapeHtml(ATTR)}">${escapeHtml(XSS)}</p>`).body.firstElementChild!;
    expect([p.tagName, p.getAttribute('title'), p.textContent, p.children.length, p.attributes.length]).toEqual(['P', ATTR, XSS, 0, 1]);
  });
});
