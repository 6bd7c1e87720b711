/**
 * Keys while `hotswap watch` runs on a terminal: r swaps now, p pauses and resumes watching, l turns the
 * container logs off and on, q (or Ctrl-C, which raw mode delivers as a key) quits. Raw mode is undone
 * on the way out, however the process ends.
 */
export type KeyAction = 'swap' | 'pause' | 'logs' | 'quit';

export const KEYS_HELP = 'keys: r swap now · p pause/resume · l logs off/on · q quit';

const ACTIONS: Readonly<Record<string, KeyAction>> = { r: 'swap', p: 'pause', l: 'logs', q: 'quit', '\x03': 'quit' };

/** Pure: what one key press asks for (a chunk may hold several keys). */
export const keyActions = (chunk: string): KeyAction[] =>
  [...chunk.toLowerCase()].map((key) => ACTIONS[key]).filter((a): a is KeyAction => a !== undefined);

/** Listens when stdin is a TTY; returns what undoes it (also run at exit). */
export function listenForKeys(stdin: NodeJS.ReadStream, onAction: (action: KeyAction) => void): (() => void) | null {
  if (!stdin.isTTY) return null;
  const onData = (chunk: string) => { for (const action of keyActions(chunk)) onAction(action); };
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.on('data', onData);
  stdin.resume();
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdin.off('data', onData);
    stdin.setRawMode(false);
    stdin.pause();
  };
  process.once('exit', restore);
  return restore;
}
