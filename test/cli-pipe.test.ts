// `ztsync … | head`: a reader that closes the pipe early must not turn into a stack trace or a failure.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';

it('a closed stdout ends quietly with the command\'s own exit code', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', 'schema'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the child has started writing, so its first write meets a broken pipe.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'close');
  expect(stderr).not.toMatch(/EPIPE|Error|at /);
  expect(code).toBe(0);
});
