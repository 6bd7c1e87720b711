/**
 * Owns the timers of the watch loop. Changes go into a ChangeBatch; when it is due, one run starts. Runs
 * never overlap: p-debounce's `promise(…, {after: true})` queues exactly one trailing run for everything
 * that arrived meanwhile, and that run takes the whole batch at its start.
 */
import pDebounce from 'p-debounce';
import { ChangeBatch } from './batch.js';

export interface SchedulerOptions {
  readonly debounceMs: number;
  readonly maxWaitMs: number;
  /** Minimum time between the starts of two runs (groups restarts); 0 for none. */
  readonly minIntervalMs: number;
  /** One run over the changed paths (empty for a retry or the initial run). */
  readonly run: (paths: string[]) => Promise<void>;
  readonly now?: () => number;
}

export class Scheduler {
  private readonly batch = new ChangeBatch();
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastStart = -Infinity;
  private current: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly now: () => number;
  private readonly runSerial: () => Promise<void>;

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.runSerial = pDebounce.promise(() => this.runBatch(), { after: true });
  }

  /** Files changed: (re)arm the timer for the batch's due time. */
  add(paths: readonly string[]): void {
    if (this.stopped || paths.length === 0) return;
    this.batch.add(paths, this.now());
    this.arm();
  }

  /** Runs now (or right after the current run), with whatever is collected. */
  trigger(): Promise<void> {
    if (this.stopped) return this.current;
    this.current = this.runSerial();
    return this.current;
  }

  /** A run in `ms` (a retry after Docker or the container went away); replaces a retry already due. */
  retryIn(ms: number): void {
    if (this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.trigger();
    }, ms);
  }

  /** No new runs, no retries; resolves when the current run (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.timer, this.retryTimer]) if (timer) clearTimeout(timer);
    this.timer = this.retryTimer = null;
    await this.current.catch(() => undefined);
  }

  private arm(): void {
    const due = this.batch.dueAt(this.options.debounceMs, this.options.maxWaitMs);
    if (due === null) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.trigger();
    }, Math.max(0, due - this.now()));
  }

  private async runBatch(): Promise<void> {
    const wait = this.lastStart + this.options.minIntervalMs - this.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (this.stopped) return;
    this.lastStart = this.now();
    const paths = this.batch.take();
    if (this.timer) clearTimeout(this.timer); // this run covers everything collected so far
    this.timer = null;
    await this.options.run(paths);
  }
}
