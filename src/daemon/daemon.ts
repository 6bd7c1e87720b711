/**
 * The watch loop: the only place that wires the stages together. Watcher → Scheduler →
 * pipeline (every target, in order; each one's plan decides) → notifier; Docker trouble is retried with
 * backoff (retry.ts decides); `hotswap swap` is answered over `.hotswap/daemon.sock` (one-shot.ts), inside
 * the scheduler's runs; SIGINT/SIGTERM let the current run end.
 */
import type { Builders } from '../builders/builder.js';
import type { ResolvedConfig } from '../config/types.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { Notifier } from '../notify/index.js';
import type { CheckedTargets, TargetRun } from '../pipeline/inputs.js';
import { Speculation } from '../pipeline/speculate.js';
import { runTarget } from '../pipeline/targets.js';
import { containerAfterFailure, upToDate } from '../pipeline/freshness.js';
import type { Engine } from '../docker/client.js';
import { changedSummary, isCancelled } from '../ui/run-line.js';
import type { WatchTerminal } from '../ui/watch-terminal.js';
import { detectSlowMount } from '../watch/mounts.js';
import { startWatcher } from '../watch/watcher.js';
import { Backoff } from './backoff.js';
import { acquireLock, markReady } from './lock.js';
import { OneShots } from './one-shot.js';
import { needsContainerLook, retryVerdict } from './retry.js';
import { Scheduler } from './scheduler.js';
import { listenForOneShots } from './socket-server.js';
import { PauseGate, startTerminalSession } from './terminal-session.js';

export interface DaemonOptions {
  readonly config: ResolvedConfig;
  readonly engine: Engine;
  readonly builders: Builders;
  readonly log: Logger;
  readonly progress: WatchTerminal;
  readonly notifier: Notifier;
  readonly targets: CheckedTargets;
  readonly dryRun: boolean;
  readonly initial: boolean;
}


interface RunContext {
  /** Targets whose next run swaps even if the plan finds no change (out of date, or `r`). */
  readonly force: Set<string>;
  readonly backoff: Backoff;
  readonly signal: AbortSignal;
  /** The work tree's snapshot for a batch of file events: the speculation's (speculate.ts); else the run makes its own. */
  readonly snapshot?: () => Promise<string>;
}

/** One target's run; false when Docker or its container is gone (retried later). */
async function runOneTarget(opts: DaemonOptions, run: TargetRun, { force, backoff, signal, snapshot }: RunContext): Promise<boolean> {
  const { progress, log } = opts;
  const { report, error } = await runTarget(opts.targets, run, {
    engine: opts.engine, builders: opts.builders, trigger: 'watch', ifChanged: !force.has(run.name), dryRun: opts.dryRun, progress, log, signal,
    ...(snapshot ? { snapshot } : {}),
  });
  if (!isCancelled(report)) await opts.notifier.notify(report);
  const outcome = { report, error };
  const seen = needsContainerLook(outcome) ? await containerAfterFailure(opts.engine, run.config.target.container) : null;
  const verdict = retryVerdict(outcome, seen);
  if (verdict.action === 'retry') {
    progress.warn(`${verdict.reason}; retrying in ${backoff.current / 1000} s`);
    return false;
  }
  if (verdict.action === 'done') force.delete(run.name);
  return true;
}

/** Ready: `watch --detach` returns, and the terminal and the log say so. */
async function announceReady({ config, progress, log, dryRun }: DaemonOptions): Promise<void> {
  await markReady(config.repo);
  progress.info(`watching ${config.repo} (pid ${process.pid}${dryRun ? ', dry run' : ''})`);
  log.info({ pid: process.pid, repo: config.repo }, 'watching');
}

/** The watcher over the configured paths, with a hint when the mount is one inotify cannot see. */
async function watchSources(opts: DaemonOptions, onChange: (paths: string[]) => void) {
  const { config, log, progress } = opts;
  const watcher = await startWatcher({
    repo: config.repo, paths: config.watch.paths, ignore: config.watch.ignore, poll: config.watch.poll, log, onChange,
    onError: (error) => progress.warn(`watching: ${error.message}${error.hint ? ` (${error.hint})` : ''}`),
  });
  const slow = config.watch.poll ? null : detectSlowMount(config.repo);
  if (slow) progress.warn(`${slow}; set "watch": {"poll": true} if edits go unnoticed`);
  return watcher;
}

