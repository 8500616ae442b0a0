// A newer API than ztsync's resource tables know: a few organization settings declared here only, so that tests
// can check that ztsync carries settings it does not know through its writes unchanged. Seeds and state files may
// always hold them (they are answered like any other field); create and update take them only with the runtime
// setting `newerApi` (--newer-api), else they are unknown fields (12000) as for the API ztsync's tables describe.

import { ACCOUNT, ALL, bool, str, type FieldSpec, type ResourceSpec } from '../resources/fields.js';
import { organization } from '../resources/organization.js';

export const NEWER_ORGANIZATION_FIELDS: readonly FieldSpec[] = [
  { path: 'session_binding', type: bool(), scopes: ALL, description: 'A newer setting: bind sessions to the device that logged in.' },
  { path: 'login_design.font_family', type: str(), scopes: ALL, description: 'A newer setting: the font of the login page.' },
  { path: 'mfa_config.passkey_autofill', type: bool(), scopes: ACCOUNT, description: 'A newer setting: offer passkeys in the browser autofill.' },
];

export const newerOrganization: ResourceSpec = { ...organization, fields: [...organization.fields, ...NEWER_ORGANIZATION_FIELDS] };
