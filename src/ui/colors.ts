/**
 * Colour on the terminal: only on a TTY, and never when NO_COLOR is set to anything non-empty
 * (no-color.org). Pure: the decision takes the stream's TTY flag and the environment.
 */
export interface Paint {
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly dim: (s: string) => string;
}

export function colorEnabled(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY && !env.NO_COLOR;
}

const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const plain = (s: string) => s;

export const paint = (enabled: boolean): Paint => (enabled
  ? { green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39), cyan: sgr(36, 39), dim: sgr(2, 22) }
  : { green: plain, red: plain, yellow: plain, cyan: plain, dim: plain });
