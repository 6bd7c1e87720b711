// How long a plan takes on a realistic repo (about 1,300 files, 60 packages, a main at ./cmd/app): in
// process as the daemon plans (snapshot, then planner.plan against the last build) after a one-file edit,
// and as a one-shot `hotswap plan --json`. No Docker. Writes bench-results/plan.{md,json}.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, median, sampleRow, writeResults } from './common.mjs';
import { seededRandom } from './random.mjs';
import { openRepo } from '../../dist/lib/git/repo.js';
import { createPlanner } from '../../dist/lib/plan/planner.js';
import { buildContextFor, plannerOptions } from '../../dist/lib/plan/build-context.js';
import { resolveConfig } from '../../dist/lib/config/resolve.js';

const WARM_RUNS = Number(process.env.BENCH_RUNS ?? 20);
const CLI_RUNS = Number(process.env.BENCH_CLI_RUNS ?? 10);
const PACKAGES = 60;
const FILES_PER_PACKAGE = 15;
// Offline: the generated module has no dependencies, and nothing may reach a module proxy.
Object.assign(process.env, { GOPROXY: 'off', GOFLAGS: '', GOWORK: 'off' });


const pkgName = (i) => `pkg${String(i).padStart(2, '0')}`;

/**
 * Layers like a real service: 0-9 handlers (imported by ./cmd/app), 10-29 services, 30-49 stores and
 * utilities; 50-54 only ./tools/gen imports; 55-59 nothing imports. Each package imports 2-3 of a lower layer.
 */
function importsOf(i, rnd) {
  if (i >= 30) return i < 45 ? [pkgName(45 + Math.floor(rnd() * 5))] : [];
  const lo = i < 10 ? 10 : 30;
  const count = 2 + Math.floor(rnd() * 2);
  return [...new Set(Array.from({ length: count }, () => pkgName(lo + Math.floor(rnd() * 20))))].sort();
}

/** A Go file of ~80 lines: the first of a package imports and uses its dependencies. */
function goFile(pkg, n, deps, suffix = '') {
  const imports = n === 0 ? deps.map((d) => `\t"example.com/bench/internal/${d}"`) : [];
  const uses = n === 0 ? deps.map((d) => `\tparts = append(parts, ${d}.Name)`) : [];
  const funcs = Array.from({ length: 6 }, (_, f) => [
    `// F${n}x${f}${suffix} formats item ${f} of file ${n}.`,
    `func F${n}x${f}${suffix}(items []string, limit int) string {`,
    '\tvar b strings.Builder',
    '\tfor i, item := range items {',
    '\t\tif i >= limit {',
    '\t\t\tbreak',
    '\t\t}',
    `\t\tfmt.Fprintf(&b, "%d:%s;", i+${f}, item)`,
    '\t}',
    '\treturn b.String()',
    '}',
    ''].join('\n')).join('\n');
  return [`// Code of ${pkg}, file ${n}${suffix}.`, `package ${pkg}`, '', 'import (', '\t"fmt"', '\t"strings"',
    ...(imports.length ? ['', ...imports] : []), ')', '',
    ...(n === 0 ? ['// Name is this package\'s name.', `const Name = "${pkg}"`, '',
      '// Describe lists what this package and its dependencies are.', 'func Describe() []string {',
      `\tparts := []string{Name}`, ...uses, '\treturn parts', '}', ''] : []),
    `// Message${n}${suffix} is what file ${n} says.`, `const Message${n}${suffix} = "${pkg} ${n}"`, '', funcs].join('\n');
}

/** Writes the repo and commits it; returns the number of files. */
function generateRepo(repo) {
  const rnd = seededRandom(1300);
  let files = 0;
  const write = (rel, content) => {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), content);
    files++;
  };
  write('go.mod', 'module example.com/bench\n\ngo 1.19\n');
  write('.gitignore', '.hotswap/\n');
  write('hotswap.config.json', JSON.stringify({ main: './cmd/app' }, null, 2));
  write('Dockerfile', 'FROM scratch\nCOPY app /app\n');
  write('README.md', '# bench\n');
  const handlers = Array.from({ length: 10 }, (_, i) => pkgName(i));
  write('cmd/app/main.go', `package main\n\nimport (\n\t"fmt"\n\n${handlers.map((p) => `\t"example.com/bench/internal/${p}"`).join('\n')}\n)\n\n` +
    `func main() {\n${handlers.map((p) => `\tfmt.Println(${p}.Describe())`).join('\n')}\n}\n`);
  write('tools/gen/main.go', 'package main\n\nimport (\n\t"fmt"\n\n' +
    `${[50, 51, 52, 53, 54].map((i) => `\t"example.com/bench/internal/${pkgName(i)}"`).join('\n')}\n)\n\n` +
    `func main() {\n${[50, 51, 52, 53, 54].map((i) => `\tfmt.Println(${pkgName(i)}.Name)`).join('\n')}\n}\n`);
  for (let i = 0; i < PACKAGES; i++) {
    const pkg = pkgName(i);
    const dir = `internal/${pkg}`;
    const deps = importsOf(i, rnd);
    for (let n = 0; n < FILES_PER_PACKAGE - 2; n++) write(`${dir}/file${n}.go`, goFile(pkg, n, deps));
    write(`${dir}/file_linux.go`, goFile(pkg, 99, [], 'Linux'));
    write(`${dir}/file_windows.go`, goFile(pkg, 99, [], 'Windows'));
    write(`${dir}/${pkg}_test.go`, `package ${pkg}\n\nimport "testing"\n\nfunc TestName(t *testing.T) {\n\tif Name == "" {\n\t\tt.Fatal("no name")\n\t}\n}\n`);
    if (i % 3 === 0) for (let t = 0; t < 5; t++) write(`${dir}/testdata/case${t}.golden`, `${pkg} case ${t}\n`);
  }
  write('internal/pkg10/assets.go', 'package pkg10\n\nimport "embed"\n\n//go:embed assets\nvar Assets embed.FS\n');
  for (let a = 0; a < 100; a++) write(`internal/pkg10/assets/page${a}.html`, `<p>page ${a}</p>\n`);
  for (let d = 0; files < 1300; d++) write(`docs/topic${Math.floor(d / 10)}/note${d}.md`, `# Note ${d}\n\n${'Some text. '.repeat(40)}\n`);
  const git = (...args) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@hotswap.invalid', ...args], { cwd: repo });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'bench repo');
  return files;
}

