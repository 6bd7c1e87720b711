/**
 * A container's log stream, followed across restarts and recreations: Docker ends a follow when the
 * container stops, so the follower waits for it to run again and re-attaches from the new start. Used by
 * watch (every line prefixed `<name> | `, as compose does) and by `hotswap logs -f`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { ContainerClient, LogOptions } from '../docker/client.js';

export interface FollowOptions {
  /** Lines to show from before the first attach; without it, only what comes after now. */
  readonly tail?: number;
  /** End when the container is removed (`logs -f`); watch keeps waiting for it to come back. */
  readonly endWhenRemoved?: boolean;
  readonly pollMs?: number;
}

/** Resolves after `ms`, or at once on abort; node's timer drops its abort listener when it fires (no pile-up while polling). */
const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

const START_SLACK_S = 0.5;

/** Follows until `signal` aborts (or the container is removed, with endWhenRemoved). Never throws. */
export async function followAcrossRestarts(container: ContainerClient, onText: (text: string) => void, signal: AbortSignal, options: FollowOptions = {}): Promise<void> {
  let since = options.tail === undefined ? Date.now() / 1000 : undefined;
  let attachedTo: string | null = null; // the StartedAt of the process last followed
  while (!signal.aborted) {
    const state = await container.inspect().catch(() => undefined);
    if (state === null && options.endWhenRemoved) return;
    if (!state?.running) {
      await sleep(options.pollMs ?? 200, signal);
      continue;
    }
    // The same process again (the stream broke): from where it broke. A new one: from where the old stream
    // ended, which is before the new start; if it ended later (a follow that hung through the restart), from
    // shortly before the new start: Docker stamps a process's first lines before its StartedAt.
    if (attachedTo !== null && state.startedAt !== attachedTo) {
      const start = Date.parse(state.startedAt) / 1000;
      if (since === undefined || since > start) since = start - START_SLACK_S;
    }
    attachedTo = state.startedAt;
    const tail = since === undefined ? options.tail : undefined;
    await followOneProcess(container, { since, tail }, onText, signal, state.startedAt);
    since = Date.now() / 1000;
  }
}

/** How often a followed container is inspected: a follow attached while it restarted may never end by itself. */
const RECHECK_MS = 500;

/** Follows until the stream ends or the container stops running the process that started at `startedAt`. */
async function followOneProcess(container: ContainerClient, from: LogOptions, onText: (text: string) => void, signal: AbortSignal, startedAt: string): Promise<void> {
  const done = new AbortController();
  const stop = () => done.abort();
  signal.addEventListener('abort', stop, { once: true });
  // Aborted while the caller asked whether it runs: no abort event comes any more, and a live stream would never end.
  if (signal.aborted) stop();
  const recheck = setInterval(() => void container.inspect().then((s) => {
    if (!s?.running || s.startedAt !== startedAt) stop();
  }, stop), RECHECK_MS);
  try {
    // A stream that fails at once (Docker busy) is retried after a pause, not in a tight loop.
    await container.followLogs(from, onText, done.signal).catch(() => sleep(RECHECK_MS, done.signal));
  } finally {
    clearInterval(recheck);
    signal.removeEventListener('abort', stop);
  }
}

/** Cuts a stream of text into whole lines; a partial line waits for its end. Pure. */
export class LineSplitter {
  private partial = '';

  push(text: string): string[] {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    return lines.map((l) => l.replace(/\r$/, ''));
  }
}

/** Follows one container for watch, line by line, each prefixed with its name. */
export function followPrefixed(container: ContainerClient, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
  const splitter = new LineSplitter();
  return followAcrossRestarts(container, (text) => {
    for (const line of splitter.push(text)) onLine(`${container.name} | ${line}`);
  }, signal);
}
