/**
 * The ground truth of a binary's inputs, from the Go toolchain itself and independent of src/: the tree of
 * a commit is materialized in a scratch work tree and `go list -deps` says which files of which packages go
 * into the build; for cgo packages, `gcc -MM` adds the headers they include from elsewhere in the repo.
 * Offline only (GOPROXY=off; vendored or local modules).
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface TruthTarget {
  /** Main package, relative to the repo: './cmd/app'. */
  readonly main: string;
  readonly goos: string;
  readonly goarch: string;
  readonly cgo: boolean;
  readonly tags?: readonly string[];
}

/** repo-relative path → blob id at the revision. */
export type Truth = Map<string, string>;

/** The file lists of `go list -json` that name build inputs (all relative to the package's Dir). */
const FILE_FIELDS = ['GoFiles', 'CgoFiles', 'CFiles', 'CXXFiles', 'HFiles', 'SFiles', 'MFiles', 'FFiles', 'SwigFiles', 'SwigCXXFiles', 'SysoFiles', 'EmbedFiles'] as const;
/** cgo's compiler flags, with ${SRCDIR} expanded: where the C compiler looks for headers. */
const FLAG_FIELDS = ['CgoCPPFLAGS', 'CgoCFLAGS', 'CgoCXXFLAGS'] as const;
const MODULE_FILES = ['go.mod', 'go.sum', 'vendor/modules.txt'];
const WORKSPACE_FILES = ['go.work', 'go.work.sum'];

interface ListedPackage {
  ImportPath: string;
  Dir: string;
  ModuleDir: string;
  Error: string | null;
  Files: Record<(typeof FILE_FIELDS)[number], string[]>;
  Flags: Record<(typeof FLAG_FIELDS)[number], string[]>;
}

/**
 * `go list -deps -json` of go1.19 also computes staleness (it hashes every file of every dependency, the
 * standard library included), which doubles its time. This template prints the same fields as one JSON
 * object per non-standard package instead (%q quotes as JSON does for any ordinary file name).
 */
const quotedList = (field: string) => `"${field}":[{{range $i, $f := .${field}}}{{if $i}},{{end}}{{printf "%q" $f}}{{end}}]`;
const LIST_TEMPLATE = '{{if not .Standard}}{"ImportPath":{{printf "%q" .ImportPath}},"Dir":{{printf "%q" .Dir}},' +
  '"ModuleDir":{{with .Module}}{{printf "%q" .Dir}}{{else}}""{{end}},"Error":{{with .Error}}{{printf "%q" .Err}}{{else}}null{{end}},' +
  `"Files":{${FILE_FIELDS.map(quotedList).join(',')}},"Flags":{${FLAG_FIELDS.map(quotedList).join(',')}}}\n{{end}}`;

const git = async (dir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> =>
  (await exec('git', args, { cwd: dir, maxBuffer: 64 << 20, env: { ...gitEnv(), ...extraEnv } })).stdout;

function gitEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
}

/** The top level (where archive and ls-tree run) and the tree id of `rev` at repoDir, which may be below it. */
const places = new Map<string, Promise<string[]>>();
async function locate(repoDir: string, rev: string): Promise<{ top: string; tree: string }> {
  let place = places.get(repoDir);
  if (!place) places.set(repoDir, (place = git(repoDir, ['rev-parse', '--show-toplevel', '--show-prefix']).then((out) => out.split('\n'))));
  const [top = repoDir, prefix = ''] = await place;
  const spec = prefix ? `${rev}:${prefix.replace(/\/$/, '')}` : `${rev}^{tree}`;
  return { top, tree: (await git(repoDir, ['rev-parse', '--verify', '-q', spec])).trim() };
}

/** path → blob id of every file of a tree id (`git ls-tree -r`, run at the top level). */
export async function blobsOf(top: string, tree: string): Promise<Map<string, string>> {
  const out = await git(top, ['ls-tree', '-r', '-z', '--full-tree', tree]);
  const blobs = new Map<string, string>();
  for (const entry of out.split('\0')) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (m) blobs.set(m[2]!, m[1]!);
  }
  return blobs;
}

/**
 * Scratch work trees, each with its own index: materializing the next commit's tree rewrites only the files
 * that differ (`read-tree --reset -u` also deletes the ones that are gone), which is much cheaper than
 * extracting a whole archive per commit. One per concurrent `go list`; removed by closeGoTruth().
 */
interface Scratch { readonly base: string; readonly dir: string; readonly index: string }
const idle = new Map<string, Scratch[]>();
const scratches = new Set<Scratch>();

async function newScratch(): Promise<Scratch> {
  // Real path: go list reports real paths, and they are compared with this one.
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), 'hotswap-truth-')));
  const scratch = { base, dir: path.join(base, 'tree'), index: path.join(base, 'index') };
  await mkdir(scratch.dir);
  scratches.add(scratch);
  return scratch;
}

