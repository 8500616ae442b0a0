// A target's `description` from a live name (the organization's, else the account's): one clean line that the
// schema accepts and that every plan can show as it is.

/** The schema's cap on a target's description (src/config/schema.ts), in characters (code points, as JSON Schema counts). */
export const DESCRIPTION_MAX_LENGTH = 200;

const ELLIPSIS = '…';
/** Controls and line breaks become spaces; format characters (bidi controls, zero-width ones) and lone surrogates go. */
const BREAKS = /[\p{Cc}\p{Zl}\p{Zp}]/gu;
const INVISIBLE = /[\p{Cf}\p{Cs}]/gu;

/**
 * The description a live name gives, or undefined when it gives none (absent, not a string, or blank once
 * cleaned). Longer than the cap, it is cut between graphemes (never inside an emoji or before a combining
 * mark) and ends in "…", at most DESCRIPTION_MAX_LENGTH characters in all.
 */
export function descriptionFrom(name: unknown, max = DESCRIPTION_MAX_LENGTH): string | undefined {
  if (typeof name !== 'string') return undefined;
  const text = name.replace(INVISIBLE, '').replace(BREAKS, ' ').replace(/\s+/gu, ' ').trim();
  if (text === '') return undefined;
  if (codePoints(text) <= max) return text;
  let kept = '';
  let length = 0;
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) {
    const n = codePoints(segment);
    if (length + n + 1 > max) break;
    kept += segment;
    length += n;
  }
  return `${kept.trimEnd()}${ELLIPSIS}`;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
