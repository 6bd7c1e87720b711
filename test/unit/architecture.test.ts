/**
 * ARCHITECTURE.md kept true by reading the source tree: every file it names exists, the repo cites only
 * its own documents, and each invariant listed under "Enforced by test/unit/architecture.test.ts" holds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TREES = ['src', 'test', 'scripts'];
const SKIP = new Set(['node_modules', 'fixtures']);

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return SKIP.has(entry.name) ? [] : filesUnder(path);
    return [path];
  });
}

const TOP = readdirSync(ROOT, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
const ALL = [...TOP, ...TREES.flatMap(filesUnder)];
const SOURCES = ALL.filter((p) => p.startsWith('src/') && p.endsWith('.ts'));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const ARCHITECTURE = read('ARCHITECTURE.md');
/** Every module a file imports (static, dynamic or type-only), with whether the import is type-only. */
function importsOf(path: string): { from: string; typeOnly: boolean }[] {
  const found = [...read(path).matchAll(/^\s*import\s+(type\s+)?[^'";]*?from\s+'([^']+)'|import\('([^']+)'\)/gm)];
  return found.map((m) => ({ from: m[2] ?? m[3]!, typeOnly: m[1] !== undefined }));
}
/** `./x.js` from `src/a/b.ts` → `src/a/x.ts`. */
const resolved = (path: string, from: string) =>
  from.startsWith('.') ? relative(ROOT, join(ROOT, path, '..', from)).replace(/\.js$/, '.ts') : from;
/** "file: module" for each import of `paths` that `bad` flags. */
const importsWhere = (paths: readonly string[], bad: (path: string, i: { from: string; typeOnly: boolean }) => boolean) =>
  paths.flatMap((p) => importsOf(p).filter((i) => bad(p, i)).map((i) => `${p}: ${i.from}`));
const importers = (module: string) => SOURCES.filter((p) => importsOf(p).some((i) => i.from === module));

/** `plan/go/{header,graph}.ts` → both paths. */
const expandBraces = (path: string): string[] => {
  const m = /\{([^}]*)\}/.exec(path);
  return m ? m[1]!.split(',').flatMap((part) => expandBraces(path.replace(m[0], part))) : [path];
};

describe('ARCHITECTURE.md', () => {

  it('names only files that exist (under src/, scripts/, test/ or at the top)', () => {
    const named = [...ARCHITECTURE.matchAll(/`([^`\s]+\.(?:ts|mjs|sh))`/g)].map((m) => m[1]!).filter((p) => !p.includes('<'));
    expect(named.length).toBeGreaterThan(40);
    const missing = named.flatMap(expandBraces).filter((p) => !ALL.some((file) => file === p || file.endsWith(`/${p}`)));
    expect(missing).toEqual([]);
  });

  it('is what the code cites: no file of src/, test/ or scripts/ cites a document outside the repo', () => {
    const citing = ALL.filter((p) => /\.(ts|mjs|sh)$/.test(p)).filter((p) => /\b(DESIGN|STYLE) §/.test(read(p)));
    expect(citing).toEqual([]);
  });

  it('states every invariant this file enforces', () => {
    const rules = ['only `docker/` imports dockerode', 'only `git/repo.ts` imports simple-git', '`plan/` and `builders/` never import each other', 'Pure modules', 'knows a default', '`sh -c`', '`Phase`'];
    for (const rule of rules) expect(ARCHITECTURE.replace(/\s+/g, ' ')).toContain(rule);
  });
});

describe('invariants', () => {
  it('only src/docker/ imports dockerode', () => {
    const outside = importers('dockerode').filter((p) => !p.startsWith('src/docker/'));
    expect(importers('dockerode').length).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });

  it('src/plan/ does no Docker I/O: from src/docker/ it imports types at most, and never dockerode', () => {
    const plan = SOURCES.filter((p) => p.startsWith('src/plan/'));
    const docker = importsWhere(plan, (p, i) => i.from === 'dockerode' || (resolved(p, i.from).startsWith('src/docker/') && !i.typeOnly));
    expect(plan.length).toBeGreaterThan(10);
    expect(docker).toEqual([]);
  });

  it('only src/git/repo.ts imports simple-git', () => {
    expect(importers('simple-git')).toEqual(['src/git/repo.ts']);
  });

  it('src/plan/ and src/builders/ never import each other', () => {
    const inFolder = (folder: string) => SOURCES.filter((p) => p.startsWith(`src/${folder}/`));
    const across = (from: string, to: string) => importsWhere(inFolder(from), (p, i) => resolved(p, i.from).startsWith(`src/${to}/`));
    expect(inFolder('plan').length).toBeGreaterThan(10);
    expect(inFolder('builders').length).toBeGreaterThan(5);
    expect([...across('plan', 'builders'), ...across('builders', 'plan')]).toEqual([]);
  });

  it('pure modules import no node:fs nor node:child_process', () => {
    const listed = /^- Pure modules.*?\):([^\n]+(?:\n {2}[^\n]+)*)/m.exec(ARCHITECTURE)?.[1] ?? '';
    const pure = [...listed.matchAll(/`([^`]+\.ts)`/g)].map((n) => `src/${n[1]}`);
    expect(pure.length).toBeGreaterThan(10);
    for (const path of pure) expect(SOURCES, path).toContain(path);
    expect(importsWhere(pure, (_, i) => /^(node:)?(fs|fs\/promises|child_process)$/.test(i.from))).toEqual([]);
  });

  it('only src/config/resolve.ts knows a default: the file schema declares none', () => {
    const schema = read('src/config/schema.ts');
    expect(schema).toContain('.optional()');
    expect(schema).not.toMatch(/\.default\(|\.catch\(/);
  });

  it('no sh -c script is built from values: the script is always a named constant, values follow as "$1"…', () => {
    const calls = SOURCES.flatMap((p) => [...read(p).matchAll(/['"]sh['"],\s*['"]-c['"],\s*([^,\]]+)/g)].map((m) => ({ p, script: m[1]!.trim() })));
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.filter(({ script }) => !/^[A-Z][A-Z0-9_]*$/.test(script))).toEqual([]);
    const fromScripts = (p: string, name: string) => new RegExp(`import \\{[^}]*\\b${name}\\b[^}]*\\} from '(\\./|\\.\\./swap/)scripts\\.js'`).test(read(p));
    expect(calls.filter(({ p, script }) => !(p === 'src/swap/scripts.ts' || fromScripts(p, script)))).toEqual([]);
  });

  it('one Phase vocabulary: only src/phase.ts declares a phase type', () => {
    const declaring = SOURCES.filter((p) => /\btype\s+Phase\w*\s*=/.test(read(p)));
    expect(declaring).toEqual(['src/phase.ts']);
  });
});

/** Every function of a file (declarations, methods, arrows) with its length in lines. */
function functionLengths(path: string): { at: string; lines: number }[] {
  const file = ts.createSourceFile(path, read(path), ts.ScriptTarget.Latest, true);
  const found: { at: string; lines: number }[] = [];
  const lineOf = (pos: number) => file.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      found.push({ at: `${path}:${lineOf(node.getStart()) + 1}`, lines: lineOf(node.getEnd()) - lineOf(node.getStart()) + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('shape', () => {
  it('in src/ no function is over 60 lines', () => {
    const checked = SOURCES.filter((p) => p.startsWith('src/')).flatMap(functionLengths);
    expect(checked.length).toBeGreaterThan(100);
    expect(checked.filter((f) => f.lines > 60)).toEqual([]);
  });
});
