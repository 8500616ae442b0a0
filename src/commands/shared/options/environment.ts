// What a run lets its config reach in the environment (--env-allow, ZTSYNC_ENV_ALLOW, --credentials-env),
// declared once and parsed once into the config stage's EnvPolicy. The workflow decides this, never the config:
// a pull request controls the config, and its plan is posted where everyone reads it.

import type { Command } from 'commander';
import { CREDENTIAL_PREFIX, isRunnerVariable, mayHoldToken, SECRET_ENV } from '../../../cloudflare/credentials.js';
import { VARIABLE_NAME, VARIABLE_PREFIX, type EnvPolicy } from '../../../config/interpolate.js';
import { UsageError } from '../../../io.js';

/** The environment options as commander gives them. */
export interface EnvironmentFlags {
  envAllow?: string[];
  credentialsEnv?: string[];
}

/** The variable that lists, like --env-allow, the variables a config may read (names separated by commas or spaces). */
export const ENV_ALLOW_VARIABLE = 'ZTSYNC_ENV_ALLOW';

export function addEnvironmentOptions(command: Command): Command {
  return command
    .option('--env-allow <names>', `environment variables the config may read as \${NAME} (repeatable, or comma separated; names start with ${VARIABLE_PREFIX}; also ${ENV_ALLOW_VARIABLE}, a comma or space separated list); no other is read`, collectNames)
    .option('--credentials-env <names>', `environment variables a credentials_env may name (repeatable, or comma separated); names starting with ${CREDENTIAL_PREFIX} need no declaring`, collectNames);
}

/** The policy checked: a malformed name, or a variable both readable and a credential, is a UsageError. */
export function environmentSettings(flags: EnvironmentFlags, env: Readonly<Record<string, string | undefined>>): EnvPolicy {
  const fromEnv = (env[ENV_ALLOW_VARIABLE] ?? '').split(/[\s,]+/).filter(Boolean);
  const credentials = unique(flags.credentialsEnv ?? []);
  for (const name of credentials) {
    checkName('--credentials-env', name);
    if (isRunnerVariable(name)) throw new UsageError(`--credentials-env ${name}: a variable of the CI runner, which never holds a Cloudflare API token`);
  }
  const readable = unique([...(flags.envAllow ?? []), ...fromEnv]);
  for (const name of readable) {
    const option = flags.envAllow?.includes(name) ? '--env-allow' : ENV_ALLOW_VARIABLE;
    checkName(option, name);
    if (!name.startsWith(VARIABLE_PREFIX)) throw new UsageError(`${option} ${name}: only variables whose names start with ${VARIABLE_PREFIX} can be read by a config`);
    if ((SECRET_ENV as readonly string[]).includes(name) || mayHoldToken(name, credentials)) throw new UsageError(`${option} ${name}: it holds a credential, which a config never reads`);
  }
  return { readable, credentials };
}

function checkName(option: string, name: string): void {
  if (!VARIABLE_NAME.test(name)) throw new UsageError(`${option} takes environment variable names (letters, digits, _), not "${name}"`);
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/** Repeatable, and each value may itself be a comma separated list. */
function collectNames(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((n) => n.trim()).filter(Boolean)];
}
