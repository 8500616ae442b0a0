// The markdown plan as GitHub reads it: values shown exactly, structure unbreakable, nobody mentioned, and
// always within the comment limit.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAccounts, startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { makePlan, show, type TargetPlan } from '../../src/plan/model.js';
import { code, GITHUB_COMMENT_LIMIT, MARKDOWN_MARKER, renderMarkdown } from '../../src/plan/render-markdown.js';
import { htmlTexts, MENTION, nodesOf, parseMarkdown, proseTexts, tables } from '../helpers/markdown.js';
import { EXAMPLES, SECRET_TOKEN, STAGING, demoEmulator, ztsync } from '../helpers/reconcile.js';

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

const HOSTILE = [
  '</details>',
  '</details>\n\n# Approved by @security-team\n\n<details>',
  'a `b` c',
  '``',
  '`',
  'x | y || z',
  'back\\slash \\| pipe',
  'line one\nline two\r\nthree',
  '@octocat and @org/team',
  '<script>alert(1)</script> &amp; <!-- -->',
  '[click](https://evil.example) ![img](x) **bold** _it_',
];

function target(i: number, description: string | null, changes: { path: string; before: unknown; after: unknown }[]): TargetPlan {
  return {
    scope: 'account',
    id: i.toString(16).padStart(32, '0'),
    description,
    source: { file: `config/a${i}.yaml`, line: 3, col: 5 },
    resources: [
      {
        type: 'organization',
        action: 'update',
        changes: changes.map((c) => ({ ...c, source: null })),
        managed: changes.map((c) => c.path),
        desired: Object.fromEntries(changes.map((c) => [c.path, c.after])),
        live: {},
      },
    ],
    error: null,
  };
}

describe('markdown values and text', () => {
  const plan = makePlan(
    'https://api.cloudflare.com/client/v4',
    HOSTILE.map((value, i) => target(i, value, [{ path: 'login_design.footer_text', before: `was ${value}`, after: value }])),
  );
  const markdown = renderMarkdown(plan);
  const tree = parseMarkdown(markdown);

  it('starts with the hidden marker, then one heading', () => {
    expect(markdown.split('\n')[0]).toBe(MARKDOWN_MARKER);
    // The plan's heading, then Changes (the roll-up) and Targets (the details): text cannot add one.
    expect(nodesOf(tree, 'heading').map((h) => h.depth)).toEqual([3, 4, 4]);
  });

  it('shows every value exactly, in a code span in a four-column row', () => {
    const rows = tables(tree).slice(1); // the first is the summary
    expect(rows).toHaveLength(HOSTILE.length);
    HOSTILE.forEach((value, i) => {
      expect(rows[i]).toEqual([
        ['field', 'before', 'after', 'source'],
        ['login_design.footer_text', show(`was ${value}`), show(value), ''],
      ]);
    });
    expect(markdown).not.toContain('&lt;/details&gt;`'); // not HTML-escaped inside code
    expect(markdown).not.toContain('ˋ');
  });

  it('keeps one <details> per target: text cannot open or close one', () => {
    const html = nodesOf(tree, 'html').map((n) => n.value);
    expect(html.filter((h) => h.startsWith('<details>'))).toHaveLength(HOSTILE.length);
    expect(html.filter((h) => h === '</details>')).toHaveLength(HOSTILE.length);
    expect(html.filter((h) => h !== MARKDOWN_MARKER && h !== '</details>' && !/^<details><summary><b>[^<>]*<\/b> — [^<>]*<\/summary>$/.test(h))).toEqual([]);
  });

  it('shows descriptions as text, on one line, in the summary', () => {
    const summaries = htmlTexts(tree).filter((h) => h.startsWith('<details>'));
    HOSTILE.forEach((value, i) => {
      const shown = value.replace(/\r\n|\n/g, ' ').replace(/@/g, '@\u200b');
      expect(summaries[i]).toBe(`<details><summary><b>account ${plan.targets[i]!.id} (${shown})</b> — organization: update</summary>`);
    });
  });

  it('mentions nobody outside code spans', () => {
    const prose = proseTexts(tree);
    expect(prose.join('\n')).toContain('@\u200bsecurity-team'); // shown, and not a mention
    expect(prose.filter((t) => MENTION.test(t))).toEqual([]);
    expect(nodesOf(tree, 'link')).toEqual([]);
    expect(nodesOf(tree, 'image')).toEqual([]);
    expect(nodesOf(tree, 'strong').length).toBe(HOSTILE.length); // only the resource headings
  });

  it('code spans take a longer fence around backticks', () => {
    expect(code('a`b')).toBe('``a`b``');
    expect(code('``x')).toBe('``` ``x ```');
    expect(code('x`')).toBe('`` x` ``');
    for (const value of ['a`b', '``x', 'x`', '`', ' ` ']) {
      const inline = nodesOf(parseMarkdown(code(value)), 'inlineCode');
      expect(inline.map((n) => n.value)).toEqual([value]);
    }
  });

  it('escapes error messages from the API as text', () => {
    const failing = { ...target(1, null, []), resources: [], error: { message: 'boom | </details> @ops `x` # h' } };
    const md = renderMarkdown(makePlan('https://x', [failing]));
    const t = parseMarkdown(md);
    const quote = nodesOf(t, 'blockquote')[0]!;
    expect(nodesOf(quote, 'text').map((n) => n.value).join('')).toBe('Error: boom | </details> @\u200bops `x` # h');
    expect(proseTexts(t).filter((p) => MENTION.test(p))).toEqual([]);
  });
});

