// The CLI on a real terminal: tmux runs it in a detached pane on a private server (its own socket), so a
// test can press keys and read the screen as a person would. tmux must be installed (scripts/env.sh).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI } from './paths.js';

const exec = promisify(execFile);

export interface TmuxPane {
  /** The pane's text so far, wrapped lines joined, colours left out (with `escapes`, kept). */
  text(escapes?: boolean): Promise<string>;
  /** Resolves with the first match of `re` in the pane; rejects with the pane's text after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs: number): Promise<string>;
  /** tmux key names: `r`, `C-c`, … */
  keys(...keys: string[]): Promise<void>;
  /** Quits hotswap with `q` if it still runs, waits for it, then ends the tmux server. */
  close(): Promise<void>;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
let sessions = 0;

/**
 * Runs `hotswap <args>` in a new pane. When it ends the pane says `[exited N]` and the terminal's mode
 * (`stty -a`), and stays open to be read.
 */
export async function startInTmux(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<TmuxPane> {
  const socket = `hotswap-test-${process.pid}-${++sessions}`;
  const tmux = (...a: string[]) => exec('tmux', ['-L', socket, ...a], { env: { ...process.env, ...env } as NodeJS.ProcessEnv });
  const cli = [process.execPath, CLI, ...args].map(quote).join(' ');
  const script = `${cli}; echo "[exited $?]"; stty -a; sleep 3600`;
  try {
    await tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'hs', '-x', '250', '-y', '60', '-c', cwd, script);
  } catch (e) {
    throw new Error(`tmux could not start (install it: scripts/env.sh installs the tmux package): ${(e as Error).message}`);
  }
  const text = async (escapes = false) =>
    (await tmux('capture-pane', '-p', '-J', ...(escapes ? ['-e'] : []), '-t', 'hs', '-S', '-', '-E', '-')).stdout;
  const pane: TmuxPane = {
    text,
    async waitFor(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = await text();
        const m = screen.match(re);
        if (m) return m[0];
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${re} on the terminal:\n${screen}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async keys(...keys) { await tmux('send-keys', '-t', 'hs', ...keys); },
    async close() {
      if (!/\[exited \d+\]/.test(await text().catch(() => '[exited ?]'))) {
        await tmux('send-keys', '-t', 'hs', 'q').catch(() => undefined);
        await pane.waitFor(/\[exited \d+\]/, 30_000).catch(() => undefined);
      }
      await tmux('kill-server').catch(() => undefined);
    },
  };
  return pane;
}
