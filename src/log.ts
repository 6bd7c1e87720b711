/**
 * pino JSON to `.hotswap/hotswap.log`. Synchronous writes: a CLI that exits right after a run must not
 * lose its last lines, and sonic-boom's async mode throws "not ready" on an early exit.
 * Logging never fails a run: a line that cannot be written (a full disk) is dropped, as sonic-boom's sync
 * mode would instead throw ENOSPC out of whatever step was logging.
 */
import { constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/types.js';

export type { Logger };

/** Appends each line with one write(2); what cannot be written is dropped. */
function appendOnlyDestination(file: string): DestinationStream {
  let fd: number | null = null;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // O_NOFOLLOW: a log file that is a symbolic link is never written through (commands refuse one first).
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch {
    // No log file (no space for even an empty one, or no permission): the run goes on without a log.
  }
  return {
    write(line: string) {
      if (fd === null) return;
      try {
        writeSync(fd, line);
      } catch {
        // ENOSPC and friends: the run's own errors say what is wrong; the log is best effort.
      }
    },
  };
}

/**
 * Environment values (build.env, target.create.env, a notify command's) may hold tokens: an `env` object
 * anywhere in a log line, up to three levels deep, keeps its keys and loses its values.
 */
const SECRETS = { paths: ['env.*', '*.env.*', '*.*.env.*', '*.*.*.env.*'], censor: '[redacted]' };

export function createLogger(file: string | null, level: LogLevel): Logger {
  if (!file) return pino({ level: 'silent' });
  return pino({ level, base: { pid: process.pid }, redact: SECRETS }, appendOnlyDestination(file));
}
