// yaml's syntax errors in ztsync's own words, for config and seed files alike: a message must say what to do,
// not which function of a library to call.

import type { YAMLError } from 'yaml';

const MESSAGES: Partial<Record<string, string>> = {
  MULTIPLE_DOCS: 'a second YAML document starts here (---): a file holds one document; split it into two files',
  TAB_AS_INDENT: 'a tab is used for indentation: YAML indents with spaces only',
  BLOCK_AS_IMPLICIT_KEY: 'a value cannot hold another "key: value" on the same line: put the nested key on its own line, indented, or quote the value',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line: check the indentation, and the colon after each key',
};

export function yamlSyntaxMessage(error: YAMLError): string {
  const known = MESSAGES[error.code];
  if (known) return known;
  if (/^All (?:mapping|collection) items must start at the same column/.test(error.message)) {
    return 'not lined up with the entries before it: indent it with as many spaces as they have';
  }
  if (/^Unexpected (?:scalar|flow-seq-end|flow-map-end) at node end/.test(error.message)) {
    return 'more text after a value on the same line: give each key a line of its own, or quote the whole value';
  }
  const reserved = /^Plain value cannot start with (?:reserved|directive indicator) character (.)/.exec(error.message);
  if (reserved) return `a value cannot start with ${reserved[1]} unless quoted: write it in quotes`;
  // yaml's own messages are otherwise plain enough ("Missing closing "quote"); only the first line, without the excerpt.
  return error.message.split('\n')[0];
}
