/** Classified changes → Plan: rebuild or not, and why. Pure. */
import type { Plan, PlannedFile } from '../report.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `base` null: nothing was built yet, so build whatever changed. `comparedWith` says what `base` is, when not the last build. */
export function makePlan(tree: string, base: string | null, files: readonly PlannedFile[], comparedWith?: string): Plan {
  const plan = decide(tree, base, files, comparedWith === undefined ? 'no change since the last build' : 'no change');
  return comparedWith === undefined ? plan : { ...plan, comparedWith };
}

function decide(tree: string, base: string | null, files: readonly PlannedFile[], noChange: string): Plan {
  if (base === null) {
    return { rebuild: true, reason: 'nothing built yet', files: [], tree, base };
  }
  const binary = files.filter((f) => f.class === 'binary').length;
  const image = files.filter((f) => f.class === 'image');
  if (binary > 0) {
    const stale = image.length ? `; the image is stale too (${plural(image.length, 'image input')})` : '';
    return { rebuild: true, reason: `${plural(binary, 'binary input')} changed${stale}`, files, tree, base };
  }
  if (image.length > 0) {
    const names = image.slice(0, 3).map((f) => f.path).join(', ');
    return { rebuild: false, reason: `image rebuild needed: ${names}`, files, tree, base };
  }
  const reason = files.length === 0 ? noChange : `no binary input changed (${plural(files.length, 'file')} ignored)`;
  return { rebuild: false, reason, files, tree, base };
}
