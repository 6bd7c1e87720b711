// `npm run bench`: hotswap's watcher against raw chokidar (the same chokidar from node_modules,
// `watch(dir, { ignoreInitial: true })` ignoring what hotswap never watches: .git, .hotswap, node_modules) on
// generated Go-like trees of 1,300 and 50,000 files (git repos in temp dirs: the watcher honours .gitignore).
// hotswap's side is src/watch/watcher.ts bundled by esbuild as `npm run build` bundles dist/cli.js (its
// dependencies inlined), started as the daemon starts it: unbundled, Node would load the CommonJS `ignore`
// through its ESM translator, ~6 MB and ~10 ms that the shipped bundle never pays. Each side runs in a child
// process of its own (this file with `--child`), so RSS and CPU are its alone; sides alternate A, B, A, B.
// Per run: time to ready (module import + start → ready), RSS, idle CPU, and edit-detect latency (a file is
// written; time until the child reports that path on stdout). Writes bench-results/watcher.{md,json}.
//
// Env: BENCH_WATCHER_SIZES (default "1300,50000"), BENCH_WATCHER_ROUNDS (runs per side and size, default 2),
// BENCH_WATCHER_EDITS (edits per side and size, spread over the rounds, default 20), BENCH_IDLE_S (idle window
// per side and size, spread over the rounds, default 30). BENCH_WATCHER_TREE=<dir> measures an existing tree
// instead (a checkout of a real project): ready, CPU to ready and RSS only, nothing written in it, sides
// alternating A, B, B, A, BENCH_WATCHER_ROUNDS (default 7) runs each.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { seededRandom } from './random.mjs';

const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------------------
// Child: one watcher. Prints JSON lines: {ready, importMs, startMs} once, {ev, path} per event, and answers
// "stats" on stdin with {cpuUs, rss, maxRss}; "close" closes the watcher and exits.
if (process.argv[2] === '--child') {
  const [, , , side, dir, module] = process.argv;
  const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const t0 = performance.now();
  let close;
  let startAt;
  if (side === 'hotswap') {
    const { startWatcher } = await import(pathToFileURL(module).href);
    // A no-op logger: only the watcher's own cost is measured (the daemon's pino is the same on every path).
    const noop = () => {};
    const log = { debug: noop, info: noop, warn: noop, error: noop, trace: noop, fatal: noop };
    startAt = performance.now();
    const w = await startWatcher({
      repo: dir, paths: [dir], ignore: [], poll: false, log,
      onChange: (paths) => { for (const p of paths) emit({ ev: 'change', path: p }); },
      onError: (e) => emit({ error: e.message }),
    });
    close = () => w.close();
  } else {
    const { watch } = await import('chokidar');
    // The same basics hotswap never watches (src/watch/ignore.ts ALWAYS): git's store, hotswap's state, JS deps.
    const skipped = ['.git', '.hotswap', 'node_modules'].map((name) => path.join(dir, name));
    const ignored = (p) => skipped.some((s) => p === s || p.startsWith(s + path.sep));
    startAt = performance.now();
    const fsw = watch(dir, { ignoreInitial: true, ignored });
    fsw.on('all', (ev, p) => emit({ ev, path: path.relative(dir, p).split(path.sep).join('/') }));
    fsw.on('error', (e) => emit({ error: String(e?.message ?? e) }));
    await new Promise((r) => fsw.once('ready', r));
    close = () => fsw.close();
  }
  const now = performance.now();
  emit({ ready: now - t0, importMs: startAt - t0, startMs: now - startAt, cpuUs: cpuUs() });
  readline.createInterface({ input: process.stdin }).on('line', async (line) => {
    if (line === 'stats') emit({ cpuUs: cpuUs(), rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 });
    if (line === 'close') { await close(); process.exit(0); }
  });
}
function cpuUs() { const u = process.cpuUsage(); return u.user + u.system; }

// ---------------------------------------------------------------------------------------------------------
// The tree.

/**
 * A Go-like repo of about `total` files: packages of ~12 .go files (+ tests) under internal/, server/, cmd/…,
 * testdata/ dirs, docs/, binary assets/, and ~2 % git-ignored build output (build/, *.log). Returns the
 * repo-relative .go files to edit (one per package, first 40 packages).
 */
