/**
 * One error type for everything hotswap reports to a person. `exitCode` is the contract of DESIGN §2:
 * 1 the operation failed, 2 bad input, 3 environment missing. `hint` says what to do next.
 */
export type ExitCode = 1 | 2 | 3;

export type Phase =
  | 'config' | 'detect' | 'plan' | 'build' | 'backup' | 'copy' | 'restart' | 'verify' | 'health' | 'rollback'
  | 'docker' | 'state';

export interface HotswapErrorOptions {
  hint?: string;
  phase?: Phase;
  cause?: unknown;
  /** Verbatim tool output (compiler errors), shown as-is under the message. */
  details?: string;
}

export class HotswapError extends Error {
  readonly hint: string | undefined;
  readonly phase: Phase | undefined;
  readonly details: string | undefined;

  constructor(message: string, readonly exitCode: ExitCode, options: HotswapErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'HotswapError';
    this.hint = options.hint;
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
