/**
 * Git repositories made from the go-graph fixture: one to edit commit by commit (makeGoGraphRepo), and a
 * generated history of mixed changes (generateHistory) to replay the planner against `go list`. The history
 * is a pure function of its seed (seeded PRNG, fixed dates) and is written in one `git fast-import`.
 * Every commit keeps the module building: Go edits touch comments and string constants only, an added
 * import is also used, and a package is deleted only while nothing imports it.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';
import { seededRandom } from './random.js';

const exec = promisify(execFile);
export const GO_GRAPH_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'go-graph');
const EPOCH = 1_700_000_000;
const MODULE = 'example.com/graph';

/** Git without the caller's GIT_* and global config; fixed identity. */
function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'history',
    GIT_AUTHOR_EMAIL: 'history@example.invalid', GIT_COMMITTER_NAME: 'history', GIT_COMMITTER_EMAIL: 'history@example.invalid', ...extra };
}

async function gitIn(dir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  try {
    return (await exec('git', args, { cwd: dir, env: gitEnv(extraEnv), maxBuffer: 64 << 20 })).stdout.trim();
  } catch (e) {
    throw new Error(`git ${args.join(' ')} in ${dir}: ${(e as { stderr?: string }).stderr ?? String(e)}`);
  }
}

/** Every file of the fixture, path → content (all text). */
export function fixtureFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(GO_GRAPH_DIR, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else files.set(child, fs.readFileSync(path.join(GO_GRAPH_DIR, child), 'utf8'));
    }
  };
  walk('');
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function initRepo(prefix: string): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), prefix));
  await gitIn(dir, ['init', '-q', '-b', 'main']);
  // hotswap's own files stay out of every tree (the CLI is pointed at ./cmd/app by an untracked config).
  fs.appendFileSync(path.join(dir, '.git', 'info', 'exclude'), '.hotswap/\nhotswap.config.json\n');
  fs.writeFileSync(path.join(dir, 'hotswap.config.json'), JSON.stringify({ main: './cmd/app' }));
  return dir;
}

export interface GoGraphRepo {
  readonly dir: string;
  read(rel: string): string;
  write(rel: string, content: string): void;
  append(rel: string, content: string): void;
  remove(rel: string): void;
  /** `git add -A && git commit` with a fixed date; resolves with the commit id. */
  commit(subject: string): Promise<string>;
  git(...args: string[]): Promise<string>;
  dispose(): Promise<void>;
}

