// Reading a markdown plan the way GitHub does (CommonMark + GFM tables, micromark), to check what it shows.
import type { Html, InlineCode, Nodes, Root, Table, Text } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmTableFromMarkdown } from 'mdast-util-gfm-table';
import { gfmTable } from 'micromark-extension-gfm-table';

export function parseMarkdown(markdown: string): Root {
  return fromMarkdown(markdown, { extensions: [gfmTable()], mdastExtensions: [gfmTableFromMarkdown()] });
}

export function nodesOf<T extends Nodes['type']>(tree: Nodes, type: T): Extract<Nodes, { type: T }>[] {
  const found: Nodes[] = [];
  const walk = (node: Nodes) => {
    if (node.type === type) found.push(node);
    if ('children' in node) for (const child of node.children) walk(child as Nodes);
  };
  walk(tree);
  return found as Extract<Nodes, { type: T }>[];
}

/** Each table as rows of cells, each cell the text it shows (code spans as their content). */
export function tables(tree: Root): string[][][] {
  return nodesOf(tree, 'table').map((table: Table) =>
    table.children.map((row) => row.children.map((cell) => cell.children.map((n) => ('value' in n ? (n as Text | InlineCode).value : '')).join(''))),
  );
}

/** HTML nodes with entities decoded: what GitHub shows as text in raw HTML. */
export function htmlTexts(tree: Root): string[] {
  return nodesOf(tree, 'html').map((n: Html) => decodeEntities(n.value));
}

/** Text a reader sees outside code spans: text nodes, and the text of raw HTML. */
export function proseTexts(tree: Root): string[] {
  const html = htmlTexts(tree).map((h) => h.replace(/<[^>]*>/g, ''));
  return [...nodesOf(tree, 'text').map((n) => n.value), ...html];
}

/** What GitHub would read as a mention: @name or @org/team after a non-word character. */
export const MENTION = /(?:^|[^\w`/])@[a-z0-9]/i;

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
