// DoH settings (accounts only): which service token issues DoH JWTs, and for how long.
// The API takes service_token_id and reports the token record, whose `id` is that same value.

import { ACCOUNT, bool, duration, str, type ResourceSpec } from './fields.js';

export const doh: ResourceSpec = {
  type: 'doh',
  description: 'DoH settings: the service token that issues DoH JWTs and how long they are valid.',
  scopes: ACCOUNT,
  defaultsNeedOwnSection: true,
  groups: [],
  fields: [
    { path: 'service_token_id', liveKey: 'id', type: str('uuid'), scopes: ACCOUNT, requiredOnCreate: true, perTarget: true, description: 'The id (a uuid, not the client_id) of the service token that issues DoH JWTs. Setting another token replaces the current one.', example: 'f174e90a-fafe-4643-bbbc-4a0ed4fc8415' },
    { path: 'doh_jwt_duration', type: duration('go'), unsetAs: '24h', scopes: ACCOUNT, description: "How long a DoH JWT is valid: a Go duration; at most the account's key rotation period. The API's default is 24h.", example: '800h' },
    { path: 'client_id', type: str(), scopes: [], readOnly: true, description: 'The service token Client ID.' },
    { path: 'name', type: str(), scopes: [], readOnly: true, description: 'The service token name.' },
    { path: 'duration', type: str(), scopes: [], readOnly: true, description: 'The service token lifetime.' },
    { path: 'enabled', type: bool(), scopes: [], readOnly: true, description: 'Whether the service token is enabled; a disabled one cannot authenticate.' },
    { path: 'expires_at', type: str(), scopes: [], readOnly: true, description: 'When the service token expires.' },
    { path: 'last_seen_at', type: str(), scopes: [], readOnly: true, volatile: true, description: 'When the service token was last used.' },
    { path: 'created_at', type: str(), scopes: [], readOnly: true, description: 'When the service token was created.' },
    { path: 'updated_at', type: str(), scopes: [], readOnly: true, stamp: true, description: 'When the service token was last changed.' },
  ],
};
