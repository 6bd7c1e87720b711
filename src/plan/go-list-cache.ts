/**
 * `go list`'s answers for the work tree, by inputs key (what decides the graph: headers, module files,
 * context). Asked once per key; kept on disk across processes; a failure is said once and remembered for
 * its key, so `go list` is asked again only when the graph's inputs change.
 */
import { persistedMap } from './disk-cache.js';
import type { BuildContext } from './go/context.js';

const MAX_GO_LISTS = 8;

export type GoList = (main: string, context: BuildContext) => Promise<ReadonlyMap<string, string> | null>;

export interface GoListCache {
  /** go list's files (path → why) for this inputs key, or null when it cannot answer. */
  filesFor(inputsKey: string, main: string, context: BuildContext): Promise<ReadonlyMap<string, string> | null>;
  /** Writes new answers to the cache file; never fails. */
  save(): Promise<void>;
}

/** `goList` null: never asked. `file` null: answers kept in memory only. */
export function createGoListCache(goList: GoList | null, file: string | null, warn?: (message: string) => void): GoListCache {
  const asked = new Map<string, Promise<ReadonlyMap<string, string> | null>>();
  const answers = persistedMap<Record<string, string>>(file, MAX_GO_LISTS);

  async function ask(key: string, main: string, context: BuildContext, list: GoList) {
    try {
      const files = await list(main, context);
      if (files) answers.set(key, Object.fromEntries(files));
      return files;
    } catch (e) {
      warn?.(`go list failed, planning from the built-in parser alone: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }

  return {
    async filesFor(key, main, context) {
      if (!goList) return null;
      await answers.load();
      let answer = asked.get(key);
      if (!answer) {
        const saved = answers.get(key);
        answer = saved ? Promise.resolve(new Map(Object.entries(saved))) : ask(key, main, context, goList);
        asked.set(key, answer);
      }
      return answer;
    },
    save: () => answers.save(),
  };
}
