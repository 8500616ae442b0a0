/**
 * Map over items with at most `limit` calls in flight, keeping the input order in the result. Once `signal` is
 * aborted no new call starts (those in flight finish); the items never started are left out of the result.
 *
 * Every call that started settles before this does: when one throws, no new call starts, the others in flight run
 * to their end (a write is never abandoned halfway), and then the first error is thrown. (Hand-written rather
 * than p-map: p-map rejects as soon as one call throws, which is exactly what must not happen to writes in flight.)
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !signal?.aborted && !failure) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return signal?.aborted ? results.filter((_, index) => index in results) : results;
}