function generateTree(dir, total) {
  const rnd = seededRandom(total);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const files = new Map();
  const add = (rel, content) => files.set(rel, content);
  add('go.mod', 'module example.com/big\n\ngo 1.19\n');
  add('main.go', 'package main\n\nfunc main() {}\n');
  add('.gitignore', '/build/\n*.log\n/dist/\n');
  add('README.md', '# big\n');
  const quota = (share) => Math.max(1, Math.round(total * share));
  const words = ['api', 'server', 'llm', 'model', 'runner', 'format', 'convert', 'auth', 'envconfig', 'parser', 'progress', 'readline', 'template', 'discover', 'gpu', 'cache', 'kv', 'sample', 'types', 'util'];
  const tops = ['internal', 'server', 'cmd', 'api', 'llm', 'model', 'runner', 'pkg'];
  const pkgs = [];
  const goFiles = quota(0.62);
  const perPkg = 12;
  for (let i = 0; pkgs.length < Math.ceil(goFiles / perPkg); i++) {
    const depth = 1 + Math.floor(rnd() * 3);
    const parts = [pick(tops)];
    for (let d = 0; d < depth; d++) parts.push(`${pick(words)}${d === depth - 1 ? i : ''}`);
    pkgs.push(parts.join('/'));
  }
  const edits = [];
  let n = 0;
  for (const pkg of pkgs) {
    const name = path.posix.basename(pkg).replace(/\d+$/, '') || 'p';
    for (let f = 0; f < perPkg && n < goFiles; f++, n++) {
      const test = f % 6 === 5;
      const rel = `${pkg}/${name}_${f}${test ? '_test' : ''}.go`;
      add(rel, `package ${name}\n\n// F${f} is generated.\nfunc F${f}() int { return ${f} }\n`);
      if (f === 0 && edits.length < 40) edits.push(rel);
    }
  }
  const addGroup = (count, perDir, dirOf, fileOf) => {
    for (let i = 0; i < count; i++) add(`${dirOf(Math.floor(i / perDir))}/${fileOf(i)}`, null);
  };
  // testdata: groups of 8 under packages
  const td = quota(0.14);
  for (let i = 0; i < td; i++) add(`${pkgs[Math.floor(i / 8) % pkgs.length]}/testdata/case${Math.floor(i / 8)}/input_${i}.json`, `{"case": ${i}}\n`);
  addGroup(quota(0.1), 10, (g) => `docs/${pick(words)}/${g}`, (i) => `page_${i}.md`);
  const assets = quota(0.1);
  for (let i = 0; i < assets; i++) {
    const bytes = Buffer.alloc(256 + Math.floor(rnd() * 768));
    for (let b = 0; b < bytes.length; b++) bytes[b] = Math.floor(rnd() * 256);
    add(`assets/${pick(['img', 'icons', 'fonts', 'models'])}/${Math.floor(i / 20)}/asset_${i}.bin`, bytes);
  }
  addGroup(quota(0.02), 20, (g) => `build/obj/${g}`, (i) => `obj_${i}.o`);
  add('server.log', 'ignored\n');
  for (const [rel, content] of files) {
    mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content ?? `${rel}\n`);
  }
  const git = (...a) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@hotswap.invalid', ...a], { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main'); git('add', '-A'); git('commit', '-qm', 'tree');
  const dirs = new Set([...files.keys()].map((f) => path.posix.dirname(f)));
  return { edits, files: files.size, dirs: dirs.size, ignored: [...files.keys()].filter((f) => f.startsWith('build/') || f.endsWith('.log')).length };
}

// `node test/bench/watcher.mjs --tree <files> <dir>`: only generates a tree (to profile a watcher by hand).
if (process.argv[2] === '--tree') {
  mkdirSync(process.argv[4], { recursive: true });
  console.log(JSON.stringify(generateTree(process.argv[4], Number(process.argv[3]))));
}

