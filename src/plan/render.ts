import type { Plan } from './model.js';
import { renderMarkdown, type MarkdownOptions } from './render-markdown.js';
import { renderText } from './render-text.js';

export const PLAN_FORMATS = ['text', 'json', 'markdown'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** Every renderer reads the plan as it is; none recomputes anything. */
export function renderPlan(plan: Plan, format: PlanFormat, options: { color: boolean; markdown?: MarkdownOptions }): string {
  switch (format) {
    case 'json':
      return JSON.stringify(plan, null, 2) + '\n';
    case 'markdown':
      return renderMarkdown(plan, options.markdown);
    case 'text':
      return renderText(plan, options);
  }
}
