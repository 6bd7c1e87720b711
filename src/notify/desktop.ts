/**
 * Desktop notifications through node-notifier, which is unmaintained: this file is the only one that knows it.
 * On Linux node-notifier runs `notify-send` through `/bin/sh -c` and hands back neither the process nor a
 * timeout, so a hung notification server would block its callback and leave notify-send running. It therefore
 * runs in a short-lived child Node process (run.ts), which gets the environment we choose and can be killed,
 * shell and notify-send with it, when the deadline passes.
 *
 * Dev containers rarely have a notification server: the first failure is logged once and ends the attempts.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { Notification } from './message.js';
import { lastLine, runWithTimeout } from './run.js';

export interface DesktopNotifier {
  /** Resolves when shown, failed or timed out; never rejects. */
  show(notification: Notification): Promise<void>;
}

export interface DesktopOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly platform?: NodeJS.Platform;
}

/** A healthy server answers in milliseconds; notify-send's own D-Bus timeout is 25 s. */
const DESKTOP_TIMEOUT_MS = 3000;

// Runs as `node -e HELPER <node-notifier path>` with the notification as JSON on stdin. node-notifier's
// callback gets an Error when notify-send failed, and notify-send's stderr (a string) otherwise.
const HELPER = `
const notifier = require(process.argv[1]);
let input = '';
process.stdin.setEncoding('utf8').on('data', (d) => { input += d; }).on('end', () => {
  notifier.notify(JSON.parse(input), (err) => {
    if (err instanceof Error) { process.stderr.write(err.message); process.exitCode = 1; }
    else if (err) process.stderr.write(String(err));
  });
});`;

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(path.delimiter).filter(Boolean).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why notify-send cannot work here, checked before spawning anything; null when it may. */
export function linuxPrecheck(env: NodeJS.ProcessEnv): string | null {
  // libnotify (GDBus) falls back to $XDG_RUNTIME_DIR/bus, the systemd user bus, when the variable is unset.
  const runtimeBus = env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'bus') : null;
  if (!env.DBUS_SESSION_BUS_ADDRESS && !(runtimeBus && existsSync(runtimeBus))) {
    return 'no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set';
  }
  if (!onPath('notify-send', env)) return 'notify-send not found; install libnotify-bin';
  return null;
}

export function createDesktopNotifier(log: Logger, options: DesktopOptions = {}): DesktopNotifier {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? DESKTOP_TIMEOUT_MS;
  const platform = options.platform ?? process.platform;
  const notifierPath = createRequire(import.meta.url).resolve('node-notifier');
  let off = false;

  const turnOff = (reason: string) => {
    off = true;
    log.warn(`no notification server (${reason}); desktop notifications off`);
  };

  return {
    async show({ title, message }) {
      if (off) return;
      const problem = platform === 'linux' ? linuxPrecheck(env) : null;
      if (problem) return turnOff(problem);
      const input = JSON.stringify({ title, message, 'app-name': 'hotswap', wait: false });
      const result = await runWithTimeout([process.execPath, '-e', HELPER, notifierPath], { input, env, timeoutMs });
      switch (result.kind) {
        case 'spawn-error':
          return turnOff(`could not start node-notifier: ${result.error.message}`);
        case 'timeout':
          return turnOff(`no answer within ${(timeoutMs / 1000).toFixed(1)} s`);
        case 'exited':
          if (result.code === 0) {
            if (result.stderr.trim()) log.debug({ stderr: result.stderr }, 'notify-send wrote to stderr');
            return;
          }
          return turnOff(lastLine(result.stderr) || `exit ${result.code ?? result.signal}`);
      }
    },
  };
}
