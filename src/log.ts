/**
 * pino JSON to `.hotswap/hotswap.log`. Synchronous writes: a CLI that exits right after a run must not
 * lose its last lines, and sonic-boom's async mode throws "not ready" on an early exit.
 * Logging never fails a run: a line that cannot be written (a full disk) is dropped, as sonic-boom's sync
 * mode would instead throw ENOSPC out of whatever step was logging.
 */
import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/types.js';

export type { Logger };

/** Appends each line with one write(2); what cannot be written is dropped. */
function appendOnlyDestination(file: string): DestinationStream {
  let fd: number | null = null;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    fd = openSync(file, 'a', 0o600);
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

export function createLogger(file: string | null, level: LogLevel): Logger {
  if (!file) return pino({ level: 'silent' });
  return pino({ level, base: { pid: process.pid } }, appendOnlyDestination(file));
}
