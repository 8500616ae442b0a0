import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../src/resources/duration.js';

describe('Go durations', () => {
  it('parses every unit and compares by value', () => {
    expect(parseDuration('24h')).toBe(parseDuration('1440m'));
    expect(parseDuration('24h0m0s')).toBe(parseDuration('24h'));
    expect(parseDuration('300ms')).toBe(300_000_000n);
    expect(parseDuration('1.5h')).toBe(parseDuration('90m'));
    expect(parseDuration('1us')).toBe(parseDuration('1µs'));
    expect(parseDuration('2h45m')).toBe(9_900_000_000_000n);
    expect(parseDuration('0')).toBe(0n);
    expect(parseDuration('8760h')).toBe(31_536_000_000_000_000n);
  });
  it('rejects what Go rejects', () => {
    for (const bad of ['', '24', 'h', '1d', '1 h', '1h 2m', '--1h', '1.h.2']) expect(parseDuration(bad)).toBeUndefined();
  });
  it('restricts units where a field does', () => {
    expect(parseDuration('30m', 'minutes-hours')).toBe(1_800_000_000_000n);
    expect(parseDuration('30s', 'minutes-hours')).toBeUndefined();
    expect(parseDuration('1h30m', 'minutes-hours')).toBe(parseDuration('90m'));
  });
  it("formats as Go's String()", () => {
    expect(formatDuration(parseDuration('90m')!)).toBe('1h30m0s');
    expect(formatDuration(parseDuration('1500ms')!)).toBe('1.5s');
    expect(formatDuration(0n)).toBe('0s');
  });
});
