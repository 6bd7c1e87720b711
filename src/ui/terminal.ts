/**
 * Human output on stderr (stdout stays clean for --json). On a TTY one live line per phase with its
 * elapsed time; otherwise plain lines. --quiet keeps errors only.
 */
import type { Phase } from '../phase.js';
import type { Report } from '../report.js';
import type { Progress } from './progress.js';
import { planFileLines, planHeadline } from './plan.js';
import { seconds } from './seconds.js';

export interface TerminalOptions {
  readonly stream: NodeJS.WriteStream;
  readonly quiet: boolean;
}


/** What went wrong on one line (`hotswap: …`), and what to do on a second one (`hint: …`), as gh and cargo say it. */
export function errorLine(message: string, hint?: string): string {
  return `hotswap: ${message}${hint ? `\nhint: ${hint}` : ''}`;
}

export function summaryLine(report: Report): string {
  const total = seconds(report.totalMs);
  switch (report.outcome) {
    case 'swapped':
      return `✓ swapped ${report.version ?? report.sha256?.slice(0, 12)}${report.revision ? ` from ${report.revision}` : ''} into ${report.container} in ${total}`;
    case 'skipped':
      return `· skipped: ${report.plan?.reason ?? 'nothing to do'} (${total})`;
    case 'planned':
      return `· planned: ${report.plan ? planHeadline(report.plan) : ''}`;
    case 'rolled-back':
      // No error: `hotswap rollback`, asked for, not a failed swap.
      if (!report.error) return `✓ rolled back ${report.container}${report.backup ? ` to ${report.backup}` : ''} (${total})`;
      return `✗ rolled back ${report.container} after ${report.error.phase ?? 'a failure'}: ${report.error.message} (${total})`;
    case 'failed':
      return `✗ failed${report.error?.phase ? ` (${report.error.phase})` : ''}: ${report.error?.message ?? ''} (${total})`;
  }
}

export function createTerminalProgress({ stream, quiet }: TerminalOptions): Progress {
  const tty = stream.isTTY === true;
  let ticker: NodeJS.Timeout | null = null;
  let streamed = ''; // output already shown this run (a container build streams its compiler errors live)
  const write = (text: string) => { if (!quiet) stream.write(text); };
  const stopTicker = () => { if (ticker) clearInterval(ticker); ticker = null; };

  return {
    phaseStarted(phase: Phase, detail?: string) {
      if (!tty || quiet) return;
      const start = Date.now();
      const draw = () => stream.write(`\r\x1b[2K  … ${phase} ${seconds(Date.now() - start)}${detail ? ` ${detail}` : ''}`);
      draw();
      stopTicker();
      ticker = setInterval(draw, 100);
      ticker.unref();
    },
    phaseEnded(phase: Phase, ms: number, detail?: string) {
      stopTicker();
      const mark = detail === 'failed' ? '✗' : '✓';
      write(tty ? `\r\x1b[2K  ${mark} ${phase} ${seconds(ms)}\n` : `  ${mark} ${phase} ${seconds(ms)}\n`);
    },
    info(message: string) { write(`  ${message}\n`); },
    warn(message: string) { write(`  ! ${message}\n`); },
    output(text: string) {
      if (!text.trim()) return;
      streamed += text;
      write(`${text.trimEnd()}\n`);
    },
    finished(report: Report) {
      stopTicker();
      const failed = report.outcome === 'failed' || report.outcome === 'rolled-back';
      for (const warning of report.warnings) write(`  ! ${warning}\n`);
      const details = report.error?.details?.trimEnd();
      const shown = !quiet && details !== undefined && streamed.includes(details.split('\n')[0]!);
      if (failed && details && !shown) stream.write(`${details}\n`);
      streamed = '';
      if (failed) {
        // The one line that says what failed and what to do, even with --quiet.
        stream.write(`${errorLine(summaryLine(report).replace(/^✗ /, ''), report.error?.hint)}\n`);
      } else {
        write(`${summaryLine(report)}\n`);
        // A dry run's plan file by file, as `hotswap plan` prints it.
        if (report.outcome === 'planned' && report.plan) for (const line of planFileLines(report.plan, '    ')) write(`${line}\n`);
      }
    },
  };
}