describe('markdown within GitHub\'s comment limit', () => {
  const longValue = 'x'.repeat(400);
  const many = (n: number) =>
    makePlan(
      'https://api.cloudflare.com/client/v4',
      Array.from({ length: n }, (_, i) => target(i, `Team ${i}`, [{ path: 'login_design.footer_text', before: longValue, after: `${longValue}${i}` }])),
    );

  it('leaves the plan whole when it fits', () => {
    const md = renderMarkdown(many(3));
    expect(md).not.toContain('left out');
    expect(md.match(/<details>/g)).toHaveLength(3);
  });

  it('cuts details past the limit: one line per target, then counts, and where the full plan is', () => {
    const plan = many(5000);
    const md = renderMarkdown(plan, { fullPlanUrl: 'https://github.com/o/r/actions/runs/42' });
    expect(md.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(md.startsWith(MARKDOWN_MARKER + '\n')).toBe(true);
    const detailed = md.match(/<details>/g)!.length;
    const listed = md.match(/^- account /gm)!.length;
    const unlisted = Number(/…and (\d+) more targets \((\d+) resources to create, (\d+) to update, 0 errors\)/.exec(md)![1]);
    expect(detailed).toBeGreaterThan(0);
    expect(listed).toBeGreaterThan(0);
    expect(detailed + listed + unlisted).toBe(5000);
    expect(md).toContain(`**Details of ${5000 - detailed} more targets are left out** to stay within GitHub's 65,536-character comment limit. The full plan is in the plan artifact of [this workflow run](https://github.com/o/r/actions/runs/42).`);
    // Still well-formed: every <details> closed, the summary table intact.
    const tree = parseMarkdown(md);
    expect(nodesOf(tree, 'html').filter((h) => h.value === '</details>')).toHaveLength(detailed);
    expect(tables(tree)[0]).toEqual([['create', 'update', 'unchanged', 'errors'], ['0', '5000', '0', '0']]);
    // Said at the top too, before anything else.
    expect(nodesOf(tree, 'link').map((l) => l.url)).toEqual(['https://github.com/o/r/actions/runs/42', 'https://github.com/o/r/actions/runs/42']);
    expect(md.indexOf('**Not everything fits in this comment.** Details of')).toBeLessThan(md.indexOf('| create |'));
  });

  it('honours a smaller limit', () => {
    const md = renderMarkdown(many(40), { maxLength: 8000 });
    expect(md.length).toBeLessThanOrEqual(8000);
    expect(md).toContain("e.g. the workflow's plan artifact");
  });
});

describe('markdown from the CLI against the emulator', () => {
  it('a config with hostile text plans to exact, safe markdown', async () => {
    em = await demoEmulator();
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-md-'));
    const footer = 'a </details> | `b` @security-team\nline two';
    await writeFile(
      join(dir, 'a.yaml'),
      // !unchecked: the login page would refuse the HTML (#18 item 14); sent as it is, it is still shown safely.
      `accounts:\n  - account_id: ${STAGING}\n    description: "@ops </details> | **x**"\n    organization:\n      login_design: { footer_text: !unchecked ${JSON.stringify(footer)} }\n`,
    );
    const { stdout, code: exit } = await ztsync(em, ['plan', dir, '--format', 'markdown']);
    expect(exit).toBe(0);
    const tree = parseMarkdown(stdout);
    expect(tables(tree)[1]![1]).toEqual(['login_design.footer_text', show('Widget Corps — authorised use only'), show(footer), `${join(dir, 'a.yaml')}:5`]);
    expect(nodesOf(tree, 'html').filter((h) => h.value === '</details>')).toHaveLength(1);
    expect(proseTexts(tree).filter((p) => MENTION.test(p))).toEqual([]);
    expect(stdout).not.toContain(SECRET_TOKEN);
  });

  it('500 changed targets fit in one comment', async () => {
    const seed = generateAccounts(500);
    em = await startEmulator({ port: 0, seed, token: SECRET_TOKEN });
    const dir = await mkdtemp(join(tmpdir(), 'ztsync-md500-'));
    const accounts = seed.accounts!.map(
      (a, i) =>
        `  - account_id: "${a.id}"\n    description: Business unit ${i} of the Widget Corps group, managed from git\n` +
        `    organization:\n      name: Widget Corps business unit ${i}\n      auth_domain: unit-${i}.cloudflareaccess.com\n`,
    );
    await writeFile(join(dir, 'accounts.yaml'), `accounts:\n${accounts.join('')}`);
    const { stdout, code: exit } = await ztsync(em, ['plan', dir, '--format', 'markdown', '--concurrency', '16', '--max-changed-targets', '100%', '--allow', 'auth-domain-change'], {
      env: { CLOUDFLARE_API_TOKEN: SECRET_TOKEN, CLOUDFLARE_BASE_URL: em.url },
    });
    expect(exit).toBe(0);
    expect(stdout.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(stdout.startsWith(`${MARKDOWN_MARKER}\n### ztsync plan\n`)).toBe(true);
    expect(stdout).toMatch(/\*\*Details of \d+ more targets are left out\*\*/);
    const tree = parseMarkdown(stdout);
    const created = seed.accounts!.filter((a) => !a.organization).length;
    expect(tables(tree)[0]![1]).toEqual([String(created), String(500 - created), '0', '0']);
  });
});

describe('markdown: blocked, allowed, where values come from, introduced or drift', () => {
  const base = target(1, 'Production', []);
  const changes = [
    { path: 'auth_domain', before: 'old.cloudflareaccess.com', after: 'new.cloudflareaccess.com', source: { file: 'config/prod.yaml', line: 7, col: 7, via: 'account' as const }, origin: 'introduced' as const },
    { path: 'session_duration', before: '24h', after: '12h', source: { file: 'config/defaults.yaml', line: 3, col: 23, via: 'defaults' as const }, origin: 'drift' as const },
  ];
  const withChanges: TargetPlan = { ...base, resources: [{ ...base.resources[0]!, changes, managed: changes.map((c) => c.path) }] };
  const plan = {
    ...makePlan('https://api.cloudflare.com/client/v4', [withChanges]),
    baseline: { paths: ['base/config'], introduced: 1, drift: 1 },
    blocked: [
      { rule: 'auth-domain-change', scope: 'account' as const, id: withChanges.id, resource: 'organization' as const, path: 'auth_domain', before: 'old.cloudflareaccess.com', after: 'new.cloudflareaccess.com', message: 'changing auth_domain logs everyone out | </details> @admins' },
      { rule: 'max-changed-targets', scope: null, id: null, resource: null, path: null, before: null, after: null, message: '1 of 1 targets would change' },
    ],
    allowed: [
      { rule: 'mfa-weakened', scope: 'account' as const, id: withChanges.id, resource: 'organization' as const, path: 'session_duration', via: 'config' as const, reason: 'Agreed with @security in #123 | ok', source: { file: 'config/prod.yaml', line: 20, col: 5 } },
      { rule: 'doh-token-replaced', scope: 'account' as const, id: withChanges.id, resource: 'doh' as const, path: 'service_token_id', via: 'flag' as const, reason: null, source: null },
    ],
  };
  const md = renderMarkdown(plan);
  const tree = parseMarkdown(md);

  it('says first that the plan is blocked, naming rule, target and field', () => {
    const quote = nodesOf(tree, 'blockquote')[0]!;
    expect(nodesOf(quote, 'text').map((t) => t.value).join('')).toContain('Blocked: nothing will be applied.');
    const items = nodesOf(tree, 'listItem').map((li) => nodesOf(li, 'text').map((n) => n.value).join('') + '|' + nodesOf(li, 'inlineCode').map((n) => n.value).join(','));
    expect(items[0]).toBe(
      `: account  (Production)  — changing auth_domain logs everyone out | </details> @\u200badmins:  → |auth-domain-change,${withChanges.id},organization.auth_domain,"old.cloudflareaccess.com","new.cloudflareaccess.com"`,
    );
    expect(items[1]).toBe(': the whole plan — 1 of 1 targets would change|max-changed-targets');
    expect(md.indexOf('Blocked')).toBeLessThan(md.indexOf('<details>'));
  });

  it('lists what was allowed, by whom, with the reason as text', () => {
    const allowed = md.slice(md.indexOf('**Allowed**'));
    const items = nodesOf(parseMarkdown(allowed.slice(0, allowed.indexOf('#### Targets'))), 'listItem').map((li) => nodesOf(li, 'inlineCode').map((n) => n.value));
    expect(items).toEqual([
      ['mfa-weakened', withChanges.id, 'organization.session_duration', 'config/prod.yaml:20'],
      ['doh-token-replaced', withChanges.id, 'doh.service_token_id', '--allow doh-token-replaced'],
    ]);
    expect(md).toContain('Agreed with \\@&#8203;security in \\#&#8203;123 \\| ok');
    expect(proseTexts(tree).filter((t) => MENTION.test(t))).toEqual([]);
  });

  it('each change shows its source and origin; the blocked one is marked', () => {
    const [, rows] = tables(tree);
    expect(rows).toEqual([
      ['field', 'before', 'after', 'source', 'origin'],
      ['⛔ auth_domain (blocked: auth-domain-change)', '"old.cloudflareaccess.com"', '"new.cloudflareaccess.com"', 'config/prod.yaml:7', 'introduced'],
      ['session_duration', '"24h"', '"12h"', 'config/defaults.yaml:3 (defaults)', 'drift'],
    ]);
    expect(md).toContain('Against the baseline `base/config`: **1 change introduced**, 1 change already pending (_drift_).');
    expect(md).toContain('— organization: update, blocked</summary>');
  });

  it('a plan without a baseline has no origin column', () => {
    const plain = renderMarkdown(makePlan('https://x', [{ ...withChanges, resources: [{ ...withChanges.resources[0]!, changes: changes.map(({ origin: _, ...c }) => c) }] }]));
    expect(tables(parseMarkdown(plain))[1]![0]).toEqual(['field', 'before', 'after', 'source']);
    expect(plain).not.toContain('introduced');
  });

  it('many blocked changes are cut too, and the whole stays within the limit', () => {
    const blocked = Array.from({ length: 5000 }, (_, i) => ({ rule: 'doh-token-replaced', scope: 'account' as const, id: String(i).padStart(32, '0'), resource: 'doh' as const, path: 'service_token_id', before: 'a', after: 'b', message: 'the DoH token would be replaced' }));
    const big = renderMarkdown({ ...makePlan('https://x', []), blocked });
    expect(big.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT / 4 + 1000);
    const shownCount = big.match(/^- `doh-token-replaced`/gm)!.length;
    expect(big).toContain(`- …and ${5000 - shownCount} more blocked changes: see the full plan.`);
  });

  it('through the CLI, a change from the defaults says so', async () => {
    em = await demoEmulator();
    const { stdout } = await ztsync(em, ['plan', join(EXAMPLES, '..', 'config'), '--format', 'markdown']);
    const rows = tables(parseMarkdown(stdout)).flatMap((t) => t.slice(1));
    expect(rows).toContainEqual(['session_duration', '', '"24h"', `${join(EXAMPLES, 'defaults.yaml')}:6 (defaults)`]);
  });
});
