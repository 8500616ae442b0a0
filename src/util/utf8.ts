// Config and seed files must be UTF-8: a bad byte would otherwise be decoded to U+FFFD and sent to the API.

export type Decoded = { text: string } | { error: string; line: number; col: number };

const UTF16_BOMS = [Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff])];

/** The text of a UTF-8 file, or where its first byte that is not UTF-8 is (1-based line and column). */
export function decodeUtf8(file: Buffer): Decoded {
  // A byte order mark is not text: left in, it would count as a column of line 1 in every position reported.
  const bom = file[0] === 0xef && file[1] === 0xbb && file[2] === 0xbf ? 3 : 0;
  const bytes = file.subarray(bom);
  // A lenient decode maps each bad sequence to U+FFFD; the first U+FFFD not written as such (EF BF BD) is the bad byte.
  const text = bytes.toString('utf8');
  let byteOffset = 0;
  let charOffset = 0;
  for (let at = text.indexOf('\uFFFD'); at !== -1; at = text.indexOf('\uFFFD', at + 1)) {
    byteOffset += Buffer.byteLength(text.slice(charOffset, at));
    charOffset = at;
    if (bytes[byteOffset] === 0xef && bytes[byteOffset + 1] === 0xbf && bytes[byteOffset + 2] === 0xbd) continue;
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const col = at - before.lastIndexOf('\n');
    const hex = `0x${bytes[byteOffset].toString(16).padStart(2, '0')}`;
    const utf16 = UTF16_BOMS.some((bom) => bytes.subarray(0, 2).equals(bom));
    const error = utf16
      ? 'not UTF-8: the file looks like UTF-16; save it as UTF-8'
      : `not UTF-8: byte ${hex} at byte offset ${bom + byteOffset} is not valid UTF-8; save the file as UTF-8`;
    return { error, line, col };
  }
  return { text };
}
