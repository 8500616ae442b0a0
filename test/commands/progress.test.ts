// The progress line's own ends: stop() at the end of a phase, abandon() when the run ends at once (a second Ctrl-C).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Progress } from '../../src/commands/shared/progress.js';
import { captureIo } from '../helpers/io.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A terminal's stderr that keeps text and ztsync's own sequences apart, as the CLI's does. */
function terminal() {
  const text: string[] = [];
  const sequences: string[] = [];
  const io = captureIo({ stderrIsTTY: true, stderr: { write: (s: string) => text.push(s), control: (s: string) => sequences.push(s) } });
  return { io, text, sequences };
}

const counts = () => ({ requests: 3, retries: 0, heldMs: 0 });

describe('Progress.abandon', () => {
  it('on a terminal clears the live line with a sequence of its own (not as text), writes no last line, and draws no more', () => {
    vi.useFakeTimers();
    const { io, text, sequences } = terminal();
    const progress = new Progress(io, { label: 'apply', total: 4, counts });
    vi.advanceTimersByTime(200);
    expect(text).toEqual([expect.stringMatching(/^apply: 0\/4 targets, 3 requests/)]);
    expect(sequences).toEqual(['\r\x1b[2K']);
    progress.abandon();
    expect(sequences).toEqual(['\r\x1b[2K', '\r\x1b[2K']);
    vi.advanceTimersByTime(1000);
    expect(text).toHaveLength(1);
    expect(sequences).toHaveLength(2);
  });

  it('without a terminal writes nothing: stop() would add a last line, abandon() does not', () => {
    vi.useFakeTimers();
    const io = captureIo({ env: { ZTSYNC_PROGRESS_INTERVAL: '1' } });
    const progress = new Progress(io, { label: 'plan', total: 4, counts });
    vi.advanceTimersByTime(1000);
    expect(io.err).toHaveLength(1);
    progress.abandon();
    vi.advanceTimersByTime(5000);
    expect(io.err).toHaveLength(1);
  });
});
