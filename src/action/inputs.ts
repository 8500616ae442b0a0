// The action's inputs as the runner hands them to a JavaScript action: environment variables INPUT_<NAME>, the
// name upper-cased with its hyphens kept (INPUT_OK-EXIT-CODES). Defaults come from action.yml through the runner;
// the same defaults apply here when a variable is absent (the action run by hand).

/** The commands the action runs: the ones that belong in a workflow (import, emulator… do not). */
export const ACTION_COMMANDS = ['validate', 'plan', 'apply', 'report'] as const;
export type ActionCommand = (typeof ACTION_COMMANDS)[number];

/** The inputs action.yml declares, by name. */
export const INPUT_NAMES = ['command', 'args', 'ok-exit-codes', 'working-directory'] as const;

export interface ActionInputs {
  command: ActionCommand;
  /** The arguments after the command, as words: never seen by a shell. */
  args: string[];
  /** Exit codes that leave the step green. */
  okExitCodes: number[];
  workingDirectory: string;
}

export type InputsOrProblem = { ok: true; inputs: ActionInputs } | { ok: false; problem: string };

function inputEnvName(name: (typeof INPUT_NAMES)[number]): string {
  return `INPUT_${name.toUpperCase()}`;
}

/**
 * Words split on spaces, tabs and line breaks (a folded or literal YAML block reads naturally), with no quoting,
 * expansion or globbing: an input can never run a command. Paths with spaces cannot be given this way.
 */
export function splitWords(text: string): string[] {
  return text.split(/[ \t\r\n]+/).filter((word) => word !== '');
}

export function readInputs(env: Record<string, string | undefined>): InputsOrProblem {
  const input = (name: (typeof INPUT_NAMES)[number], fallback: string) => env[inputEnvName(name)] ?? fallback;
  const command = input('command', '').trim();
  if (!(ACTION_COMMANDS as readonly string[]).includes(command)) {
    return { ok: false, problem: `the command input must be ${ACTION_COMMANDS.slice(0, -1).join(', ')} or ${ACTION_COMMANDS.at(-1)}` };
  }
  const okExitCodes: number[] = [];
  for (const word of splitWords(input('ok-exit-codes', '0'))) {
    if (!/^\d{1,3}$/.test(word) || Number(word) > 255) return { ok: false, problem: `ok-exit-codes must be exit codes (0 to 255) separated by spaces, not "${word}"` };
    okExitCodes.push(Number(word));
  }
  return {
    ok: true,
    inputs: {
      command: command as ActionCommand,
      args: splitWords(input('args', '')),
      okExitCodes: okExitCodes.length ? okExitCodes : [0],
      workingDirectory: input('working-directory', '.').trim() || '.',
    },
  };
}
