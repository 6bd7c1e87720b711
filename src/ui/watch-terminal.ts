/**
 * The watch terminal (stderr): one line per run (ui/run-line.ts), the containers' log lines prefixed
 * with their names, phases in detail only on failure or with --verbose, a live phase line on a TTY.
 * With --json every run's report goes to stdout as one JSON line (NDJSON).
 */
import type { PhaseName, Report } from '../report.js';
import { colorEnabled, paint, type Paint } from './colors.js';
import type { Progress } from './progress.js';
import { isCancelled, runLine, STALE_WARNING } from './run-line.js';
import { planFileLines } from './plan.js';
import { seconds } from './seconds.js';
import { errorLine, summaryLine } from './terminal.js';

export interface WatchTerminalOptions {
  readonly stream: NodeJS.WriteStream;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Where each run's report goes as NDJSON (--json); null for none. */
  readonly ndjson: NodeJS.WritableStream | null;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface WatchTerminal extends Progress {
  /** A run starts for these changed paths (empty for the start-up run, a retry or `r`). */
  runStarting(paths: readonly string[]): void;
  /** One line of a container's log, already prefixed with its name. */
  containerLine(line: string): void;
  /** Turns the container logs off or on; returns whether they are shown now. */
  toggleLogs(): boolean;
}

/** A dry run says what changed, its line, and the plan file by file, as `hotswap plan` prints it. */
function dryRun(report: Report, line: (text: string) => void, changed: readonly string[], p: Paint): void {
  if (changed.length) line(`  changed: ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ` (+${changed.length - 5})` : ''}`);
  line(runLine(report, changed, new Date(), p));
  if (report.plan) for (const planned of planFileLines(report.plan, '    ')) line(planned);
}

export function createWatchTerminal(options: WatchTerminalOptions): WatchTerminal {
  const { stream, quiet, verbose } = options;
  const tty = stream.isTTY === true;
  const p = paint(colorEnabled(tty, options.env ?? process.env));
  let live: (() => void) | null = null; // redraws the live phase line (TTY only)
  let ticker: NodeJS.Timeout | null = null;
  let changed: readonly string[] = [];
  let phases: string[] = [];
  let streamed = '';
  let logsShown = true;

  /** A whole line above the live phase line, which is drawn again below it. */
  const line = (text: string, always = false) => {
    if (quiet && !always) return;
    stream.write(`${tty && live ? '\r\x1b[2K' : ''}${text}\n`);
    live?.();
  };
  const stopLive = () => {
    if (ticker) clearInterval(ticker);
    if (tty && live) stream.write('\r\x1b[2K');
    ticker = null;
    live = null;
  };

  return {
    runStarting(paths) { changed = paths; phases = []; streamed = ''; },
    phaseStarted(phase: PhaseName, detail?: string) {
      if (!tty || quiet) return;
      const start = Date.now();
      stopLive();
      live = () => stream.write(`\r\x1b[2K  ${p.dim(`… ${phase} ${seconds(Date.now() - start)}${detail ? ` ${detail}` : ''}`)}`);
      live();
      ticker = setInterval(live, 100);
      ticker.unref();
    },
    phaseEnded(phase: PhaseName, ms: number, detail?: string) {
      const failed = detail === 'failed';
      phases.push(`${failed ? p.red(`✗ ${phase}`) : phase} ${seconds(ms)}`);
      if (verbose) line(`  ${failed ? p.red('✗') : p.green('✓')} ${phase} ${seconds(ms)}`);
    },
    info(message: string) { line(`  ${message}`); },
    warn(message: string) { line(p.yellow(`  ! ${message}`)); },
    output(text: string) {
      if (!text.trim()) return;
      if (verbose) {
        streamed += text;
        line(text.trimEnd());
      }
    },
    containerLine(text: string) { if (logsShown) line(text); },
    toggleLogs() { logsShown = !logsShown; return logsShown; },
    finished(report: Report) {
      stopLive();
      options.ndjson?.write(`${JSON.stringify(report)}\n`);
      for (const warning of report.warnings) if (!warning.startsWith(STALE_WARNING)) line(p.yellow(`  ! ${warning}`));
      const failed = (report.outcome === 'failed' || report.outcome === 'rolled-back') && !isCancelled(report);
      if (failed) {
        if (!verbose) line(p.dim(`  ${phases.join(' · ')}`), true);
        const details = report.error?.details?.trimEnd();
        if (details && !streamed.includes(details.split('\n')[0]!)) line(details, true);
      }
      if (report.outcome === 'planned') dryRun(report, line, changed, p);
      else line(runLine(report, changed, new Date(), p), failed);
      if (failed) line(errorLine(summaryLine(report).replace(/^✗ /, ''), report.error?.hint), true);
      changed = [];
    },
  };
}
