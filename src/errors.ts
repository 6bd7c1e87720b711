/**
 * One error type for everything hotswap reports to a person. `exitCode` is the contract README.md documents:
 * 1 the operation failed, 2 bad input, 3 environment missing. `hint` says what to do next.
 */
import type { Phase } from './phase.js';

export type ExitCode = 1 | 2 | 3;

export interface HotswapErrorOptions {
  hint?: string;
  phase?: Phase;
  cause?: unknown;
  /** Verbatim tool output (compiler errors), shown as-is under the message. */
  details?: string;
}

/**
 * A one-shot's head start runs from a chunk of its own with its own copy of this module (scripts/bundle.mjs):
 * `instanceof` goes by this registered mark, so an error made by either copy is a HotswapError to both.
 */
const MARK = Symbol.for('hotswap.HotswapError');

export class HotswapError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARK] === true;
  }

  readonly [MARK] = true;
  readonly hint: string | undefined;
  readonly phase: Phase | undefined;
  readonly details: string | undefined;

  constructor(message: string, readonly exitCode: ExitCode, options: HotswapErrorOptions = {}) {
    const advised = options.hint === undefined ? adviseDiskFull(message) : null;
    super(advised?.message ?? message, { cause: options.cause });
    this.name = 'HotswapError';
    this.hint = advised?.hint ?? options.hint;
    this.phase = options.phase;
    this.details = options.details;
  }
}

/** Bad flags, config, names or repo: exit 2. */
export const usageError = (message: string, options?: HotswapErrorOptions) =>
  new HotswapError(message, 2, options);

/** Docker, Go or git missing or unreachable: exit 3. */
export const environmentError = (message: string, options?: HotswapErrorOptions) =>
  new HotswapError(message, 3, options);

/** A build, swap, verify or health step failed: exit 1. */
export const operationError = (message: string, options?: HotswapErrorOptions) =>
  new HotswapError(message, 1, options);

export const isHotswapError = (e: unknown): e is HotswapError => e instanceof HotswapError;

/** The message of any thrown value, without a stack. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A full file system as Node (ENOSPC), go and busybox ("no space left on device") and git ("Out of diskspace") say it. */
const DISK_FULL = /\bENOSPC\b|no space left on device|out of diskspace/i;

/** Is `e`, or anything in its cause chain, a full file system? */
export function isDiskFull(e: unknown): boolean {
  let current: unknown = e;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if ((current as NodeJS.ErrnoException).code === 'ENOSPC' || DISK_FULL.test(messageOf(current))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * A full disk met by a tool whose output became the message unwrapped (git prints every file it added before
 * "Out of diskspace"): the line that says so is the message, and the hint names the file system (the directory
 * of the first absolute path on that line) and what to do. null when `message` is no full disk.
 */
function adviseDiskFull(message: string): { message: string; hint: string } | null {
  const line = message.split('\n').map((l) => l.trim()).find((l) => DISK_FULL.test(l));
  if (!line) return null;
  const path = /(?:^|[\s'"`(])(\/[^\s'"`:)]+)/.exec(line)?.[1];
  const dir = path ? path.slice(0, path.lastIndexOf('/')) || '/' : null;
  const hint = dir ? `the file system holding ${dir} is full: free space there and run again` : 'a file system is full: free space on it and run again';
  return { message: line, hint };
}

/**
 * `action` (null when the caller names it) failed because the file system holding `dir`, a host directory, is
 * full: exit 1, one line that names the file system and what to do. A full disk is no compile error, nor a bug.
 */
export const diskFullError = (action: string | null, dir: string, options: Omit<HotswapErrorOptions, 'hint'> & { also?: string } = {}) =>
  new HotswapError(`${action ? `${action}: ` : ''}no space left on device (the file system holding ${dir} is full)`, 1, {
    ...options, hint: `free space there (df -h ${dir})${options.also ? ` ${options.also}` : ''}, then run again`,
  });
