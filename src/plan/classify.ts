/**
 * One changed path → binary, image or ignored, and why. Pure. A path is a binary input when the build
 * graph of either side of the change holds it (a deleted input counts, and so does a file that just
 * became one); otherwise the image and ignore rules apply. A wrong skip is the worst error, so the graphs
 * decide first.
 */
import picomatch from 'picomatch';
import type { FileClass } from '../report.js';
import { packageLabel, parentOf, type BuildGraph } from './go/graph.js';

export interface Classified {
  readonly class: FileClass;
  readonly why: string;
}

/** What goes into the image rather than the Go binary (issue 5): Dockerfiles, CMake, pins, GPU kernels. */
const IMAGE_FILE = /(^|\/)(Dockerfile[^/]*|[^/]*\.dockerfile|CMakeLists\.txt|[^/]*\.cmake|[^/]*_VERSION)$|(^|\/)cmake\/|\.(cu|cuh|metal|comp|glsl|wgsl|cl)$/i;
const DOC_FILE = /\.(md|markdown|rst|adoc|txt)$|(^|\/)(docs?|\.github)\//i;

export type PathMatcher = (path: string) => boolean;

/** The built-in image rules plus the config's `plan.imageInputs` globs. */
export function imageMatcher(globs: readonly string[]): PathMatcher {
  const extra = globs.length ? picomatch([...globs], { dot: true }) : () => false;
  return (path) => IMAGE_FILE.test(path) || extra(path);
}

export interface Sides {
  readonly before: BuildGraph;
  readonly after: BuildGraph;
  /** The main package, for "not imported by ./cmd/ollama". */
  readonly main: string;
}

export function classifyChange(path: string, sides: Sides, isImage: PathMatcher): Classified {
  const { before, after } = sides;
  const input = after.files.get(path) ?? before.files.get(path);
  if (input !== undefined) return { class: 'binary', why: input };
  if (isImage(path)) return { class: 'image', why: 'goes into the image, not the Go binary' };
  if (path.endsWith('_test.go')) return { class: 'ignored', why: 'test file' };
  if (/(^|\/)testdata\//.test(path)) return { class: 'ignored', why: 'test data' };
  const excluded = after.excluded.get(path) ?? before.excluded.get(path);
  if (excluded !== undefined) return { class: 'ignored', why: excluded };
  if (DOC_FILE.test(path)) return { class: 'ignored', why: 'documentation' };
  const dir = parentOf(path);
  if (path.endsWith('.go') && !after.packages.has(dir) && !before.packages.has(dir)) {
    return { class: 'ignored', why: `package ${packageLabel(dir)} is not imported by ${sides.main}` };
  }
  return { class: 'ignored', why: `not a build input of ${sides.main}` };
}
