/**
 * What watch adds around its loop for a person at a terminal: the containers' logs streamed (prefixed,
 * across restarts) and, when stdin is a TTY, the keys (ui/keys.ts). `close` ends both.
 */
import type { ContainerClient } from '../docker/client.js';
import { KEYS_HELP, listenForKeys } from '../ui/keys.js';
import type { WatchTerminal } from '../ui/watch-terminal.js';
import { followPrefixed } from './container-logs.js';

export interface SessionHooks {
  /** `r`: a run now, swapping even when nothing changed. */
  readonly swapNow: () => void;
  /** `q` or Ctrl-C in raw mode: as SIGINT. */
  readonly quit: () => void;
}

export interface TerminalSession {
  close(): Promise<void>;
}

/** Changes pass through unless paused; what came while paused passes on resume, as one batch. */
export class PauseGate {
  private held: string[] = [];
  paused = false;

  /** `onHeld` hears of each change held back, so the person sees it waits. */
  constructor(private readonly add: (paths: readonly string[]) => void, private readonly onHeld: (paths: readonly string[]) => void = () => undefined) {}

  offer(paths: readonly string[]): void {
    if (!this.paused) return this.add(paths);
    this.held.push(...paths);
    this.onHeld(paths);
  }

  /** Returns whether watching is paused now. */
  toggle(): boolean {
    this.paused = !this.paused;
    if (!this.paused && this.held.length) this.add(this.held.splice(0));
    return this.paused;
  }
}

export function startTerminalSession(containers: readonly ContainerClient[], terminal: WatchTerminal, gate: PauseGate, hooks: SessionHooks): TerminalSession {
  const stop = new AbortController();
  const followers = containers.map((c) => followPrefixed(c, (line) => terminal.containerLine(line), stop.signal));
  const restoreKeys = listenForKeys(process.stdin, (action) => {
    if (action === 'swap') {
      terminal.info('r: swapping now');
      hooks.swapNow();
    } else if (action === 'pause') {
      terminal.info(gate.toggle() ? 'p: paused; changes wait until p again' : 'p: watching again');
    } else if (action === 'logs') {
      terminal.info(terminal.toggleLogs() ? 'l: container logs on' : 'l: container logs off');
    } else hooks.quit();
  });
  if (restoreKeys) terminal.info(KEYS_HELP);
  return {
    async close() {
      restoreKeys?.();
      stop.abort();
      await Promise.all(followers);
    },
  };
}
