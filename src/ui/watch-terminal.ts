/**
 * The watch terminal (stderr): one line per run (ui/run-line.ts), the containers' log lines prefixed
 * with their names, phases in detail only on failure or with --verbose, a live phase line on a TTY.
 * With --json every run's report goes to stdout as one JSON line (NDJSON).
 */
import type { Phase } from '../phase.js';
import type { Report } from '../report.js';
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

export const createWatchTerminal = (options: WatchTerminalOptions): WatchTerminal => new Renderer(options);

class Renderer implements WatchTerminal {
  private readonly tty: boolean;
  private readonly p: Paint;
  private live: (() => void) | null = null; // redraws the live phase line (TTY only)
  private ticker: NodeJS.Timeout | null = null;
  private changed: readonly string[] = [];
  private phases: string[] = [];
  private streamed = '';
  private logsShown = true;

  constructor(private readonly options: WatchTerminalOptions) {
    this.tty = options.stream.isTTY === true;
    this.p = paint(colorEnabled(this.tty, options.env ?? process.env));
  }

  /** A whole line above the live phase line, which is drawn again below it. */
  private line = (text: string, always = false) => {
    if (this.options.quiet && !always) return;
    this.options.stream.write(`${this.tty && this.live ? '\r\x1b[2K' : ''}${text}\n`);
    this.live?.();
  };

  private stopLive() {
    if (this.ticker) clearInterval(this.ticker);
    if (this.tty && this.live) this.options.stream.write('\r\x1b[2K');
    this.ticker = null;
    this.live = null;
  }

  runStarting(paths: readonly string[]) {
    this.changed = paths;
    this.phases = [];
    this.streamed = '';
  }

  phaseStarted(phase: Phase, detail?: string) {
    if (!this.tty || this.options.quiet) return;
    const start = Date.now();
    this.stopLive();
    this.live = () => this.options.stream.write(`\r\x1b[2K  ${this.p.dim(`… ${phase} ${seconds(Date.now() - start)}${detail ? ` ${detail}` : ''}`)}`);
    this.live();
    this.ticker = setInterval(this.live, 100);
    this.ticker.unref();
  }

  phaseEnded(phase: Phase, ms: number, detail?: string) {
    const failed = detail === 'failed';
    const p = this.p;
    this.phases.push(`${failed ? p.red(`✗ ${phase}`) : phase} ${seconds(ms)}`);
    if (this.options.verbose) this.line(`  ${failed ? p.red('✗') : p.green('✓')} ${phase} ${seconds(ms)}`);
  }

  info(message: string) { this.line(`  ${message}`); }
  warn(message: string) { this.line(this.p.yellow(`  ! ${message}`)); }

  output(text: string) {
    if (!text.trim() || !this.options.verbose) return;
    this.streamed += text;
    this.line(text.trimEnd());
  }

  containerLine(text: string) { if (this.logsShown) this.line(text); }
  toggleLogs() { this.logsShown = !this.logsShown; return this.logsShown; }

  finished(report: Report) {
    this.stopLive();
    this.options.ndjson?.write(`${JSON.stringify(report)}\n`);
    for (const warning of report.warnings) if (!warning.startsWith(STALE_WARNING)) this.warn(warning);
    const failed = (report.outcome === 'failed' || report.outcome === 'rolled-back') && !isCancelled(report);
    if (failed) this.failureDetails(report);
    if (report.outcome === 'planned') dryRun(report, this.line, this.changed, this.p);
    else this.line(runLine(report, this.changed, new Date(), this.p), failed);
    if (failed) this.line(errorLine(summaryLine(report).replace(/^✗ /, ''), report.error?.hint), true);
    this.changed = [];
  }

  /** The phases and the compiler output not shown yet, even with --quiet. */
  private failureDetails(report: Report) {
    if (!this.options.verbose) this.line(this.p.dim(`  ${this.phases.join(' · ')}`), true);
    const details = report.error?.details?.trimEnd();
    if (details && !this.streamed.includes(details.split('\n')[0]!)) this.line(details, true);
  }
}
