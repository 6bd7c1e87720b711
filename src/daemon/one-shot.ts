/**
 * `hotswap swap` answered by the running watch daemon: the request's flags are resolved as the one-shot
 * would resolve them, and the daemon takes the run only when that gives its own config (else the client runs
 * in-process, as without a daemon). Taken runs wait in a queue that the scheduler's next run serves first,
 * so they never overlap a watch run, and use the daemon's warm planner, builder and container lock.
 */
import type { Socket } from 'node:net';
import { resolveConfig } from '../config/resolve.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Engine } from '../docker/client.js';
import { engineEndpoint } from '../docker/engine-config.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { Notifier } from '../notify/index.js';
import type { CheckedTargets, TargetRun } from '../pipeline/inputs.js';
import type { PipelineResult } from '../pipeline/run.js';
import { runTarget, worstExitCode } from '../pipeline/targets.js';
import { forwardingProgress, teeProgress } from '../ui/progress.js';
import type { Builders } from '../builders/builder.js';
import type { WatchTerminal } from '../ui/watch-terminal.js';
import { send, type OneShotRequest } from './socket-protocol.js';

export interface OneShotContext {
  readonly config: ResolvedConfig;
  readonly targets: CheckedTargets;
  readonly engine: Engine;
  readonly builders: Builders;
  readonly log: Logger;
  readonly notifier: Notifier;
  readonly progress: WatchTerminal;
  /** The daemon's shutdown: a build in progress is cancelled, as for a watch run. */
  readonly signal: AbortSignal;
}

interface Queued {
  readonly socket: Socket;
  readonly ifChanged: boolean;
  /** Aborted when the client goes away (Ctrl-C): its build stops, or it is never started. */
  readonly gone: AbortController;
}

/** What decides a run: everything but how it is shown (output) and when watch runs (watch). */
const runShape = (config: ResolvedConfig) => JSON.stringify({ ...config, output: null, watch: null });

/** The config the client's flags give, or why the daemon cannot stand in for the in-process run. */
export function configFor(own: ResolvedConfig, request: OneShotRequest): ResolvedConfig | string {
  let config: ResolvedConfig;
  try {
    config = resolveConfig({ flags: request.flags, cwd: request.cwd, env: request.env });
  } catch (e) {
    return `its flags or config do not resolve: ${messageOf(e)}`;
  }
  if (config.repo !== own.repo) return `it is for ${config.repo}, the daemon for ${own.repo}`;
  const engine = engineEndpoint().host;
  if (request.engine !== engine) return `it is for the engine at ${request.engine}, the daemon uses ${engine}`;
  return runShape(config) === runShape(own) ? config : 'its flags or the config file differ from the daemon\'s';
}

export class OneShots {
  private queue: Queued[] = [];

  /** `wake` asks the scheduler for a run (which serves the queue first). */
  constructor(private readonly ctx: OneShotContext, private readonly wake: () => void) {}

  get pending(): number {
    return this.queue.length;
  }

  /** A request arrived: refused at once (the client runs it in-process), or queued for the next run. */
  accept(request: OneShotRequest, socket: Socket): void {
    const config = configFor(this.ctx.config, request);
    if (typeof config === 'string') {
      this.ctx.log.info({ client: request.pid, why: config }, 'one-shot refused');
      return void send(socket, { type: 'refused', why: config });
    }
    const gone = new AbortController();
    socket.once('close', () => gone.abort());
    this.queue.push({ socket, ifChanged: request.flags.ifChanged === true, gone });
    this.ctx.log.info({ client: request.pid, queued: this.queue.length }, 'one-shot queued');
    send(socket, { type: 'accepted', quiet: config.output.quiet, json: config.output.json, pid: process.pid });
    this.wake();
  }

  /** Runs every queued request, in order; `after` hears each target's result (the daemon's bookkeeping). */
  async serveQueued(after: (run: TargetRun, result: PipelineResult) => void): Promise<number> {
    let served = 0;
    // Requests that come during these runs are served too; those left when the daemon stops are refused.
    while (this.queue.length > 0 && !this.ctx.signal.aborted) {
      const next = this.queue.shift()!;
      if (!next.gone.signal.aborted) await this.serve(next, after);
      served++;
    }
    return served;
  }

  /** The daemon stops: requests not started are handed back, and their clients run them in-process. */
  refuseAll(why: string): void {
    for (const { socket } of this.queue.splice(0)) if (send(socket, { type: 'refused', why })) socket.end();
  }

  private async serve({ socket, ifChanged, gone }: Queued, after: (run: TargetRun, result: PipelineResult) => void): Promise<void> {
    const { targets, engine, builders, log, notifier } = this.ctx;
    const progress = teeProgress(this.ctx.progress, forwardingProgress((call, args) => send(socket, { type: 'progress', call, args } as never)));
    const signal = AbortSignal.any([this.ctx.signal, gone.signal]);
    this.ctx.progress.runStarting([]);
    const results: PipelineResult[] = [];
    for (const run of targets.runs) {
      const result = await runTarget(targets, run, { engine, builders, trigger: 'manual', ifChanged, progress, log, signal });
      await notifier.notify(result.report);
      after(run, result);
      results.push(result);
    }
    if (send(socket, { type: 'done', code: worstExitCode(results), reports: results.map((r) => r.report) })) socket.end();
  }
}
