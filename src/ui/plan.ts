/** A plan as lines for a person: the verdict with why, then one line per changed file. */
import type { Plan } from '../report.js';

export function planHeadline(plan: Plan): string {
  const compared = plan.comparedWith === undefined ? '' : ` (compared with ${plan.comparedWith})`;
  return `${plan.rebuild ? 'rebuild' : 'no rebuild'}: ${plan.reason}${compared}`;
}

export const planFileLines = (plan: Plan, indent: string): string[] =>
  plan.files.map((file) => `${indent}${file.class.padEnd(7)} ${file.path}${file.why ? `  (${file.why})` : ''}`);
