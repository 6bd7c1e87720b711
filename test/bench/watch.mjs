// Watch-mode figures on the fixture: time to ready, edit-to-live p50/p90 (debounce included) against the
// floor measured in the same run, alternating (common.mjs makeFloor: the same edit, `go build` with a fresh
// -X stamp, API restart, first 2xx), RSS, idle CPU, and the CPU cost of no-op saves. Writes
// bench-results/watch.{md,json}. BENCH_WATCH_BASE=<an older build's dist/cli.js> adds its edit-to-served as a
// third side (its own repo, container and port), in the same alternation.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildRuntimeImage, CLI, containerName, cpuMsOf, envNumber, makeBenchRepo, makeFloor, median, ratioRow, removeContainer, row, rssMbOf,
  sampleRow, setMessage as setRepoMessage, sleep, stateRuns, stats, untilRuns, untilServes, writeBenchConfig, writeResults,
} from './common.mjs';

const EDITS = envNumber(['BENCH_WATCH_RUNS', 'BENCH_RUNS'], 8);
const IDLE_S = envNumber('BENCH_IDLE_S', 30);
const PORT = envNumber('BENCH_WATCH_PORT', 18612); // the floor on +20, the base on +40
const DEBOUNCE = 200;
const GOAL = 1.3;
const BASE = process.env.BENCH_WATCH_BASE || null;

/** A `hotswap watch` of `cli` on a fixture repo of its own, serving on `port`. */
function startWatch(cli, name, port) {
  const repo = makeBenchRepo(name);
  const container = containerName(name);
  writeBenchConfig(repo, { container, port, watch: { debounceMs: DEBOUNCE } });
  removeContainer(container);
  const daemon = spawn('node', [cli, 'watch'], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  const side = { repo, container, daemon, out: '', hello: `http://127.0.0.1:${port}/api/hello` };
  daemon.stderr.on('data', (d) => { side.out += d; });
  return side;
}

async function untilWatching(side) {
  while (!/watching/.test(side.out)) {
    if (side.daemon.exitCode !== null) throw new Error(`hotswap watch exited: ${side.out}`);
    await sleep(5);
  }
}

/** One edit on a side, timed from the save to the new text served. */
async function editToServed(side, text) {
  const start = performance.now();
  setRepoMessage(side.repo, text);
  await untilServes(side.hello, text);
  return performance.now() - start;
}

async function stopWatch(side) {
  if (side.daemon.exitCode === null) {
    const closed = new Promise((r) => side.daemon.on('close', r));
    side.daemon.kill('SIGTERM');
    await closed;
  }
  if (!process.env.BENCH_KEEP) removeContainer(side.container);
  rmSync(side.repo, { recursive: true, force: true });
}

buildRuntimeImage();
const floor = await makeFloor('watch', PORT + 20, { poll: true });
const t0 = performance.now();
const main = startWatch(CLI, 'watch', PORT);
const { repo, daemon } = main;
const message = path.join(repo, 'server', 'message.go');
const base = BASE ? startWatch(BASE, 'watch-base', PORT + 40) : null;
try {
  await untilWatching(main);
  const readyMs = performance.now() - t0;
  if (base) await untilWatching(base);
  // The initial run creates the container (which serves the image's "hello v1" at once) and swaps; edits are
  // timed only once it is recorded.
  await untilRuns(repo, 1);
  if (base) await untilRuns(base.repo, 1);
  await sleep(500);
  const live = []; const floors = []; const baseLive = [];
  // With a base, the two sides take turns going first (the floor between them), so neither always follows the floor.
  const edit = async (side, i) => (side === main ? live : baseLive).push(await editToServed(side, `${side === main ? '' : 'base '}edit ${i}`));
  for (let i = 0; i < EDITS; i++) {
    const [first, second] = base && i % 2 === 1 ? [base, main] : [main, base];
    await edit(first, i);
    await sleep(300);
    floors.push(await floor.measure(i));
    if (!second) continue;
    await sleep(300);
    await edit(second, i);
    await sleep(300);
  }
  if (base) await stopWatch(base); // idle from here on, and out of the CPU figures below
  // Every edit's run is recorded just after it is served.
  const runsBefore = (await untilRuns(repo, Math.min(1 + EDITS, 50))).length;
  const noop = [];
  for (const [label, act] of [
    ['docs edit', () => writeFileSync(path.join(repo, 'docs', 'README.md'), `${readFileSync(path.join(repo, 'docs', 'README.md'), 'utf8')}\nmore\n`)],
    ['save without change', () => writeFileSync(message, readFileSync(message))],
    ['edit then undo', () => { const s = readFileSync(message, 'utf8'); writeFileSync(message, `${s}//x\n`); writeFileSync(message, s); }],
  ]) {
    const c0 = cpuMsOf(daemon.pid);
    act();
    await sleep(DEBOUNCE + 1500);
    noop.push({ label, cpuMs: cpuMsOf(daemon.pid) - c0 });
  }
  const state = { runs: stateRuns(repo) };
  const noopBuilds = state.runs.slice(runsBefore).filter((r) => r.phases.build !== undefined).length;
  const lastBuild = state.runs.filter((r) => r.phases.build !== undefined).slice(-EDITS).map((r) => r.phases.build);
  const c0 = cpuMsOf(daemon.pid);
  await sleep(IDLE_S * 1000);
  const idleCpuMs = cpuMsOf(daemon.pid) - c0;
  const rss = rssMbOf(daemon.pid);
  const goalMs = DEBOUNCE + median(lastBuild) + 600;
  const rows = [
    row('time to ready (spawn → "watching")', { median: readyMs, text: `${Math.round(readyMs)} ms` }),
    sampleRow(`edit saved → new code served (${EDITS} edits, debounce ${DEBOUNCE} ms)`, live),
    sampleRow('floor: the same edit → go build (fresh -X stamp) → API restart → first 2xx (alternating)', floors),
    ratioRow('watch edit → served / floor (ratio of medians · of p90s)', live, floors, GOAL),
    ...(base ? [sampleRow(`  edit saved → served, ${BASE} (same runs)`, baseLive), ratioRow('  that edit → served / floor', baseLive, floors)] : []),
    row('  debounce + build phase + 600 ms (the former goal)', { median: goalMs }),
    sampleRow('  build phase in those runs', lastBuild),
    row('RSS after the edits', { median: rss, unit: 'MB' }),
    row(`idle CPU over ${IDLE_S} s`, { median: idleCpuMs / (IDLE_S * 10), unit: '%', text: `${Math.round(idleCpuMs)} ms (${(idleCpuMs / (IDLE_S * 10)).toFixed(2)} %)` }),
    ...noop.map((x) => row(`no-op: ${x.label}, daemon CPU (git included)`, { median: x.cpuMs, text: `${Math.round(x.cpuMs)} ms` })),
    row('builds caused by the no-op edits', { median: noopBuilds, unit: '', text: String(noopBuilds), goal: '0', pass: noopBuilds === 0 }),
  ];
  writeResults('watch', {
    title: 'watch mode on the fixture',
    rows,
    notes: ['CPU from /proc/<pid>/stat (utime + stime + reaped children), 10 ms resolution'],
    data: { readyMs, live, floors, baseLive, lastBuild, rss, idleS: IDLE_S, idleCpuMs, noop, noopBuilds, stats: { live: stats(live), floor: stats(floors) } },
  });
} finally {
  await stopWatch(main);
  if (base) await stopWatch(base);
  floor.remove();
}