// ---------------------------------------------------------------------------------------------------------
// Parent.
if (process.argv[2] !== '--child' && process.argv[2] !== '--tree') {
  const { envNumber, median, p90, ROOT, row, sampleRow, sleep, stats, writeResults } = await import('./common.mjs');
  const TREE = process.env.BENCH_WATCHER_TREE ? path.resolve(process.env.BENCH_WATCHER_TREE) : null;
  const SIZES = TREE ? [] : (process.env.BENCH_WATCHER_SIZES ?? '1300,50000').split(',').map(Number).filter((n) => n > 0);
  const ROUNDS = envNumber('BENCH_WATCHER_ROUNDS', TREE ? 7 : 2);
  const EDITS = envNumber('BENCH_WATCHER_EDITS', 20);
  const IDLE_S = envNumber('BENCH_IDLE_S', 30);
  const SIDES = ['hotswap', 'chokidar'];
  const GOAL = 1.2;
  /** Idle CPU below this share of one core is noise (a few ms over the window): both pass. */
  const IDLE_FLOOR_PCT = 0.02;

  /** inotify watches of one process, from /proc/<pid>/fdinfo. */
  function inotifyWatches(pid) {
    let count = 0;
    for (const fd of safe(() => readdirSync(`/proc/${pid}/fdinfo`), [])) {
      const text = safe(() => readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'), '');
      if (text.includes('inotify wd:')) count += text.split('inotify wd:').length - 1;
    }
    return count;
  }
  function safe(f, fallback) { try { return f(); } catch { return fallback; } }
  const allInotifyWatches = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).reduce((sum, pid) => sum + inotifyWatches(pid), 0);

  /** Makes room for the biggest tree (one watch per file and directory); says what it found and did. */
  function checkInotify(needed) {
    const file = '/proc/sys/fs/inotify/max_user_watches';
    const max = Number(readFileSync(file, 'utf8'));
    const inUse = allInotifyWatches();
    const want = inUse + Math.ceil(needed * 1.2);
    if (max >= want) return { room: max - inUse, note: `inotify max_user_watches ${max} (${inUse} in use); enough for ${needed} watches` };
    try {
      execFileSync('sysctl', ['-w', 'fs.inotify.max_user_watches=524288'], { stdio: 'ignore' });
    } catch {
      try { writeFileSync(file, '524288'); } catch { /* reported below */ }
    }
    const now = Number(readFileSync(file, 'utf8'));
    return { room: now - inUse, note: now > max ? `inotify max_user_watches raised from ${max} to ${now} with sysctl (${inUse} in use, ${needed} needed)`
      : `inotify max_user_watches ${max} (${inUse} in use) is below the ${want} needed and could not be raised` };
  }

  /** hotswap's watcher as it ships: bundled, its dependencies inlined (see the top of this file). */
  async function bundleWatcher(outdir) {
    const { build } = await import('esbuild');
    const outfile = path.join(outdir, 'watcher.mjs');
    await build({ entryPoints: [path.join(ROOT, 'src', 'watch', 'watcher.ts')], outfile, bundle: true, platform: 'node',
      format: 'esm', target: 'node20', mainFields: ['module', 'main'], logLevel: 'warning' });
    return outfile;
  }
  const MODULE_DIR = mkdtempSync(path.join(os.tmpdir(), 'hotswap-bench-watcher-module-'));
  const MODULE = await bundleWatcher(MODULE_DIR);

  /** One child watcher on `dir`. */
  function startChild(side, dir) {
    const t0 = performance.now();
    const child = spawn(process.execPath, [SELF, '--child', side, dir, MODULE], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const waiters = [];
    const events = [];
    const errors = [];
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      msg.at = performance.now();
      if (msg.ev) events.push(msg);
      if (msg.error) errors.push(msg.error);
      for (const w of [...waiters]) if (w.test(msg)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(msg); }
    });
    const exited = new Promise((r) => child.once('exit', r));
    const next = (test, timeoutMs) => new Promise((resolve, reject) => {
      const w = { test, resolve: (m) => { clearTimeout(timer); resolve(m); } };
      const timer = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); reject(new Error(`${side}: timed out${stderr ? `: ${stderr}` : ''}`)); }, timeoutMs);
      waiters.push(w);
      exited.then(() => { if (waiters.includes(w)) { clearTimeout(timer); reject(new Error(`${side} exited: ${stderr}`)); } });
    });
    return {
      child, t0, events, errors,
      ready: next((m) => m.ready !== undefined, 10 * 60_000),
      stats: () => { const p = next((m) => m.rss !== undefined, 10_000); child.stdin.write('stats\n'); return p; },
      next,
      async close() {
        if (child.exitCode !== null) return;
        child.stdin.write('close\n');
        await Promise.race([exited, sleep(10_000)]);
        if (child.exitCode === null) { child.kill('SIGKILL'); await exited; }
      },
    };
  }

  /** One run of one side: ready, edits, idle. */
  async function runSide(side, tree, dir, edits, idleMs, editOffset) {
    const w = startChild(side, dir);
    try {
      const ready = await w.ready;
      const spawnToReadyMs = ready.at - w.t0;
      await sleep(500);
      const latencies = [];
      let missed = 0;
      for (let i = 0; i < edits; i++) {
        const rel = tree.edits[(editOffset + i) % tree.edits.length];
        const file = path.join(dir, rel);
        const seen = w.next((m) => m.ev && m.path === rel, 5000);
        const start = performance.now();
        writeFileSync(file, `${readFileSync(file, 'utf8')}// edit ${editOffset + i}\n`);
        try { latencies.push((await seen).at - start); } catch { missed++; }
        await sleep(100);
      }
      await sleep(300);
      const before = await w.stats();
      await sleep(idleMs);
      const after = await w.stats();
      const watches = inotifyWatches(w.child.pid);
      return {
        readyMs: ready.ready, importMs: ready.importMs, startMs: ready.startMs, spawnToReadyMs, cpuToReadyMs: ready.cpuUs / 1000,
        latencies, missed, idleCpuMs: (after.cpuUs - before.cpuUs) / 1000, idleMs,
        rssMb: after.rss / 2 ** 20, maxRssMb: after.maxRss / 2 ** 20, watches, errors: [...w.errors],
      };
    } finally {
      await w.close();
    }
  }

  /** BENCH_WATCHER_TREE: ready, CPU to ready and RSS on a tree as it is (nothing is written in it). */
  async function measureTree(dir) {
    const runs = { hotswap: [], chokidar: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of r % 2 ? [...SIDES].reverse() : SIDES) {
        const res = await runSide(side, null, dir, 0, 0, 0);
        runs[side].push(res);
        console.error(`watcher tree run ${r + 1}/${ROUNDS} ${side}: CPU to ready ${Math.round(res.cpuToReadyMs)} ms, ready ${Math.round(res.readyMs)} ms, rss ${res.rssMb.toFixed(1)} MB, ${res.watches} watches`);
      }
    }
    const all = (side, k) => runs[side].map((x) => x[k]);
    for (const [key, name, unit] of [['cpuToReadyMs', 'CPU to ready (Node start included)', 'ms'], ['rssMb', 'RSS', 'MB']]) {
      rows.push(
        sampleRow(`tree: hotswap ${name}`, all('hotswap', key), { unit }),
        sampleRow(`tree: chokidar ${name}`, all('chokidar', key), { unit }),
        ratioRow(`tree: ${name}, hotswap / chokidar`, all('hotswap', key), all('chokidar', key), '×', true),
      );
    }
    rows.push(ratioRow('tree: ready (wall), hotswap / chokidar', all('hotswap', 'readyMs'), all('chokidar', 'readyMs'), '×', false));
    notes.push(`tree: ${ROUNDS} runs per side, alternating A, B, B, A; ${median(all('hotswap', 'watches'))} vs ${median(all('chokidar', 'watches'))} inotify watches`);
    data.tree = { runs };
  }

  const ratioRow = (measure, hs, raw, unit, goal) => {
    const r = { median: median(hs) / median(raw), p90: p90(hs) / p90(raw), unit: '×' };
    return row(measure, goal ? { ...r, goal: `≤ ${GOAL}×`, pass: r.median <= GOAL } : r);
  };

  const rows = [];
  const notes = [];
  const data = { rounds: ROUNDS, edits: EDITS, idleS: IDLE_S, sizes: {} };
  const maxSize = Math.max(0, ...SIZES);
  const inotify = SIZES.length ? checkInotify(Math.round(maxSize * 1.15)) : { room: 0, note: null };
  if (inotify.note) notes.push(inotify.note);
  if (inotify.note) console.error(`watcher: ${inotify.note}`);
  for (const size of SIZES) {
    if (size * 1.15 > inotify.room) {
      notes.push(`${size} files: skipped, not enough inotify watches (${inotify.room} free)`);
      continue;
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), `hotswap-bench-watcher-${size}-`));
    try {
      const g0 = performance.now();
      const tree = generateTree(dir, size);
      console.error(`watcher: ${tree.files} files in ${tree.dirs} dirs generated and committed in ${Math.round(performance.now() - g0)} ms`);
      const runs = { hotswap: [], chokidar: [] };
      const perRoundEdits = Math.ceil(EDITS / ROUNDS);
      const idleMs = (IDLE_S * 1000) / ROUNDS;
      for (let r = 0; r < ROUNDS; r++) {
        for (const side of SIDES) {
          const res = await runSide(side, tree, dir, perRoundEdits, idleMs, r * perRoundEdits);
          runs[side].push(res);
          console.error(`watcher ${size} round ${r + 1}/${ROUNDS} ${side}: ready ${Math.round(res.readyMs)} ms, rss ${res.rssMb.toFixed(1)} MB, idle ${res.idleCpuMs.toFixed(1)} ms CPU, latency p50 ${Math.round(median(res.latencies) ?? NaN)} ms, ${res.watches} watches`);
        }
      }
      const all = (side, k) => runs[side].map((x) => x[k]);
      const lat = (side) => runs[side].flatMap((x) => x.latencies);
      const idlePct = (side) => runs[side].reduce((s, x) => s + x.idleCpuMs, 0) / (IDLE_S * 1000) * 100;
      const label = `${size.toLocaleString('en-US')} files`;
      const [hsIdle, rawIdle] = [idlePct('hotswap'), idlePct('chokidar')];
      const idlePass = hsIdle <= rawIdle * GOAL || hsIdle <= IDLE_FLOOR_PCT;
      rows.push(
        sampleRow(`${label}: hotswap ready (import + start → ready)`, all('hotswap', 'readyMs')),
        sampleRow(`${label}: chokidar ready`, all('chokidar', 'readyMs')),
        ratioRow(`${label}: ready, hotswap / chokidar`, all('hotswap', 'readyMs'), all('chokidar', 'readyMs'), '×', true),
        sampleRow(`${label}: hotswap RSS (after edits and idle)`, all('hotswap', 'rssMb'), { unit: 'MB' }),
        sampleRow(`${label}: chokidar RSS`, all('chokidar', 'rssMb'), { unit: 'MB' }),
        ratioRow(`${label}: RSS, hotswap / chokidar`, all('hotswap', 'rssMb'), all('chokidar', 'rssMb'), '×', true),
        row(`${label}: idle CPU over ${IDLE_S} s, hotswap · chokidar`, { median: hsIdle, unit: '%',
          text: `${hsIdle.toFixed(3)} % · ${rawIdle.toFixed(3)} %`, goal: `≤ ${GOAL}× chokidar (or < ${IDLE_FLOOR_PCT} %)`, pass: idlePass }),
        sampleRow(`${label}: hotswap edit-detect latency`, lat('hotswap')),
        sampleRow(`${label}: chokidar edit-detect latency`, lat('chokidar')),
        ratioRow(`${label}: edit-detect, hotswap / chokidar`, lat('hotswap'), lat('chokidar'), '×', false),
        ratioRow(`${label}: CPU to ready (Node start included), hotswap / chokidar`, all('hotswap', 'cpuToReadyMs'), all('chokidar', 'cpuToReadyMs'), '×', false),
        row(`${label}: peak RSS · inotify watches · CPU to ready, hotswap vs chokidar`, { text:
          `${median(all('hotswap', 'maxRssMb')).toFixed(0)} vs ${median(all('chokidar', 'maxRssMb')).toFixed(0)} MB · ` +
          `${median(all('hotswap', 'watches'))} vs ${median(all('chokidar', 'watches'))} · ` +
          `${Math.round(median(all('hotswap', 'cpuToReadyMs')))} vs ${Math.round(median(all('chokidar', 'cpuToReadyMs')))} ms` }),
      );
      const missed = SIDES.map((s) => runs[s].reduce((n, x) => n + x.missed, 0));
      const errs = SIDES.map((s) => runs[s].flatMap((x) => x.errors));
      if (errs.some((e) => e.length)) notes.push(`${label}: watcher errors: hotswap ${errs[0].length} (${errs[0][0] ?? ''}), chokidar ${errs[1].length} (${errs[1][0] ?? ''})`);
      if (missed.some(Boolean)) notes.push(`${label}: edits not reported within 5 s: hotswap ${missed[0]}, chokidar ${missed[1]}`);
      notes.push(`${label}: ${tree.files} files in ${tree.dirs} directories, ${tree.ignored} of them git-ignored (build/, *.log)`);
      data.sizes[size] = { tree, runs, idlePct: { hotswap: hsIdle, chokidar: rawIdle },
        stats: Object.fromEntries(SIDES.map((s) => [s, { ready: stats(all(s, 'readyMs')), rss: stats(all(s, 'rssMb')), latency: stats(lat(s)) }])) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (TREE) await measureTree(TREE);
  rmSync(MODULE_DIR, { recursive: true, force: true });
  notes.push('each side in its own child process (`node test/bench/watcher.mjs --child <side> <dir> <module>`); hotswap: src/watch/watcher.ts bundled with esbuild, startWatcher with a no-op logger; chokidar: `watch(dir, { ignoreInitial: true, ignored: .git, .hotswap, node_modules })`');
  if (TREE) notes.push('ready = module import + start → ready inside the child; CPU to ready from process.cpuUsage() in the child at ready; RSS 0.8 s after ready');
  else notes.push(`ready = module import + start → ready inside the child; idle CPU from process.cpuUsage() over ${IDLE_S} s (${ROUNDS} × ${IDLE_S / ROUNDS} s); latency = file written → the child's line for that path read by the parent`);
  writeResults('watcher', { title: `watcher vs raw chokidar (${ROUNDS} alternating runs per side)`, rows, notes, data });
}
