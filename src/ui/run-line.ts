/**
 * One watch run as one line: time, outcome, what changed, version, total, and the stale image while it
 * lasts. Pure: the clock and the colours come in.
 */
import type { Report } from '../report.js';
import type { Paint } from './colors.js';
import { planHeadline } from './plan.js';
import { seconds } from './seconds.js';

/** How a run's warning about image inputs starts; the watch line shows the lasting staleness instead. */
export const STALE_WARNING = 'the image is stale: rebuild it for';

/** The message of a run ended by Ctrl-C, `q` or SIGTERM before it touched the container. */
export const CANCELLED = 'cancelled';

export const isCancelled = (report: Report) => report.error?.message === CANCELLED;

/** `server/routes.go and 2 more`; empty when no file is named (the start-up run, a retry, `r`). */
export function changedSummary(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  return paths.length === 1 ? paths[0]! : `${paths[0]} and ${paths.length - 1} more`;
}

/** HH:MM:SS in local time. */
export const clock = (at: Date) => [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');

/** The outcome's mark and words. */
function outcome(report: Report, p: Paint): string {
  if (isCancelled(report)) return p.yellow('⊘ cancelled: the container still runs the old binary');
  const phase = report.error?.phase ? ` ${report.error.phase}` : '';
  switch (report.outcome) {
    case 'swapped': return p.green(`✓ swapped into ${report.container}`);
    case 'skipped': return p.dim(`skipped: ${report.plan?.reason ?? 'nothing to do'}`);
    case 'planned': return '';
    // The error line below says what failed and what to do.
    case 'rolled-back': return p.red(`✗ rolled back ${report.container} after${phase || ' a failure'}`);
    case 'failed': return p.red(`✗ failed${phase ? ` in${phase}` : ''}`);
  }
}

/** "the image is stale (CMakeLists.txt; docker build -t img .)" */
export function staleImageText(stale: NonNullable<Report['staleImage']>): string {
  const files = stale.files.slice(0, 3).join(', ') + (stale.files.length > 3 ? ', …' : '');
  return `the image is stale (${files}; ${stale.rebuild})`;
}

export function runLine(report: Report, changed: readonly string[], now: Date, p: Paint): string {
  // A dry run's line ends with the plan's headline: its files follow, one a line.
  if (report.outcome === 'planned') return `${p.dim(`${clock(now)} · `)}planned: ${report.plan ? planHeadline(report.plan) : ''}`;
  const parts = [p.dim(clock(now)), outcome(report, p)];
  const files = changedSummary(changed);
  if (files) parts.push(files);
  if (report.outcome === 'swapped') parts.push(report.version ?? report.sha256?.slice(0, 12) ?? '');
  parts.push(p.dim(seconds(report.totalMs)));
  if (report.staleImage) parts.push(p.yellow(`! ${staleImageText(report.staleImage)}`));
  return parts.filter(Boolean).join(p.dim(' · '));
}