async function dropScratch(scratch: Scratch): Promise<void> {
  scratches.delete(scratch);
  await rm(scratch.base, { recursive: true, force: true });
}

/** Runs `fn` on a scratch whose `dir` holds exactly the files of `tree`. */
async function withTree<T>(top: string, tree: string, fn: (scratch: Scratch) => Promise<T>): Promise<T> {
  const free = idle.get(top) ?? [];
  idle.set(top, free);
  const scratch = free.pop() ?? (await newScratch());
  try {
    await git(top, ['--work-tree', scratch.dir, 'read-tree', '--reset', '-u', tree], { GIT_INDEX_FILE: scratch.index });
    const result = await fn(scratch);
    free.push(scratch);
    return result;
  } catch (e) {
    await dropScratch(scratch); // its files may be half-updated: never reuse it
    throw e;
  }
}

/** Removes the scratch work trees (call from afterAll). */
export async function closeGoTruth(): Promise<void> {
  idle.clear();
  await Promise.all([...scratches].map(dropScratch));
}
process.once('exit', () => {
  for (const { base } of scratches) rmSync(base, { recursive: true, force: true });
});

/** The environment of an offline `go list` for one target: nothing inherited may change the answer. */
function goEnv(dir: string, target: TruthTarget): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['GOFLAGS', 'GOWORK', 'GOOS', 'GOARCH', 'CGO_ENABLED', 'GOPROXY', 'GO111MODULE', 'GOTOOLCHAIN']) delete env[key];
  const flags = existsSync(path.join(dir, 'vendor', 'modules.txt')) ? ['-mod=vendor'] : [];
  if (target.tags?.length) flags.push(`-tags=${target.tags.join(',')}`);
  return {
    ...env,
    GOOS: target.goos, GOARCH: target.goarch, CGO_ENABLED: target.cgo ? '1' : '0',
    GOFLAGS: flags.join(' '), GOPROXY: 'off', GO111MODULE: 'on', GOTOOLCHAIN: 'local',
    ...(existsSync(path.join(dir, 'go.work')) ? {} : { GOWORK: 'off' }),
  };
}

export function parseListOutput(out: string): ListedPackage[] {
  return out.split('\n').filter(Boolean).map((line) => {
    try {
      return JSON.parse(line) as ListedPackage;
    } catch {
      throw new Error(`go list printed a line that is not JSON (an unusual file name?): ${line}`);
    }
  });
}

const insideOf = (dir: string) => (p: string) => p === dir || p.startsWith(dir + path.sep);
const repoPath = (dir: string, file: string) => path.relative(dir, file).split(path.sep).join('/');

/**
 * The comment right before `import "C"` (cgo's preamble) without its #cgo lines, or null. Only the
 * standalone `import "C"` form, which is what cgo code uses.
 */
