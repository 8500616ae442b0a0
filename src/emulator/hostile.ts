// What a parsed JSON body may hold before any field is looked at: bounded nesting, well-formed text, finite numbers.
// Checked once, without recursion, so that no body (100,000 nested arrays, lone surrogates, 1e400) reaches code
// that could overflow the stack or store text that cannot be written back out as UTF-8.

/** Organization bodies nest 3 deep (body → group → list); anything near this is not a request for this API. */
export const MAX_BODY_DEPTH = 20;

/** Why a parsed body is refused, or undefined. */
export function hostileBodyProblem(body: unknown): string | undefined {
  const stack: [unknown, number][] = [[body, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return problem;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return 'the request body holds a number out of range';
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_BODY_DEPTH) return `the request body is nested more than ${MAX_BODY_DEPTH} levels deep`;
      if (Array.isArray(value)) for (const item of value) stack.push([item, depth + 1]);
      else
        for (const [key, item] of Object.entries(value)) {
          const problem = textProblem(key);
          if (problem) return problem;
          stack.push([item, depth + 1]);
        }
    }
  }
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'the request body holds text that is not valid Unicode (a lone surrogate)';
  if (text.includes('\u0000')) return 'the request body holds a NUL character';
  return undefined;
}
