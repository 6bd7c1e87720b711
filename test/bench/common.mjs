// What the benches share: the repo root, percentiles, a fixture repo in a temp dir and its config, machine
// info, and the result files (bench-results/<name>.{md,json}) that report.mjs merges into summary.md.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
/**
 * The fixture's runtime image with `openssl` added, as ollama's Ubuntu image has it (ca-certificates pulls it
 * in): the tests' image is busybox alone, whose sha256sum is 7× slower than openssl's.
 */
export const RUNTIME_IMAGE = 'hotswap-test/runtime-openssl:latest';

/** The q-quantile (0.5 = median) by rank. */
export function percentile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * q) - 1))];
}
export const median = (xs) => percentile(xs, 0.5);
export const p90 = (xs) => percentile(xs, 0.9);
/** n, median, p90, min, max of a sample (null fields for an empty one). */
export function stats(xs) {
  if (!xs.length) return { n: 0, median: null, p90: null, min: null, max: null };
  return { n: xs.length, median: median(xs), p90: p90(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** A positive number from the environment (e.g. BENCH_RUNS), else the default. */
export function envNumber(names, fallback) {
  for (const name of [names].flat()) {
    const v = Number(process.env[name]);
    if (process.env[name] !== undefined && process.env[name] !== '' && Number.isFinite(v) && v > 0) return v;
  }
  return fallback;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Every container a bench creates is named `hotswap-bench-*`, and removed at the end. */
export const containerName = (name) => `hotswap-bench-${name}`;
export const removeContainer = (name) => spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });

/** Resolves when `url` answers 2xx; `intervalMs` between attempts. */
export async function until2xx(url, { timeoutMs = 15000, intervalMs = 10 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try { if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return; } catch { /* not yet */ }
    await sleep(intervalMs);
  }
  throw new Error(`${url} never answered 2xx within ${timeoutMs} ms`);
}

/** Resolves when GET `url` returns exactly `text`. */
export async function untilServes(url, text, { timeoutMs = 30000, intervalMs = 5 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    try { last = await (await fetch(url, { signal: AbortSignal.timeout(500) })).text(); } catch { last = null; }
    if (last === text) return;
    await sleep(intervalMs);
  }
  throw new Error(`${url} never served ${JSON.stringify(text)} (last: ${JSON.stringify(last)})`);
}

/** The runs in the repo's .hotswap/state.json ([] before the first one is recorded). */
export function stateRuns(repo) {
  try { return JSON.parse(readFileSync(path.join(repo, '.hotswap', 'state.json'), 'utf8')).runs ?? []; } catch { return []; }
}
/** Resolves with the runs once at least `count` are recorded (a run is recorded after it is served). */
export async function untilRuns(repo, count, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = stateRuns(repo);
    if (runs.length >= count) return runs;
    if (Date.now() > deadline) throw new Error(`${repo}: ${runs.length} runs recorded, waited for ${count}`);
    await sleep(20);
  }
}

/** CPU ms of a process and its reaped children, from /proc (USER_HZ = 100: 10 ms resolution). */
export function cpuMsOf(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
}
export const rssMbOf = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const tryRun = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
};
let machineCache = null;
/** What the numbers were measured on; `load` is the 1-minute load average when the bench started. */
export function machineInfo() {
  machineCache ??= {
    cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length,
    ramGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10, kernel: `${os.type()} ${os.release()}`,
    docker: tryRun('docker', ['version', '-f', '{{.Server.Version}}']) ?? 'unknown',
    go: tryRun('go', ['version'])?.replace(/^go version /, '') ?? 'unknown', node: process.version,
    load: Math.round(os.loadavg()[0] * 100) / 100,
  };
  return machineCache;
}
export const machineLine = (m = machineInfo()) =>
  `${m.cores} × ${m.cpu}, ${m.ramGiB} GiB RAM, ${m.kernel}, Docker ${m.docker}, Go ${m.go}, Node ${m.node} (load ${m.load} at start)`;

/**
 * One line of a result table. `median`/`p90` are numbers in `unit` ('ms', 'MB', '%', '×', '' …) or null;
 * `text` replaces them for a value that is not a sample; `goal` is a description and `pass` its verdict
 * (null: no goal).
 */
export const row = (measure, { median = null, p90 = null, unit = 'ms', text = null, goal = null, pass = null } = {}) =>
  ({ measure, median, p90, unit, text, goal, pass });
export const sampleRow = (measure, xs, extra = {}) => row(measure, { median: median(xs), p90: p90(xs), ...extra });

export function formatValue(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (unit === '×') return `${v.toFixed(2)}×`;
  if (unit === '%') return `${v.toFixed(2)} %`;
  if (unit === 'MB') return `${v.toFixed(1)} MB`;
  if (unit === 'ms') return v >= 10000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
  return `${Math.round(v * 100) / 100}${unit ? ` ${unit}` : ''}`;
}
export const verdict = (pass) => (pass === true ? 'pass' : pass === false ? '**FAIL**' : '');

export function renderTable(rows) {
  return ['| measure | median | p90 | goal | result |', '| --- | ---: | ---: | --- | --- |',
    ...rows.map((r) => `| ${r.measure} | ${r.text ?? formatValue(r.median, r.unit)} | ${r.text ? '' : formatValue(r.p90, r.unit)} | ${r.goal ?? ''} | ${verdict(r.pass)} |`),
  ].join('\n');
}