/** SIGINT, SIGTERM, SIGHUP (its terminal closed) or `q`: cancel a build in progress, then stop, once. */
function onShutdown(cancel: AbortController, progress: WatchTerminal) {
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const shutdown = (why: string) => {
    if (cancel.signal.aborted) return;
    progress.info(`${why}: stopping (a build in progress is cancelled, a swap in progress finishes)`);
    cancel.abort();
    resolveStopped();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => shutdown(signal));
  return { stopped, shutdown };
}

/** `hotswap swap` answered here (one-shot.ts) over `.hotswap/daemon.sock`; not by a dry run, which swaps nothing. */
async function serveOneShots(opts: DaemonOptions, signal: AbortSignal, wake: () => void) {
  const oneShots = new OneShots({ ...opts, signal }, wake);
  const server = opts.dryRun ? null : await listenForOneShots(opts.config.repo, (request, socket) => oneShots.accept(request, socket))
    .catch((e: unknown) => void opts.progress.warn(`\`hotswap swap\` runs in its own process: no socket for it (${messageOf(e)})`));
  return { queue: oneShots, close: () => server?.close() };
}

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const { config, log, progress } = opts;
  const lock = await acquireLock(config.repo);
  const force = new Set<string>(); // targets whose next run swaps even if the plan finds no change (out of date)
  const backoff = new Backoff();
  const cancel = new AbortController(); // Ctrl-C or q: a build in progress stops
  const oneShots = await serveOneShots(opts, cancel.signal, () => void scheduler.trigger());
  const speculation = new Speculation(opts);

  const runOnce = async (paths: string[]) => {
    let allWent = true; // one-shots that went through cover a retry or an `r` as well
    const served = await oneShots.queue.serveQueued((run, { report }) => {
      if (report.outcome === 'failed') allWent = false;
      else force.delete(run.name);
    });
    if (served > 0 && allWent && paths.length === 0 && force.size === 0) return;
    progress.runStarting(paths);
    // A batch of edits takes the speculation's snapshot; `r`, a retry or the start-up run snapshots afresh.
    const context = { force, backoff, signal: cancel.signal, ...(paths.length > 0 ? { snapshot: speculation.snapshot } : {}) };
    let ok = true;
    for (const run of opts.targets.runs) ok = (await runOneTarget(opts, run, context)) && ok;
    // Keep the change pending and try again later: the targets already done find nothing new then.
    if (ok) backoff.succeeded();
    else scheduler.retryIn(backoff.failed());
  };

  const scheduler = new Scheduler({
    debounceMs: config.watch.debounceMs, maxWaitMs: config.watch.maxWaitMs,
    minIntervalMs: config.watch.minRestartIntervalMs, run: runOnce,
  });
  const gate = new PauseGate((paths) => scheduler.add(paths), (paths) => progress.info(`paused: ${changedSummary(paths)} waits for p`));
  const watcher = await watchSources(opts, (paths) => { speculation.changed(paths); gate.offer(paths); }); // the build starts at the first edit
  const { stopped, shutdown } = onShutdown(cancel, progress);

  const containers = opts.dryRun ? [] : opts.targets.runs.map((run) => opts.engine.container(run.config.target.container));
  const session = startTerminalSession(containers, progress, gate, {
    swapNow: () => {
      for (const run of opts.targets.runs) force.add(run.name);
      void scheduler.trigger();
    },
    quit: () => shutdown('q'),
  });
  await announceReady(opts);
  if (opts.initial) {
    for (const run of opts.targets.runs) if (!opts.dryRun && !(await upToDate(opts.engine, run))) force.add(run.name);
    void scheduler.trigger();
  }

  await stopped;
  oneShots.close(); // no new one-shots; those queued are handed back below
  await watcher.close().catch((e) => log.warn({ err: messageOf(e) }, 'closing the watcher'));
  await scheduler.stop();
  oneShots.queue.refuseAll('the watch daemon stopped before running it');
  await session.close();
  await lock.release();
  await opts.targets.close();
  log.info('stopped');
  return 0;
}
