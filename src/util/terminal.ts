// Text from outside ztsync (config strings, file names, API answers) shown to a person: every character a
// terminal would act on, or that hides or reorders what is shown, is written as an escape instead. A pull
// request or a server could otherwise clear the screen, move the cursor up over earlier plan lines, retitle
// the window, or reverse text with bidi controls ("Trojan Source") in front of the person reviewing it.

/**
 * Control characters (C0, DEL, C1: U+0080–U+009F, which some terminals read as CSI), format characters (bidi
 * embeddings, overrides and isolates, zero-width characters, the BOM, soft hyphen, tag characters), line and
 * paragraph separators, and lone surrogates.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
const UNSAFE_BUT_NEWLINE = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

const SHORT: Partial<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * JSON's spelling: `\n`, `\r`, `\t`, else `\u` and four hex digits per UTF-16 unit (a surrogate pair for a
 * character beyond U+FFFF). So text that is JSON stays JSON, with the same meaning.
 */
function escape(char: string): string {
  return SHORT[char] ?? [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
}

/** Text shown on one line (a description, an id, a value, an error message): newlines are escaped too. */
export function visible(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** Text of several lines (what reaches stderr): as `visible`, but the newlines stay newlines. */
export function visibleLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escape);
}
