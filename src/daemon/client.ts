/**
 * `hotswap swap`'s way to the running watch daemon of its repo (one-shot.ts answers): it sends the flags,
 * renders the run's progress with the normal terminal and exits with the code an in-process run would
 * have. null means "run in-process": no daemon answers (no socket, or a dead daemon's), the daemon refused,
 * or a flag asks for what only an in-process run does. Light by design: node's net and the terminal only,
 * so a one-shot answered here never loads dockerode, pino or zod.
 */
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { engineEndpoint } from '../docker/engine-config.js';
import { checkStateDir, findStateFile } from '../state/store.js';
import { printJson } from '../ui/json.js';
import { PROGRESS_CALLS, type Progress } from '../ui/progress.js';
import { createTerminalProgress, errorLine } from '../ui/terminal.js';
import { daemonAllowed, FORWARDED_FLAGS, onMessages, send, SOCKET_NAME, type DaemonMessage } from './socket-protocol.js';

/** How long a daemon has to take or refuse the request once connected (it answers at once when alive). */
const ANSWER_MS = 5000;

/** A connected socket, or null when nothing listens there (no daemon, or a dead one's leftover socket). */
function connectTo(file: string): Promise<Socket | null> {
  return new Promise((done) => {
    const socket = connect(file);
    socket.once('connect', () => done(socket));
    socket.once('error', () => done(null));
  });
}

const HOTSWAP_ENV = (env: NodeJS.ProcessEnv) =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('HOTSWAP_') && e[1] !== undefined));

/** The engine this swap would use; null when it cannot be told (a missing context: the in-process run says so). */
function clientEngine(): string | null {
  try {
    return engineEndpoint().host;
  } catch {
    return null;
  }
}

export async function swapThroughDaemon(flags: Readonly<Record<string, unknown>>): Promise<number | null> {
  if (!daemonAllowed(flags, process.env)) return null;
  const file = findStateFile(SOCKET_NAME, flags, process.cwd());
  if (!file) return null;
  try {
    checkStateDir(dirname(dirname(file))); // a symbolic link in .hotswap/: the in-process run says so
  } catch {
    return null;
  }
  const engine = clientEngine();
  if (!engine) return null;
  const socket = await connectTo(file);
  if (!socket) return null;
  const forwarded = Object.fromEntries(Object.entries(flags).filter(([key]) => FORWARDED_FLAGS.has(key)));
  send(socket, { type: 'swap', pid: process.pid, cwd: process.cwd(), flags: forwarded, env: HOTSWAP_ENV(process.env), engine });
  return converse(socket, flags.quiet === true);
}

/** Renders the daemon's answers; resolves with the exit code, or null to run in-process. */
function converse(socket: Socket, quiet: boolean): Promise<number | null> {
  return new Promise((done) => {
    let terminal: Progress | null = null;
    let json = false;
    let started = false; // the run's progress has begun: from here on, it is the daemon's run
    let finished = false;
    const silence = setTimeout(() => socket.destroy(), ANSWER_MS);
    onMessages(socket, (raw) => {
      const message = raw as DaemonMessage;
      if (message.type === 'accepted') {
        clearTimeout(silence);
        terminal = createTerminalProgress({ stream: process.stderr, quiet: message.quiet });
        json = message.json;
      } else if (message.type === 'refused' && !started) {
        clearTimeout(silence);
        if (!quiet) process.stderr.write(`  the watch daemon did not take this swap (${message.why}): running it here\n`);
        socket.destroy();
      } else if (message.type === 'progress' && terminal && PROGRESS_CALLS.includes(message.call)) {
        started = true;
        (terminal[message.call] as (...args: unknown[]) => void)(...message.args);
      } else if (message.type === 'done') {
        if (json) printJson(message.reports.length === 1 ? message.reports[0] : message.reports);
        finished = true;
        socket.end();
        done(message.code);
      }
    });
    socket.once('close', () => {
      clearTimeout(silence);
      if (finished) return;
      if (started) process.stderr.write(`${errorLine('the watch daemon stopped during the run', 'see `hotswap status`; run `hotswap swap` again')}\n`);
      done(started ? 1 : null);
    });
  });
}
