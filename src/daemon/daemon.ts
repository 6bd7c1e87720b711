/**
 * The watch loop: the only place that wires the stages together (STYLE §2). Watcher → Scheduler →
 * pipeline → notifier; Docker trouble is retried with backoff; SIGINT/SIGTERM let the current run end.
 */
import type { ResolvedConfig } from '../config/types.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { Notifier } from '../notify/index.js';
import { runPipeline, type checkInputs } from '../pipeline/run.js';
import { readState } from '../state/store.js';
import { hashInContainer } from '../swap/restore.js';
import type { Engine } from '../target/client.js';
import type { Progress } from '../ui/progress.js';
import { detectSlowMount } from '../watch/mounts.js';
import { startWatcher } from '../watch/watcher.js';
import { acquireLock, markReady } from './lock.js';
import { Scheduler } from './scheduler.js';

export interface DaemonOptions {
  readonly config: ResolvedConfig;
  readonly engine: Engine;
  readonly log: Logger;
  readonly progress: Progress;
  readonly notifier: Notifier;
  readonly inputs: Awaited<ReturnType<typeof checkInputs>>;
  readonly dryRun: boolean;
  readonly initial: boolean;
}

const MAX_BACKOFF_MS = 30_000;

/** Does the container already run what the last build produced from the current sources? */
async function upToDate(opts: DaemonOptions): Promise<boolean> {
  const { lastBuilt } = await readState(opts.config.repo);
  if (!lastBuilt) return false;
  try {
    const container = opts.engine.container(opts.config.target.container);
    return (await hashInContainer(container, opts.config.target.binaryPath)) === lastBuilt.sha256;
  } catch {
    return false;
  }
}

export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const { config, log, progress } = opts;
  const lock = await acquireLock(config.repo);
  let force = false; // the next run swaps even if the plan finds no change (container out of date)
  let backoffMs = 1000;
  let retry: NodeJS.Timeout | null = null;

  const runOnce = async (paths: string[]) => {
    if (paths.length) progress.info(`changed: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` (+${paths.length - 5})` : ''}`);
    const { report, error } = await runPipeline({
      config, engine: opts.engine, trigger: 'watch', ifChanged: !force, dryRun: opts.dryRun, progress, log,
    }, opts.inputs);
    await opts.notifier.notify(report);
    if (error?.exitCode === 3) {
      // Docker gone or the container missing: keep the change pending and try again later.
      progress.warn(`${error.message}; retrying in ${backoffMs / 1000} s`);
      retry = setTimeout(() => void scheduler.trigger(), backoffMs);
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      return;
    }
    backoffMs = 1000;
    if (report.outcome !== 'failed') force = false;
  };

  const scheduler = new Scheduler({
    debounceMs: config.watch.debounceMs, maxWaitMs: config.watch.maxWaitMs,
    minIntervalMs: config.watch.minRestartIntervalMs, run: runOnce,
  });
  const watcher = await startWatcher({
    repo: config.repo, paths: config.watch.paths, ignore: config.watch.ignore, poll: config.watch.poll, log,
    onChange: (paths) => scheduler.add(paths),
    onError: (error) => progress.warn(`watching: ${error.message}${error.hint ? ` (${error.hint})` : ''}`),
  });
  const slow = config.watch.poll ? null : detectSlowMount(config.repo);
  if (slow) progress.warn(`${slow}; set "watch": {"poll": true} if edits go unnoticed`);

  const stopped = new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      progress.info(`${signal}: finishing the current step, then stopping`);
      resolve();
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });

  await markReady(config.repo);
  progress.info(`watching ${config.repo} (pid ${process.pid}${opts.dryRun ? ', dry run' : ''})`);
  log.info({ pid: process.pid, repo: config.repo }, 'watching');
  if (opts.initial) {
    force = opts.dryRun ? false : !(await upToDate(opts));
    void scheduler.trigger();
  }

  await stopped;
  if (retry) clearTimeout(retry);
  await watcher.close().catch((e) => log.warn({ err: messageOf(e) }, 'closing the watcher'));
  await scheduler.stop();
  await lock.release();
  await opts.inputs.git.close();
  log.info('stopped');
  return 0;
}
