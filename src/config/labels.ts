// Labels and selectors. A target may carry labels (`env: prod`); a selector is a map of labels that must all
// match. Selectors choose targets wherever targets are chosen: --select, scoped defaults and allow entries.

/** A target's labels, or a selector: label keys to values, all strings. */
export type Labels = Readonly<Record<string, string>>;

/** Label keys: letters and digits, with - _ . / inside (as Kubernetes labels), at most 63 characters. */
export const LABEL_KEY_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9_./-]{0,61}[A-Za-z0-9])?$';
/** Label values: the same, without /; never empty (a selector that matches "no value" would read as a typo). */
export const LABEL_VALUE_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$';
/** More labels than this on one target, or in one selector, is refused by the schema. */
export const MAX_LABELS = 32;

/** Whether labels carry every key of the selector with its value (an empty selector matches every target). */
export function matchesSelector(labels: Labels | undefined, selector: Labels): boolean {
  for (const [key, value] of Object.entries(selector)) if (labels?.[key] !== value) return false;
  return true;
}

/** "env=prod,region=eu": a selector as --select takes it and messages name it (keys sorted). */
export function describeSelector(selector: Labels): string {
  return Object.keys(selector)
    .sort()
    .map((key) => `${key}=${selector[key]}`)
    .join(',');
}

/** A selector as written in YAML, or undefined when it is not a mapping of strings (the schema says so). */
export function readLabels(value: unknown): Labels | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.every(([, v]) => typeof v === 'string')) return undefined;
  return Object.fromEntries(entries) as Labels;
}