/** The go-graph fixture as a fresh repo, one commit on `main`. */
export async function makeGoGraphRepo(): Promise<GoGraphRepo> {
  const dir = await initRepo('hotswap-go-graph-');
  await fs.promises.cp(GO_GRAPH_DIR, dir, { recursive: true });
  const abs = (rel: string) => path.join(dir, rel);
  let commits = 0;
  const repo: GoGraphRepo = {
    dir,
    read: (rel) => fs.readFileSync(abs(rel), 'utf8'),
    write(rel, content) {
      fs.mkdirSync(path.dirname(abs(rel)), { recursive: true });
      fs.writeFileSync(abs(rel), content);
    },
    append: (rel, content) => fs.appendFileSync(abs(rel), content),
    remove: (rel) => fs.rmSync(abs(rel), { recursive: true }),
    async commit(subject) {
      const date = `${EPOCH + 60 * commits++} +0000`;
      await gitIn(dir, ['add', '-A']);
      await gitIn(dir, ['commit', '-q', '--allow-empty', '-m', subject], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
      return gitIn(dir, ['rev-parse', 'HEAD']);
    },
    git: (...args) => gitIn(dir, args),
    dispose: () => fs.promises.rm(dir, { recursive: true, force: true }),
  };
  await repo.commit('go-graph fixture');
  return repo;
}

// ---------------------------------------------------------------------------------------------------------
// Generated history


type Files = Map<string, string>;
/** path → new content, or null to delete. */
type Edits = Map<string, string | null>;

interface Step {
  readonly kind: string;
  readonly subject: string;
  readonly edits: Edits;
}

interface Gen {
  readonly files: Files;
  readonly rnd: () => number;
  readonly n: number;
  pick<T>(xs: readonly T[]): T | undefined;
}

export interface HistoryCommit {
  readonly sha: string;
  readonly subject: string;
  /** What the generator meant to change: 'go-closure', 'docs', 'image', 'revert', … ('+' joins a mixed commit). */
  readonly kind: string;
  /** Paths the commit adds, changes or deletes. */
  readonly paths: readonly string[];
}

export interface History {
  readonly dir: string;
  /** Oldest first; commits[0] is the fixture itself (no parent). */
  readonly commits: readonly HistoryCommit[];
  dispose(): Promise<void>;
}

/** A comment (or, for files without comments, a version line) that says which revision last touched a file. */
function bump(file: string, content: string, n: number): string {
  if (/(^|\/)[A-Z]+_VERSION$/.test(file)) return `1.3.${n}\n`;
  const ext = path.posix.extname(file);
  const line = ext === '.go' || ext === '.cu' || ext === '.mod' || file.endsWith('go.mod') ? `// rev:${n}`
    : ext === '.c' || ext === '.h' ? `/* rev:${n} */`
    : ext === '.html' || ext === '.md' || ext === '.tmpl' ? `<!-- rev:${n} -->`
    : `# rev:${n}`;
  const marker = /^.*\brev:\d+.*$/m;
  return marker.test(content) ? content.replace(marker, line) : `${content.replace(/\n?$/, '\n')}${line}\n`;
}

const edit = (g: Gen, paths: readonly string[]): Edits => {
  const file = g.pick(paths.filter((p) => g.files.has(p)));
  return new Map(file ? [[file, bump(file, g.files.get(file)!, g.n)]] : []);
};
const matching = (g: Gen, re: RegExp) => [...g.files.keys()].filter((p) => re.test(p));
const goPackageOf = (file: string) => `${MODULE}/${path.posix.dirname(file)}`;

/** Packages server.go imports between its `imports:` markers. */
function optionalImports(server: string): string[] {
  const block = /\/\/ imports:begin\n([\s\S]*?)\t\/\/ imports:end/.exec(server)?.[1] ?? '';
  return [...block.matchAll(/"example\.com\/graph\/internal\/(\w+)"/g)].map((m) => m[1]!);
}

/** server.go importing (and using) exactly `pkgs` among the optional packages. */
export function withOptionalImports(server: string, pkgs: readonly string[]): string {
  const sorted = [...pkgs].sort();
  return server
    .replace(/(\t\/\/ imports:begin\n)[\s\S]*?(\t\/\/ imports:end)/, (_, a: string, b: string) =>
      `${a}${sorted.map((p) => `\t"${MODULE}/internal/${p}"\n`).join('')}${b}`)
    .replace(/(\t\/\/ uses:begin\n)[\s\S]*?(\t\/\/ uses:end)/, (_, a: string, b: string) =>
      `${a}${sorted.map((p) => `\tparts = append(parts, ${p}.Name)\n`).join('')}${b}`);
}

const SERVER = 'internal/server/server.go';
const optionalPackages = (g: Gen) => [...new Set(matching(g, /^internal\/(unused|gen|feat\d+)\/[^/]+\.go$/).map((f) => f.split('/')[1]!))].sort();

/** One kind of change each; they read the current files and return edits (possibly none: then another is tried). */
const KINDS: Record<string, { weight: number; make(g: Gen): Edits }> = {
  'go-closure': { weight: 14, make: (g) => {
    const files = matching(g, /^(cmd\/app|internal\/(server|util|assets|native))\/[^/]+\.go$/)
      .filter((f) => !/_test\.go$|x_(linux_arm64|notlinux|extra|ignore)\.go$|_(windows|darwin)\.go$/.test(f));
    const file = g.pick(files);
    if (file === SERVER && g.rnd() < 0.5) {
      return new Map([[file, g.files.get(file)!.replace(/const Version = ".*"/, `const Version = "v0.${g.n}"`)]]);
    }
    return edit(g, files);
  } },
  vendor: { weight: 3, make: (g) => edit(g, matching(g, /^vendor\/.*\.go$/)) },
  unused: { weight: 7, make: (g) => edit(g, matching(g, /^internal\/(unused|feat\d+)\/[^/]+\.go$/)) },
  tools: { weight: 6, make: (g) => edit(g, matching(g, /^(tools\/gen|internal\/gen)\/[^/]+\.go$/)) },
  tests: { weight: 7, make: (g) => (g.rnd() < 0.3
    ? new Map([[`internal/util/more${g.n}_test.go`, `package util\n\nimport "testing"\n\nfunc TestMore${g.n}(t *testing.T) {}\n`]])
    : edit(g, matching(g, /_test\.go$|\/testdata\//))) },
  docs: { weight: 7, make: (g) => {
    const added = matching(g, /^docs\/note\d+\.md$/);
    if (g.rnd() < 0.25) return new Map([[`docs/note${g.n}.md`, `# Note ${g.n}\n`]]);
    if (added.length && g.rnd() < 0.2) return new Map([[g.pick(added)!, null]]);
    return edit(g, matching(g, /\.md$/));
  } },
  embed: { weight: 6, make: (g) => (g.rnd() < 0.2
    ? new Map([[`internal/assets/static/page${g.n}.html`, `<p>${g.n}</p>\n`]])
    : edit(g, matching(g, /^internal\/assets\/(static\/[^._][^/]*|web\/[^/]+|templates\/[^/]+\.tmpl)$/))) },
  'embed-skipped': { weight: 5, make: (g) => edit(g, matching(g, /^internal\/assets\/(static\/[._][^/]*|templates\/[^/]+\.txt|[^/]+\.txt)$/)) },
  'header-used': { weight: 4, make: (g) => edit(g, ['csrc/include/shared.h', 'internal/native/native.h', 'internal/native/native.c']) },
  'header-unused': { weight: 3, make: (g) => edit(g, ['csrc/include/other.h', 'csrc/README.md']) },
  platform: { weight: 6, make: (g) => edit(g, matching(g, /^internal\/util\/(x_(linux_arm64|notlinux|extra)|[^/]+_(windows|darwin))\.go$/)) },
  ignore: { weight: 3, make: (g) => edit(g, ['internal/util/x_ignore.go']) },
  image: { weight: 6, make: (g) => (g.rnd() < 0.15
    ? new Map([[`cmake/module${g.n}.cmake`, `set(MODULE_${g.n} ON)\n`]])
    : edit(g, matching(g, /^(Dockerfile|CMakeLists\.txt|VULKAN_VERSION|kernels\/.*\.cu|cmake\/.*)$/))) },
  'go-mod': { weight: 2, make: (g) => edit(g, ['go.mod']) },
  'import-toggle': { weight: 6, make: (g) => {
    const server = g.files.get(SERVER)!;
    const now = optionalImports(server);
    const pkg = g.pick(optionalPackages(g));
    if (!pkg) return new Map();
    const next = now.includes(pkg) ? now.filter((p) => p !== pkg) : [...now, pkg];
    return new Map([[SERVER, withOptionalImports(server, next)]]);
  } },
  'package-add': { weight: 3, make: (g) => new Map([[`internal/feat${g.n}/feat.go`,
    `// Package feat${g.n} is new; nothing imports it yet.\npackage feat${g.n}\n\n// Name is what this package offers.\nconst Name = "feat${g.n}"\n`]]) },
  'package-delete': { weight: 2, make: (g) => {
    const imported = new Set(optionalImports(g.files.get(SERVER)!));
    const pkg = g.pick(optionalPackages(g).filter((p) => p.startsWith('feat') && !imported.has(p)));
    return new Map(pkg ? matching(g, new RegExp(`^internal/${pkg}/`)).map((f) => [f, null]) : []);
  } },
  'file-add': { weight: 4, make: (g) => {
    const [dir, pkg] = g.pick([['internal/util', 'util'], ['internal/util', 'util'], ['internal/unused', 'unused'], ['internal/gen', 'gen']])!;
    const suffix = g.pick(['', '', '_windows', '_darwin', '_linux'])!;
    return new Map([[`${dir}/more${g.n}${suffix}.go`, `package ${pkg}\n\n// More${g.n} was added by commit ${g.n}.\nconst More${g.n} = "more${g.n}"\n`]]);
  } },
  'file-delete': { weight: 3, make: (g) => {
    const file = g.pick(matching(g, /\/(more|moved)\d+(_\w+)?\.go$/));
    return new Map(file ? [[file, null]] : []);
  } },
  rename: { weight: 4, make: (g) => {
    const file = g.pick(matching(g, /^(internal\/\w+\/more\d+(_\w+)?\.go|docs\/note\d+\.md|internal\/assets\/static\/page\d+\.html)$/));
    if (!file) return new Map();
    const renamed = file.replace(/(more|note|page)\d+/, (_, w: string) => `${w === 'more' ? 'moved' : w}${g.n}`);
    return new Map([[file, null], [renamed, g.files.get(file)!]]);
  } },
};

/** Every import of this module names a directory that still has a non-test Go file. */
function consistent(files: Files): boolean {
  const dirs = new Set([...files.keys()].filter((f) => f.endsWith('.go') && !f.endsWith('_test.go')).map((f) => goPackageOf(f)));
  for (const [file, content] of files) {
    if (!file.endsWith('.go')) continue;
    for (const m of content.matchAll(/"(example\.com\/graph\/[^"]+)"/g)) if (!dirs.has(m[1]!)) return false;
  }
  return true;
}

const apply = (files: Files, edits: Edits) => {
  for (const [file, content] of edits) content === null ? files.delete(file) : files.set(file, content);
};

function weightedKind(rnd: () => number): string {
  const entries = Object.entries(KINDS);
  let r = rnd() * entries.reduce((s, [, k]) => s + k.weight, 0);
  for (const [name, k] of entries) if ((r -= k.weight) < 0) return name;
  return entries[0]![0];
}

/** One kind's edits, applied to a copy to check the module stays consistent; undefined when it cannot apply. */
function tryKind(g: Gen, kind: string): Edits | undefined {
  const edits = KINDS[kind]!.make(g);
  const changed = [...edits].some(([f, c]) => g.files.get(f) !== (c ?? undefined));
  if (!changed) return undefined;
  const next = new Map(g.files);
  apply(next, edits);
  return consistent(next) ? edits : undefined;
}

interface Done {
  readonly subject: string;
  readonly kind: string;
  /** Per path: [content before, content after] (null = absent). */
  readonly delta: Map<string, [string | null, string | null]>;
}

/** Undoes an earlier commit whose paths nobody touched since (a clean `git revert`). */
function revertStep(g: Gen, done: readonly Done[]): Step | undefined {
  const candidates = done.slice(-40).filter((d) => !d.kind.startsWith('revert') &&
    [...d.delta].every(([f, [, after]]) => (g.files.get(f) ?? null) === after));
  const target = g.pick(candidates);
  if (!target) return undefined;
  const edits: Edits = new Map([...target.delta].map(([f, [before]]) => [f, before]));
  const next = new Map(g.files);
  apply(next, edits);
  return consistent(next) ? { kind: `revert ${target.kind}`, subject: `Revert "${target.subject}"`, edits } : undefined;
}

function nextStep(g: Gen, done: readonly Done[]): Step {
  const roll = g.rnd();
  if (roll < 0.05) {
    const step = revertStep(g, done);
    if (step) return step;
  }
  const count = roll < 0.15 ? 2 + Math.floor(g.rnd() * 2) : 1; // ~10% mix two or three kinds
  const kinds: string[] = [];
  const edits: Edits = new Map();
  const files = new Map(g.files);
  for (let tries = 0; kinds.length < count && tries < 50; tries++) {
    const kind = weightedKind(g.rnd);
    const made = tryKind({ ...g, files }, kind);
    if (!made) continue;
    kinds.push(kind);
    apply(files, made);
    for (const [f, c] of made) edits.set(f, c);
  }
  // A mixed commit may undo its own edit (add, then delete): keep only what differs from the parent.
  for (const [f, c] of edits) if ((g.files.get(f) ?? null) === c) edits.delete(f);
  const subject = `${g.n}: ${kinds.join(' + ')} (${[...edits.keys()].join(', ')})`;
  return { kind: kinds.join('+'), subject, edits };
}

function blob(content: string): string {
  return `data ${Buffer.byteLength(content)}\n${content}\n`;
}

/** The fast-import stream of one commit. */
function commitRecord(n: number, subject: string, edits: Edits): string {
  const who = `history <history@example.invalid> ${EPOCH + 60 * n} +0000`;
  const ops = [...edits].map(([f, c]) => (c === null ? `D ${f}\n` : `M 100644 inline ${f}\n${blob(c)}`)).join('');
  return `commit refs/heads/main\nmark :${n + 1}\nauthor ${who}\ncommitter ${who}\n${blob(subject)}${n ? `from :${n}\n` : ''}${ops}\n`;
}

function fastImport(dir: string, stream: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: dir, env: gitEnv(), stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject).on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import: ${stderr}`))));
    child.stdin.end(`${stream}done\n`);
  });
}

export interface HistoryOptions {
  readonly seed: number;
  /** Commits after the fixture's own. */
  readonly commits: number;
}

/** Plans the whole history in memory (pure, from the seed), then writes it with one fast-import. */
export function planHistory({ seed, commits }: HistoryOptions): { subject: string; kind: string; edits: Edits }[] {
  const rnd = seededRandom(seed);
  const files = fixtureFiles();
  const steps = [{ subject: 'go-graph fixture', kind: 'fixture', edits: new Map(files) as Edits }];
  const done: Done[] = [];
  for (let n = 1; n <= commits; n++) {
    const g: Gen = { files, rnd, n, pick: (xs) => (xs.length ? xs[Math.floor(rnd() * xs.length)] : undefined) };
    const step = nextStep(g, done);
    const delta = new Map([...step.edits].map(([f, c]) => [f, [files.get(f) ?? null, c] as [string | null, string | null]]));
    apply(files, step.edits);
    done.push({ subject: step.subject, kind: step.kind, delta });
    steps.push(step);
  }
  return steps;
}

export async function generateHistory(options: HistoryOptions): Promise<History> {
  const dir = await initRepo('hotswap-history-');
  const steps = planHistory(options);
  await fastImport(dir, steps.map((s, n) => commitRecord(n, s.subject, s.edits)).join(''));
  await gitIn(dir, ['reset', '-q', '--hard', 'main']);
  const shas = (await gitIn(dir, ['rev-list', '--reverse', 'main'])).split('\n');
  if (shas.length !== steps.length) throw new Error(`expected ${steps.length} commits, git has ${shas.length}`);
  return {
    dir,
    commits: steps.map((s, i) => ({ sha: shas[i]!, subject: s.subject, kind: s.kind, paths: [...s.edits.keys()].sort() })),
    dispose: () => fs.promises.rm(dir, { recursive: true, force: true }),
  };
}
