/**
 * What `hotswap swap` and the watch daemon say over `.hotswap/daemon.sock`: one JSON object per line. The
 * client sends one request; the daemon answers `refused` (the client then runs in-process), or `accepted`,
 * the run's progress calls, and `done` with the reports and the exit code an in-process run would have.
 * Imported by the client before anything heavy (and by dist/cli.js's head start, src/cli/early-swap.ts):
 * types, a line codec, the socket's path and who may use it only.
 */
import type { Socket } from 'node:net';
import type { Report } from '../report.js';
import type { Progress } from '../ui/progress.js';

export const SOCKET_NAME = 'daemon.sock';

/** The flags the daemon resolves as `swap` would; any other flag given (such as --no-daemon) runs in-process. */
export const FORWARDED_FLAGS: ReadonlySet<string> = new Set([
  'config', 'repo', 'container', 'main', 'image', 'builder', 'forceBuilder', 'local', 'restart', 'verify',
  'rollbackOnFail', 'keepBackup', 'quiet', 'json', 'logLevel', 'ifChanged',
]);

/** HOTSWAP_NO_DAEMON set (to anything but 0 or empty) forces in-process runs, as --no-daemon does. */
export function daemonAllowed(flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): boolean {
  const noDaemon = env.HOTSWAP_NO_DAEMON !== undefined && env.HOTSWAP_NO_DAEMON !== '' && env.HOTSWAP_NO_DAEMON !== '0';
  if (noDaemon || flags.daemon === false) return false;
  return Object.entries(flags).every(([key, value]) => value === undefined || key === 'daemon' || FORWARDED_FLAGS.has(key));
}

/** The swap flags the daemon can honour: the config resolved from them must equal its own (one-shot.ts). */
export interface OneShotRequest {
  readonly type: 'swap';
  /** The client's pid, for the daemon's log. */
  readonly pid: number;
  readonly cwd: string;
  /** The flags as commander gave them, only those in FORWARDED_FLAGS. */
  readonly flags: Readonly<Record<string, unknown>>;
  /** HOTSWAP_* variables, as the config reads them. */
  readonly env: Readonly<Record<string, string>>;
  /** The engine the client would use (--host, DOCKER_HOST or a docker context): the daemon's must be it. */
  readonly engine: string;
}

export type ProgressCall = {
  [K in keyof Progress]: { readonly type: 'progress'; readonly call: K; readonly args: Parameters<Progress[K]> }
}[keyof Progress];

export type DaemonMessage =
  | { readonly type: 'refused'; readonly why: string }
  /** The run starts: how the client renders it (from the config resolved with its flags). */
  | { readonly type: 'accepted'; readonly quiet: boolean; readonly json: boolean; readonly pid: number }
  | ProgressCall
  | { readonly type: 'done'; readonly code: number; readonly reports: readonly Report[] };

/** Writes one message as one line; false when the peer is gone. */
export function send(socket: Socket, message: OneShotRequest | DaemonMessage): boolean {
  if (socket.destroyed || !socket.writable) return false;
  socket.write(`${JSON.stringify(message)}\n`);
  return true;
}

/** Calls `onMessage` with each whole line parsed; a line that is not JSON ends the conversation. */
export function onMessages(socket: Socket, onMessage: (message: unknown) => void): void {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      onMessage(message);
    }
  });
}
