/**
 * The watch loop: the only place that wires the stages together. Watcher → Scheduler →
 * pipeline (every target, in order; each one's plan decides) → notifier; Docker trouble is retried with
 * backoff; SIGINT/SIGTERM let the current run end.
 */
import type { Builders } from '../builders/builder.js';
import type { ResolvedConfig } from '../config/types.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { Notifier } from '../notify/index.js';
import type { Phase } from '../phase.js';
import type { Report } from '../report.js';
import type { CheckedTargets, TargetRun } from '../pipeline/inputs.js';
import { speculate } from '../pipeline/speculate.js';
import { runTarget } from '../pipeline/targets.js';
import { lastBuiltOf, readState } from '../state/store.js';
import { stoppedFromOutside } from '../swap/either-way.js';
import { buildDrift } from '../swap/restore.js';
import type { Engine } from '../docker/client.js';
import { changedSummary, isCancelled } from '../ui/run-line.js';
import type { WatchTerminal } from '../ui/watch-terminal.js';
import { detectSlowMount } from '../watch/mounts.js';
import { startWatcher } from '../watch/watcher.js';
import { Backoff } from './backoff.js';
import { acquireLock, markReady } from './lock.js';
import { Scheduler } from './scheduler.js';
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


/** Does the target's container already run what its last build produced from the current sources? */
async function upToDate(opts: DaemonOptions, run: TargetRun): Promise<boolean> {
  const lastBuilt = lastBuiltOf(await readState(opts.config.repo), run.name);
  const { target } = run.config;
  return lastBuilt !== null && (await buildDrift(opts.engine.container(target.container), target.binaryPath, lastBuilt.sha256)) === null;
}

/** A failure in these says nothing about the container: a retry would fail the same way. */
const SOURCE_PHASES: ReadonlySet<Phase> = new Set(['config', 'plan', 'build']);
/**
 * Phases before the new binary runs: a container found stopped after a failure in one of them was stopped
 * under the swap (an engine shutting down), not by the new binary. After `health` or `rollback`, a stopped
 * container is what a crashing binary leaves (retrying would only crash it again), unless the engine's
 * events say it was stopped from outside (stoppedFromOutside): then the swap, not rolled back, is retried.
 */
const BEFORE_GOING_LIVE: ReadonlySet<Phase> = new Set(['detect', 'docker', 'copy', 'verify', 'restart']);

/** How long a failed swap's container is watched for a removal or stop in flight (the kill comes first). */
const SETTLE_MS = 1000;
const SETTLE_POLL_MS = 150;

/**
 * Why a failed run is worth retrying although it did not exit 3: its container was removed or stopped, or
 * Docker stopped answering, in the middle of the swap (the upload or the install exec then fail with exit 1).
 * The retry recreates the container from `target.image` (or starts it) and swaps the same change. null when
 * the container still runs: a failure of the swap itself is not retried (it would only fail again).
 */
async function lostTarget(opts: DaemonOptions, run: TargetRun, report: Report): Promise<string | null> {
  const phase = report.error?.phase;
  // Docker's and the swap's errors all name their phase; one without is git's or the file system's.
  if (report.outcome !== 'failed' || !phase || SOURCE_PHASES.has(phase)) return null;
  const name = run.config.target.container;
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const state = await opts.engine.container(name).inspect().then((s) => s, () => 'unreachable' as const);
    if (state === 'unreachable') return 'Docker stopped answering during the run';
    if (state === null || state.status === 'removing' || state.status === 'dead') return `container ${name} was removed during the run`;
    if (!state.running || state.restarting) {
      const cutOff = BEFORE_GOING_LIVE.has(phase) || (await stoppedFromOutside(opts.engine.container(name)));
      return cutOff ? `container ${name} was stopped during the run` : null;
    }
    // Still "running" while the engine has not yet seen the kill of a removal or a shutdown: look again, briefly.
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

interface RunContext {
  /** Targets whose next run swaps even if the plan finds no change (out of date, or `r`). */
  readonly force: Set<string>;
  readonly backoff: Backoff;
  readonly signal: AbortSignal;
}

/** One target's run; false when Docker or its container is gone (retried later). */
async function runOneTarget(opts: DaemonOptions, run: TargetRun, { force, backoff, signal }: RunContext): Promise<boolean> {
  const { progress, log } = opts;
  const { report, error } = await runTarget(opts.targets, run, {
    engine: opts.engine, builders: opts.builders, trigger: 'watch', ifChanged: !force.has(run.name), dryRun: opts.dryRun, progress, log, signal,
  });
  if (!isCancelled(report)) await opts.notifier.notify(report);
  const lost = error?.exitCode === 3 ? error.message : await lostTarget(opts, run, report);
  if (lost) {
    progress.warn(`${lost}; retrying in ${backoff.current / 1000} s`);
    return false;
  }
  if (report.outcome !== 'failed') force.delete(run.name);
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

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const { config, log, progress } = opts;
  const lock = await acquireLock(config.repo);
  const force = new Set<string>(); // targets whose next run swaps even if the plan finds no change (out of date)
  const backoff = new Backoff();
  let retry: NodeJS.Timeout | null = null;
  const cancel = new AbortController(); // Ctrl-C or q: a build in progress stops

  const runOne = (run: TargetRun) => runOneTarget(opts, run, { force, backoff, signal: cancel.signal });

  const runOnce = async (paths: string[]) => {
    progress.runStarting(paths);
    let ok = true;
    for (const run of opts.targets.runs) ok = (await runOne(run)) && ok;
    if (!ok) {
      // Keep the change pending and try again later: the targets already done find nothing new then.
      retry = setTimeout(() => void scheduler.trigger(), backoff.failed());
      return;
    }
    backoff.succeeded();
  };

  const scheduler = new Scheduler({
    debounceMs: config.watch.debounceMs, maxWaitMs: config.watch.maxWaitMs,
    minIntervalMs: config.watch.minRestartIntervalMs, run: runOnce,
  });
  const gate = new PauseGate((paths) => scheduler.add(paths), (paths) => progress.info(`paused: ${changedSummary(paths)} waits for p`));
  const watcher = await watchSources(opts, (paths) => { speculate(opts); gate.offer(paths); }); // the build starts at the first edit
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
    for (const run of opts.targets.runs) if (!opts.dryRun && !(await upToDate(opts, run))) force.add(run.name);
    void scheduler.trigger();
  }

  await stopped;
  if (retry) clearTimeout(retry);
  await watcher.close().catch((e) => log.warn({ err: messageOf(e) }, 'closing the watcher'));
  await scheduler.stop();
  await session.close();
  await lock.release();
  await opts.targets.close();
  log.info('stopped');
  return 0;
}
