// Issue #20: every write body goes through finishBody, which takes out whatever the API only reports.
import { describe, expect, it } from 'vitest';
import { createBody, finishBody, liveBody, reportedOnlyPaths } from '../../src/apply/body.js';
import { doh, organization, type ResourceSpec } from '../../src/resources/index.js';

describe('write bodies never carry read-only fields', () => {
  it('the paths: every read-only field of the tables, and the names writable fields are reported under', () => {
    expect(reportedOnlyPaths(organization)).toEqual(expect.arrayContaining(['trusted_accounts', 'created_at', 'updated_at']));
    expect(reportedOnlyPaths(doh)).toEqual(expect.arrayContaining(['id', 'client_id', 'last_seen_at']));
  });

  it('a PUT keeps unknown live fields but not read-only ones', () => {
    const live = { name: 'A', auth_domain: 'a.cloudflareaccess.com', trusted_accounts: ['x'], created_at: 't', future_setting: { on: true }, login_design: { font: 'Inter' } };
    expect(liveBody(organization, 'account', live)).toEqual({ name: 'A', auth_domain: 'a.cloudflareaccess.com', future_setting: { on: true }, login_design: { font: 'Inter' } });
  });

  it('finishBody takes out a nested read-only field too, and the group it leaves empty', () => {
    const spec: ResourceSpec = { ...organization, fields: [...organization.fields, { path: 'login_design.etag', type: { kind: 'string' }, scopes: [], readOnly: true, description: 'x' }] };
    expect(finishBody(spec, { name: 'A', login_design: { etag: 'e' }, trusted_accounts: [] })).toEqual({ name: 'A' });
    expect(createBody(doh, 'account', [{ path: 'service_token_id', value: 'u' }, { path: 'id', value: 'u' }])).toEqual({ service_token_id: 'u' });
  });
});
