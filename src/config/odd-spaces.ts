// Spaces YAML does not read as spaces (pasted from a web page, a chat or a word processor): invisible in an
// editor, they turn an indented key into a top-level one, or a key and its value into one string.

const NAMES: Record<string, string> = {
  '\u00a0': 'a no-break space (U+00A0)',
  '\u1680': 'an Ogham space mark (U+1680)',
  '\u2007': 'a figure space (U+2007)',
  '\u200b': 'a zero-width space (U+200B)',
  '\u202f': 'a narrow no-break space (U+202F)',
  '\u205f': 'a mathematical space (U+205F)',
  '\u3000': 'an ideographic space (U+3000)',
  '\ufeff': 'a zero-width no-break space (U+FEFF)',
};

const ZERO_WIDTH = new Set(['\u200b', '\ufeff']);
const ODD = '\\u00a0\\u1680\\u2000-\\u200b\\u202f\\u205f\\u3000\\ufeff';
export const ODD_SPACE = new RegExp(`[${ODD}]`);
/** In a line: an odd space in the indentation (group 1), or right after a colon or dash (group 2). */
export const ODD_SPACE_IN_STRUCTURE = new RegExp(`^[ ${ODD}]*?([${ODD}])|[:-]([${ODD}])`);

export function oddSpaceName(char: string): string {
  return NAMES[char] ?? `a typographic space (U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
}

/** A warning for a config value that holds such a space: kept as written, it looks like a space, or like nothing. */
export function oddSpaceAdvice(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.map(oddSpaceAdvice).find((advice) => advice !== undefined);
  const odd = typeof value === 'string' ? ODD_SPACE.exec(value) : null;
  if (!odd) return undefined;
  const fix = ZERO_WIDTH.has(odd[0]) ? 'remove it' : 'retype it as an ordinary space if a space was meant';
  return `${JSON.stringify(value)} holds ${oddSpaceName(odd[0])}, which is kept as written: ${fix}`;
}
