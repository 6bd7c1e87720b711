/**
 * pino JSON to `.hotswap/hotswap.log`. Synchronous writes: a CLI that exits right after a run must not
 * lose its last lines, and sonic-boom's async mode throws "not ready" on an early exit (DESIGN §4).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/types.js';

export type { Logger };

export function createLogger(file: string | null, level: LogLevel): Logger {
  if (!file) return pino({ level: 'silent' });
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const destination = pino.destination({ dest: file, sync: true, mkdir: true, mode: 0o600 });
  return pino({ level, base: { pid: process.pid } }, destination);
}
