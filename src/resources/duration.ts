// Go durations (time.ParseDuration): "300ms", "2h45m", "1.5h", "0". Parsed to exact nanoseconds as a
// bigint, because 8760h in nanoseconds is beyond Number.MAX_SAFE_INTEGER.

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 MICRO SIGN
  'μs': 1_000n, // U+03BC GREEK SMALL LETTER MU
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Which units a field accepts: all of Go's, or minutes and hours only. */
export type DurationUnits = 'go' | 'minutes-hours';

const MINUTES_HOURS = new Set(['m', 'h']);
const SEGMENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Go's time.Duration is an int64 of nanoseconds: ParseDuration refuses anything longer than this (2562047h47m16.854775807s). */
export const MAX_DURATION_NANOS = 2n ** 63n - 1n;
/** …and, negative, anything beyond -2562047h47m16.854775808s. */
const MIN_DURATION_NANOS = -(2n ** 63n);
export const MAX_DURATION_TEXT = '2562047h47m16.854775807s';

/**
 * Durations already parsed, per units: a fleet's config repeats a handful of them thousands of times, and each is
 * parsed by the validator (twice more for its bounds) and by the diff, in BigInt arithmetic. Bounded, since the
 * emulator parses what requests send.
 */
const PARSED: Record<DurationUnits, Map<string, bigint | undefined>> = { go: new Map(), 'minutes-hours': new Map() };
const MEMO_SIZE = 1024;

/**
 * Nanoseconds, or undefined when the text is not a Go duration (with the given units) or is out of Go's range,
 * so that every duration field, in the validator and in the emulator, refuses what Go's ParseDuration refuses.
 */
export function parseDuration(text: string, units: DurationUnits = 'go'): bigint | undefined {
  const memo = PARSED[units];
  if (memo.has(text)) return memo.get(text);
  const nanos = parseUnbounded(text, units);
  const result = nanos !== undefined && nanos >= MIN_DURATION_NANOS && nanos <= MAX_DURATION_NANOS ? nanos : undefined;
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.set(text, result);
  return result;
}

/** Whether the text is a well-formed duration that is only too long for Go (for a message that says so). */
export function isBeyondGoRange(text: string, units: DurationUnits = 'go'): boolean {
  return parseUnbounded(text, units) !== undefined && parseDuration(text, units) === undefined;
}

function parseUnbounded(text: string, units: DurationUnits): bigint | undefined {
  if (typeof text !== 'string') return undefined;
  let rest = text;
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  SEGMENT.lastIndex = 0;
  let pos = 0;
  while (pos < rest.length) {
    SEGMENT.lastIndex = pos;
    const m = SEGMENT.exec(rest);
    if (!m) return undefined;
    const [, number, unit] = m;
    if (units === 'minutes-hours' && !MINUTES_HOURS.has(unit)) return undefined;
    total += scaled(number, UNIT_NANOS[unit]);
    pos = SEGMENT.lastIndex;
  }
  return sign * total;
}

/** number × scale, exactly, for a decimal number string such as "1.5" or ".25" (sub-nanosecond digits are dropped, as Go does). */
function scaled(number: string, scale: bigint): bigint {
  const [whole, fraction = ''] = number.split('.');
  const wholePart = BigInt(whole || '0') * scale;
  if (!fraction) return wholePart;
  const denominator = 10n ** BigInt(fraction.length);
  return wholePart + (BigInt(fraction) * scale) / denominator;
}

/** Go's canonical spelling (time.Duration.String), for messages: 90m → "1h30m0s". */
export function formatDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const negative = nanos < 0n;
  let n = negative ? -nanos : nanos;
  let out: string;
  if (n < UNIT_NANOS.s) {
    const [unit, size] = n < UNIT_NANOS.us ? ['ns', 1n] : n < UNIT_NANOS.ms ? ['µs', UNIT_NANOS.us] : ['ms', UNIT_NANOS.ms];
    out = decimal(n, size) + unit;
  } else {
    const h = n / UNIT_NANOS.h;
    n %= UNIT_NANOS.h;
    const m = n / UNIT_NANOS.m;
    n %= UNIT_NANOS.m;
    out = (h ? `${h}h` : '') + (h || m ? `${m}m` : '') + decimal(n, UNIT_NANOS.s) + 's';
  }
  return negative ? '-' + out : out;
}

function decimal(n: bigint, size: bigint): string {
  const whole = n / size;
  const rest = n % size;
  if (rest === 0n) return String(whole);
  const digits = String(size).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
