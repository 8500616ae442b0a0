import { describe, expect, it } from 'vitest';
import { formatDuration, isBeyondGoRange, MAX_DURATION_NANOS, parseDuration } from '../src/resources/duration.js';

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
  it("refuses what is beyond Go's int64 of nanoseconds, as time.ParseDuration does", () => {
    expect(parseDuration('2562047h47m16.854775807s')).toBe(MAX_DURATION_NANOS);
    expect(parseDuration('-2562047h47m16.854775808s')).toBe(-MAX_DURATION_NANOS - 1n);
    for (const tooLong of ['2562047h47m16.854775808s', '2562048h', '99999999999999999999h', '-2562047h47m16.854775809s', '153722867m17s']) {
      expect(parseDuration(tooLong)).toBeUndefined();
      expect(isBeyondGoRange(tooLong)).toBe(true);
    }
    expect(parseDuration('99999999999999999999m', 'minutes-hours')).toBeUndefined();
    expect(isBeyondGoRange('1d')).toBe(false);
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
