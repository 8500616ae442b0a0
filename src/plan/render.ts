import type { Plan } from './model.js';
import { renderMarkdown, type MarkdownOptions } from './render-markdown.js';
import { renderText } from './render-text.js';
import { visibleLines } from '../util/terminal.js';

export const PLAN_FORMATS = ['text', 'json', 'markdown'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** Every renderer reads the plan as it is; none recomputes anything. */
export function renderPlan(plan: Plan, format: PlanFormat, options: { color: boolean; markdown?: MarkdownOptions }): string {
  switch (format) {
    case 'json':
      // JSON escapes C0 controls but not C1 (U+0080–U+009F, CSI to some terminals), bidi or invisible characters:
      // those are escaped too, so a plan printed or `cat`ed is safe. Still JSON, the same values, the same checksum.
      // `##[` (an old-style workflow command, read anywhere in a log line) is written `#\u0023[`: the same JSON.
      return defuseJsonCommands(visibleLines(JSON.stringify(plan, null, 2))) + '\n';
    case 'markdown':
      return renderMarkdown(plan, options.markdown);
    case 'text':
      return renderText(plan, options);
  }
}

/**
 * JSON text with every `##[` inside its strings written `#\u0023[`: the same values, but no old-style workflow
 * command when the text is printed in a GitHub Actions log. (`#` occurs in JSON text only inside strings.)
 */
export function defuseJsonCommands(json: string): string {
  return json.replace(/##\[/g, '#\\u0023[');
}