/** A one-file edit inside a function body: the binary changes, the import graph does not. */
const edit = (repo, i) => writeFileSync(path.join(repo, 'internal', 'pkg20', 'file3.go'), goFile('pkg20', 3, []).replace('"pkg20 3"', `"pkg20 3 edit ${i}"`));

async function inProcess(repo) {
  const config = resolveConfig({ flags: { repo }, cwd: repo, env: process.env });
  const context = await buildContextFor(config, { goos: 'linux', goarch: os.arch() === 'arm64' ? 'arm64' : 'amd64' });
  const target = { main: './cmd/app', context };
  const started = performance.now();
  const git = await openRepo(repo);
  try {
    const planner = createPlanner(git, plannerOptions(config));
    const last = await git.treeOf('HEAD');
    const once = async (i) => {
      edit(repo, i);
      const t0 = performance.now();
      const tree = await git.snapshot();
      const t1 = performance.now();
      const plan = await planner.plan(last, tree, target, { workTree: true });
      const t2 = performance.now();
      if (!plan.rebuild) throw new Error(`a one-file edit planned as no rebuild: ${plan.reason}`);
      return { total: t2 - t0, snapshot: t1 - t0, plan: t2 - t1 };
    };
    const first = await once('cold');
    const cold = { ...first, withCreate: performance.now() - started };
    const warm = [];
    for (let i = 0; i < WARM_RUNS; i++) warm.push(await once(i));
    return { cold, warm };
  } finally {
    await git.close();
  }
}

function cliPlan(repo, i) {
  edit(repo, `cli ${i}`);
  const t0 = performance.now();
  const r = spawnSync('node', [CLI, 'plan', '--repo', repo, '--from', 'HEAD', '--json'], { cwd: repo, encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`hotswap plan failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  if (!report.plan.rebuild) throw new Error(`a one-file edit planned as no rebuild: ${report.plan.reason}`);
  return { wallMs, planMs: report.phases.plan };
}

async function main() {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'hotswap-bench-plan-'));
  try {
    const files = generateRepo(repo);
    const cliCold = cliPlan(repo, 'cold'); // no .hotswap caches yet
    const cli = Array.from({ length: CLI_RUNS }, (_, i) => cliPlan(repo, i));
    rmSync(path.join(repo, '.hotswap'), { recursive: true, force: true }); // in-process starts cold too
    const { cold, warm } = await inProcess(repo);
    const warmTotal = warm.map((w) => w.total);
    const cliWall = cli.map((c) => c.wallMs);
    const rows = [
      sampleRow('in-process plan after a one-file edit, warm (snapshot + plan)', warmTotal, { goal: '≤ 300 ms', pass: median(warmTotal) <= 300 }),
      sampleRow('  snapshot (git add -A, write-tree)', warm.map((w) => w.snapshot)),
      sampleRow('  planner.plan', warm.map((w) => w.plan)),
      sampleRow('in-process first plan, cold (snapshot + plan)', [cold.total]),
      sampleRow('  … including openRepo and createPlanner', [cold.withCreate]),
      sampleRow('one-shot CLI `hotswap plan --from HEAD --json` (wall)', cliWall, { goal: '≤ 1000 ms', pass: median(cliWall) <= 1000 }),
      sampleRow('  its own plan phase (report.phases.plan)', cli.map((c) => c.planMs)),
      sampleRow('one-shot CLI, first run (no .hotswap cache)', [cliCold.wallMs]),
    ];
    writeResults('plan', {
      title: `plan bench (${WARM_RUNS} warm in-process runs, ${CLI_RUNS} CLI runs)`,
      rows,
      notes: [`repo: ${files} files, ${PACKAGES} packages × ${FILES_PER_PACKAGE} Go files, main ./cmd/app; each run edits one function body first`],
      data: { files, packages: PACKAGES, cold, warm, cliCold, cli },
    });
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(repo, { recursive: true, force: true });
  }
}

await main();
