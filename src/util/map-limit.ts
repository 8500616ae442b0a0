/**
 * Map over items with at most `limit` calls in flight, keeping the input order in the result. Once `signal` is
 * aborted no new call starts (those in flight finish); the items never started are left out of the result.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return signal?.aborted ? results.filter((_, index) => index in results) : results;
}
