/** Where the pipeline tells what it is doing; the terminal renderer and tests implement it. */
import type { Phase } from '../phase.js';
import type { Report } from '../report.js';

export interface Progress {
  phaseStarted(phase: Phase, detail?: string): void;
  phaseEnded(phase: Phase, ms: number, detail?: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** Verbatim output (compiler errors, container logs). */
  output(text: string): void;
  finished(report: Report): void;
}

export const silentProgress: Progress = {
  phaseStarted() {}, phaseEnded() {}, info() {}, warn() {}, output() {}, finished() {},
};

/** Every Progress call, by name: what a Progress forwarded elsewhere (the daemon's socket) carries. */
export const PROGRESS_CALLS = ['phaseStarted', 'phaseEnded', 'info', 'warn', 'output', 'finished'] as const satisfies readonly (keyof Progress)[];

/** A Progress made of one function that hears every call (its name and arguments). */
export function forwardingProgress(forward: <K extends keyof Progress>(call: K, args: Parameters<Progress[K]>) => void): Progress {
  const entries = PROGRESS_CALLS.map((call) => [call, (...args: unknown[]) => forward(call, args as never)]);
  return Object.fromEntries(entries) as unknown as Progress;
}

/** Both hear every call, `a` first. */
export const teeProgress = (a: Progress, b: Progress): Progress =>
  forwardingProgress((call, args) => {
    (a[call] as (...x: typeof args) => void)(...args);
    (b[call] as (...x: typeof args) => void)(...args);
  });
