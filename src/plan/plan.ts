/** Changed paths → Plan: rebuild or not, and why. Pure. */
import type { Plan, PlannedFile } from '../report.js';
import type { ChangedPath } from './git.js';
import { classifyPath, type Target } from './classify.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function makePlan(tree: string, base: string | null, changes: readonly ChangedPath[], target: Target): Plan {
  if (base === null) {
    return { rebuild: true, reason: 'nothing built yet', files: [], tree, base };
  }
  const files: PlannedFile[] = changes.map(({ path }) => {
    const { class: cls, why } = classifyPath(path, target);
    return { path, class: cls, why };
  });
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
  const reason = files.length === 0 ? 'no change since the last build' : `no binary input changed (${plural(files.length, 'file')} ignored)`;
  return { rebuild: false, reason, files, tree, base };
}