/**
 * Writes bench-results/<name>.md (title, machine, table, notes) and <name>.json ({bench, date, machine,
 * rows, notes, data}); prints the Markdown. report.mjs reads the JSON's rows.
 */
export function writeResults(name, { title, rows, notes = [], data = {} }) {
  const machine = machineInfo();
  const date = new Date().toISOString();
  const md = [`# ${title}`, '', `${date} · ${machineLine(machine)}`, '', renderTable(rows), '',
    ...notes.map((n) => `- ${n}`), ''].join('\n');
  const dir = path.join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.md`), md);
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify({ bench: name, title, date, machine, rows, notes, data }, null, 2)}\n`);
  console.log(md);
}

export const buildImage = (script, ...args) => execFileSync('bash', [path.join(ROOT, 'scripts', script), ...args]);
export const buildRuntimeImage = () => buildImage('runtime-image.sh', RUNTIME_IMAGE, 'openssl');

/** The ollama-mini fixture as a fresh git repo (with .hotswap/ ignored); returns its directory. */
export function makeBenchRepo(name) {
  const repo = mkdtempSync(path.join(os.tmpdir(), `hotswap-bench-${name}-`));
  cpSync(path.join(ROOT, 'test', 'fixtures', 'ollama-mini'), repo, { recursive: true });
  writeFileSync(path.join(repo, '.gitignore'), '.hotswap/\n');
  const git = (...a) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@hotswap.invalid', ...a], { cwd: repo });
  git('init', '-q', '-b', 'main'); git('add', '-A'); git('commit', '-qm', 'bench');
  return repo;
}

/** hotswap.config.json for a target container on the host network at 127.0.0.1:port. */
export function writeBenchConfig(repo, { container, port, build = {}, watch = {}, target = {} }) {
  writeFileSync(path.join(repo, 'hotswap.config.json'), JSON.stringify({
    watch,
    build: { env: { CGO_ENABLED: '0' }, ...build },
    target: { ...target, container, image: RUNTIME_IMAGE, stopTimeoutS: 5,
      create: { network: 'host', ports: [], env: { OLLAMA_HOST: `127.0.0.1:${port}` } },
      health: { url: `http://127.0.0.1:${port}/`, versionUrl: `http://127.0.0.1:${port}/api/version` } },
    notify: { desktop: false },
  }));
}

/** Rewrites the fixture's served message (GET /api/hello). */
export function setMessage(repo, text) {
  const file = path.join(repo, 'server', 'message.go');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/const Message = ".*"/, `const Message = "${text}"`));
}

/**
 * The floor of a swap, the goal's yardstick: what no tool can go below here. `go build` with hotswap's flags
 * and a fresh `-X` version stamp (so the link is never cached) after the same edit, then the Engine API
 * restart hotswap uses (same stop timeout), then GET every 5 ms until the first 2xx. It runs on its own repo
 * copy and its own container (same image), so a watching daemon never sees it. `measure(i)` returns ms.
 * `poll`: when the side measured against it polls from the edit on (watch.mjs: untilServes every 5 ms), the
 * floor does too, so both pay the poller's CPU on these two cores.
 */
export async function makeFloor(name, port, { poll = false } = {}) {
  const Docker = (await import('dockerode')).default;
  const repo = makeBenchRepo(`floor-${name}`);
  const container = containerName(`floor-${name}`);
  const bin = path.join(repo, '.hotswap', 'floor-bin');
  removeContainer(container);
  execFileSync('docker', ['run', '-d', '--name', container, '--network', 'host', '-e', `OLLAMA_HOST=127.0.0.1:${port}`, RUNTIME_IMAGE]);
  const handle = new Docker().getContainer(container);
  const goBuild = (stamp) => new Promise((resolve, reject) => {
    execFile('go', ['build', '-trimpath', '-buildvcs=false', '-ldflags', `-w -s -X ${VERSION_VAR}=0.0.0-floor.${stamp}`, '-o', bin, '.'],
      { cwd: repo, env: { ...process.env, CGO_ENABLED: '0' } }, (e, _o, stderr) => (e ? reject(new Error(`floor go build: ${stderr}`)) : resolve()));
  });
  const url = `http://127.0.0.1:${port}/`;
  await until2xx(url);
  const measure = async (i) => {
    const start = performance.now();
    setMessage(repo, `floor ${i}`);
    let building = poll;
    const poller = (async () => {
      while (building) {
        await fetch(url, { signal: AbortSignal.timeout(500) }).then((r) => r.text(), () => null);
        await sleep(5);
      }
    })();
    await goBuild(`${process.pid}.${i}.${Date.now()}`).finally(() => { building = false; });
    await poller;
    await handle.restart({ t: 5 });
    await until2xx(url, { intervalMs: 5 });
    return performance.now() - start;
  };
  await measure('warm-up'); // the Go build cache, as hotswap's warm-up run does
  const remove = () => { removeContainer(container); rmSync(repo, { recursive: true, force: true }); };
  return { measure, remove };
}
export const VERSION_VAR = 'github.com/ollama/ollama/version.Version';

/** A ratio row of two samples: median/median and p90/p90, with a goal `≤ goal×` when given. */
export function ratioRow(measure, xs, ys, goal = null) {
  const r = { median: median(xs) / median(ys), p90: p90(xs) / p90(ys), unit: '×' };
  return row(measure, goal === null ? r : { ...r, goal: `≤ ${goal}×`, pass: r.median <= goal });
}
