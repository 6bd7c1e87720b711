/**
 * Where an import path lives in the tree: the main module, a `replace`d local directory, a go.work
 * module, `vendor/`, or nowhere in the repo (standard library, module cache). Pure: file texts in.
 */
import { posix } from 'node:path';

export interface ModuleLayout {
  /** Module path → its directory in the tree ('' is the root), longest path first. */
  readonly modules: ReadonlyArray<{ readonly path: string; readonly dir: string }>;
  /** Directories of the main module(s): the root, or go.work's `use` directories. */
  readonly mainDirs: ReadonlySet<string>;
  /** Packages outside those modules come from vendor/ (go 1.14+ with vendor/modules.txt, no go.work). */
  readonly vendor: boolean;
  /** The files that define the build: go.mod, go.sum, go.work, vendor/modules.txt of every module. */
  readonly definitionFiles: readonly string[];
}

/** The text of a file in the tree, or null when it is absent. */
export type ReadText = (path: string) => Promise<string | null>;

/** go.mod/go.work directive values, block or single line: `replace ( a => ./b )` or `use ./x`. */
function directives(text: string, verb: string): string[] {
  const values: string[] = [];
  const noComments = text.replace(/\/\/.*$/gm, '');
  const block = new RegExp(`^\\s*${verb}\\s*\\(([^)]*)\\)`, 'gm');
  for (const match of noComments.matchAll(block)) values.push(...match[1]!.split('\n').map((l) => l.trim()).filter(Boolean));
  const single = new RegExp(`^\\s*${verb}\\s+([^(\\s].*)$`, 'gm');
  for (const match of noComments.matchAll(single)) values.push(match[1]!.trim());
  return values;
}

const unquote = (value: string) => value.replace(/^["`](.*)["`]$/, '$1');
const isLocalPath = (value: string) => value.startsWith('./') || value.startsWith('../') || value === '.' || value === '..';

export function modulePathOf(goMod: string): string | null {
  const match = /^\s*module\s+(\S+)/m.exec(goMod.replace(/\/\/.*$/gm, ''));
  return match ? unquote(match[1]!) : null;
}

/** go.mod's `go 1.N` line → N (0 when absent). */
export function goMinorOf(goMod: string): number {
  const match = /^\s*go\s+1\.(\d+)/m.exec(goMod);
  return match ? Number(match[1]) : 0;
}

/** `replace old [v] => ./dir` with a local directory, relative to the go.mod's directory. */
function localReplaces(goMod: string, modDir: string): Array<{ path: string; dir: string }> {
  const result: Array<{ path: string; dir: string }> = [];
  for (const line of directives(goMod, 'replace')) {
    const [left, right] = line.split('=>').map((s) => s.trim().split(/\s+/));
    const target = right?.[0] ? unquote(right[0]) : '';
    if (left?.[0] && isLocalPath(target)) result.push({ path: unquote(left[0]), dir: join(modDir, target) });
  }
  return result;
}

const join = (dir: string, rel: string) => {
  const joined = posix.normalize(posix.join(dir || '.', rel));
  return joined === '.' ? '' : joined;
};

export async function readModuleLayout(read: ReadText): Promise<ModuleLayout> {
  const modules: Array<{ path: string; dir: string }> = [];
  const definitionFiles = ['go.mod', 'go.sum', 'go.work', 'go.work.sum', 'vendor/modules.txt'];
  const goWork = await read('go.work');
  const moduleDirs = goWork ? directives(goWork, 'use').map((u) => join('', unquote(u))) : [''];
  for (const dir of moduleDirs) {
    const goMod = await read(dir ? `${dir}/go.mod` : 'go.mod');
    if (goMod === null) continue;
    if (dir) definitionFiles.push(`${dir}/go.mod`, `${dir}/go.sum`);
    const path = modulePathOf(goMod);
    if (path) modules.push({ path, dir });
    for (const replaced of localReplaces(goMod, dir)) {
      modules.push(replaced);
      definitionFiles.push(`${replaced.dir ? `${replaced.dir}/` : ''}go.mod`);
    }
  }
  if (goWork) for (const replaced of localReplaces(goWork, '')) modules.push(replaced);
  const rootMod = (await read('go.mod')) ?? '';
  // Go 1.14+ builds from vendor/ by default when vendor/modules.txt exists and the go line is 1.14 or later.
  const vendor = !goWork && goMinorOf(rootMod) >= 14 && (await read('vendor/modules.txt')) !== null;
  modules.sort((a, b) => b.path.length - a.path.length);
  return { modules, mainDirs: new Set(moduleDirs), vendor, definitionFiles };
}

/** Import path → package directory in the tree, or null when the package is not in this repo. */
export function packageDirOf(importPath: string, layout: ModuleLayout): string | null {
  for (const { path, dir } of layout.modules) {
    if (importPath !== path && !importPath.startsWith(`${path}/`)) continue;
    // In vendor mode a replaced module is built from its vendored copy, not from the replace directory.
    if (layout.vendor && !layout.mainDirs.has(dir)) break;
    return join(dir, importPath.slice(path.length + 1));
  }
  if (layout.vendor) return `vendor/${importPath}`;
  return null;
}