export function cgoPreamble(source: string): string | null {
  const block = /\/\*((?:(?!\*\/)[\s\S])*)\*\/[ \t]*\n[ \t]*import[ \t]+"C"/.exec(source)?.[1];
  const lines = /((?:^[ \t]*\/\/[^\n]*\n)+)[ \t]*import[ \t]+"C"/m.exec(source)?.[1]?.replace(/^[ \t]*\/\/ ?/gm, '');
  const text = block ?? lines;
  return text === undefined ? null : text.split('\n').filter((l) => !/^\s*#cgo\b/.test(l)).join('\n');
}

/** Make's dependency rules (`gcc -MM`) → the files they name, resolved against `cwd`. */
function dependencies(rules: string, cwd: string): string[] {
  return rules.replace(/\\\n/g, ' ').split('\n').flatMap((rule) => rule.slice(rule.indexOf(':') + 1).trim().split(/\s+/))
    .filter(Boolean).map((f) => path.resolve(cwd, f));
}

/**
 * The headers the C compiler reads for a cgo package: go list names only the package's own .h files, but
 * `#cgo CFLAGS: -I…` reaches headers elsewhere in the repo. `gcc -MM -MG` over the package's C files and
 * its preambles, with cgo's flags, says which (the host's gcc: a cross build's predefined macros may differ).
 */
async function cHeaders(pkg: ListedPackage, scratch: Scratch, seq: number): Promise<string[]> {
  const preambles: string[] = [];
  for (const [i, name] of pkg.Files.CgoFiles.entries()) {
    const preamble = cgoPreamble(await readFile(path.join(pkg.Dir, name), 'utf8'));
    if (preamble === null) continue;
    preambles.push(path.join(scratch.base, `preamble-${seq}-${i}.c`));
    await writeFile(preambles[preambles.length - 1]!, preamble);
  }
  const own = ['-I', pkg.Dir, '-iquote', pkg.Dir];
  const runs: [string, string[], string[]][] = [
    ['gcc', [...pkg.Flags.CgoCPPFLAGS, ...pkg.Flags.CgoCFLAGS], [...pkg.Files.CFiles, ...preambles]],
    ['g++', [...pkg.Flags.CgoCPPFLAGS, ...pkg.Flags.CgoCXXFLAGS], pkg.Files.CXXFiles],
  ];
  const deps: string[] = [];
  for (const [cc, flags, sources] of runs) {
    if (sources.length === 0) continue;
    const { stdout } = await exec(cc, ['-MM', '-MG', ...flags, ...own, ...sources], { cwd: pkg.Dir, maxBuffer: 16 << 20 })
      .catch((e: { stderr?: string }) => { throw new Error(`${cc} -MM in ${pkg.ImportPath}: ${e.stderr ?? String(e)}`); });
    deps.push(...dependencies(stdout, pkg.Dir));
  }
  return deps;
}

/** Repo-relative input files of the packages of `dir` (the standard library and the module cache are not in the repo). */
async function inputFiles(scratch: Scratch, packages: ListedPackage[]): Promise<Set<string>> {
  const { dir } = scratch;
  const files = new Set<string>();
  const inside = insideOf(dir);
  const errors = packages.filter((p) => p.Error !== null && (!p.Dir || inside(p.Dir))).map((p) => `${p.ImportPath}: ${p.Error}`);
  if (errors.length) throw new Error(`go list reports errors:\n${errors.join('\n')}`);
  for (const [seq, pkg] of packages.entries()) {
    if (!pkg.Dir || !inside(pkg.Dir)) continue;
    for (const field of FILE_FIELDS) {
      for (const name of pkg.Files[field]) files.add(repoPath(dir, path.join(pkg.Dir, name)));
    }
    if (pkg.Files.CgoFiles.length) for (const h of await cHeaders(pkg, scratch, seq)) if (inside(h)) files.add(repoPath(dir, h));
    const moduleDir = pkg.ModuleDir && inside(pkg.ModuleDir) ? path.relative(dir, pkg.ModuleDir) : null;
    if (moduleDir !== null) for (const f of MODULE_FILES) files.add(path.posix.join(moduleDir.split(path.sep).join('/'), f));
  }
  for (const f of WORKSPACE_FILES) files.add(f);
  return files;
}

const cache = new Map<string, Promise<Truth>>();

/** At most one `go list` per core: callers may ask for a whole history at once. */
const slots = { free: os.availableParallelism(), waiting: [] as (() => void)[] };
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (slots.free > 0) slots.free--;
  else await new Promise<void>((resolve) => slots.waiting.push(resolve));
  try {
    return await fn();
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.free++;
  }
}

async function computeTruth(top: string, tree: string, target: TruthTarget): Promise<Truth> {
  const [packages, blobs] = await Promise.all([
    withTree(top, tree, async (scratch) => {
      const { stdout } = await exec('go', ['list', '-deps', '-e', '-f', LIST_TEMPLATE, target.main], {
        cwd: scratch.dir, env: goEnv(scratch.dir, target), maxBuffer: 256 << 20,
      });
      return inputFiles(scratch, parseListOutput(stdout));
    }),
    blobsOf(top, tree),
  ]);
  const truth: Truth = new Map();
  // Module and workspace files count only when the tree has them.
  for (const file of [...packages].sort()) {
    const blob = blobs.get(file);
    if (blob) truth.set(file, blob);
  }
  return truth;
}

/**
 * The files of `rev` that go into the binary `target.main`, each with its blob id at `rev`. Cached per tree
 * (a commit's tree is also its child's parent tree), so replaying a history lists each tree once. Callers may
 * ask for many at once: at most one `go list` per core runs.
 */
export async function goListInputs(repoDir: string, rev: string, target: TruthTarget): Promise<Truth> {
  const { top, tree } = await locate(repoDir, rev);
  const key = JSON.stringify([top, tree, target.main, target.goos, target.goarch, target.cgo, target.tags ?? []]);
  let truth = cache.get(key);
  if (!truth) {
    truth = limited(() => computeTruth(top, tree, target));
    cache.set(key, truth);
    truth.catch(() => cache.delete(key));
  }
  return truth;
}

/** Paths whose blob differs between two truths, or that are inputs on one side only: the binary's changes. */
export function binaryInputsChanged(a: Truth, b: Truth): string[] {
  const changed = new Set<string>();
  for (const [file, blob] of a) if (b.get(file) !== blob) changed.add(file);
  for (const file of b.keys()) if (!a.has(file)) changed.add(file);
  return [...changed].sort();
}
