/** What the persistent builder container needs, from what the engine says of it: pure. */

export type BuilderAction = 'create' | 'recreate' | 'start' | 'ready' | 'foreign';

/** Every builder hotswap creates carries it (builder-engine.ts): a container without it is the user's. */
export const BUILDER_LABEL = 'hotswap.builder';

/** The builder's source mode, kept as a label: a bind-mounted /src must never receive a sync (it is the repo). */
export const SOURCE_LABEL = 'hotswap.source';

interface BuilderFacts { readonly imageId: string; readonly running: boolean; readonly labels: Readonly<Record<string, string>> }

/**
 * What the persistent builder container needs: it follows its image and the source mode (bind or sync),
 * and is kept running between builds. A container of that name that hotswap did not create is never
 * removed, recreated or used ('foreign').
 */
export function builderAction(state: BuilderFacts | null, imageId: string, source: 'bind' | 'sync'): BuilderAction {
  if (!state) return 'create';
  if (state.labels[BUILDER_LABEL] === undefined) return 'foreign';
  if (state.imageId !== imageId || state.labels[SOURCE_LABEL] !== source) return 'recreate';
  return state.running ? 'ready' : 'start';
}
