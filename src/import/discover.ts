// import --all-accounts: every account the token can see, from Cloudflare's GET /accounts (page by page, 50 a
// page, the most the API gives). The answer is read as hostile: only well-formed ids are taken (any case, written
// in lowercase), a name only when it is text, and the paging ends when a page is empty, the last page
// (result_info.total_pages) is read, or a page brings no account not seen before (a server that repeats itself).

import type { CloudflareClient } from '../cloudflare/client.js';
import { isPlainObject } from '../resources/index.js';
import { idProblem, type ImportTarget } from './targets.js';

export const ACCOUNTS_PER_PAGE = 50;

export interface Discovered {
  accounts: ImportTarget[];
  /** Entries of the list that were not an account with a Cloudflare id, described (never their text). */
  ignored: number;
  pages: number;
}

export async function listAccounts(client: CloudflareClient): Promise<Discovered> {
  const seen = new Map<string, ImportTarget>();
  let ignored = 0;
  for (let page = 1; ; page++) {
    const answer = await client.get<unknown>(`/accounts?page=${page}&per_page=${ACCOUNTS_PER_PAGE}&direction=asc`);
    if (!Array.isArray(answer.result)) throw client.unexpectedResult('GET', '/accounts', answer.status, answer.result);
    let fresh = 0;
    for (const item of answer.result) {
      const id = isPlainObject(item) && typeof item.id === 'string' && !idProblem(item.id) ? item.id.toLowerCase() : undefined;
      if (id === undefined) {
        ignored++;
        continue;
      }
      if (seen.has(id)) continue;
      fresh++;
      seen.set(id, { scope: 'account', id, discovered: true, ...(typeof item.name === 'string' ? { name: item.name } : {}) });
    }
    const totalPages = isPlainObject(answer.resultInfo) && typeof answer.resultInfo.total_pages === 'number' ? answer.resultInfo.total_pages : undefined;
    if (answer.result.length === 0 || fresh === 0 || (totalPages !== undefined && page >= totalPages)) return { accounts: [...seen.values()], ignored, pages: page };
  }
}
