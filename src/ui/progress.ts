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
