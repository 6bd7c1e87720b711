// `npm run bench`: one-shot `hotswap swap` (CLI wall time, start-up included) against the floor measured in
// the same run (common.mjs makeFloor: `go build` with a fresh -X stamp + API restart + first 2xx), alternating
// A, B, A, B on the fixture; `hotswap --version` against `node -e 0`, alternating. Writes
// bench-results/swap.{md,json}; then copy.mjs (the copy phase of a binary of ollama's size against
// `docker cp`) writes bench-results/copy.{md,json}. BENCH_SWAP_BASE=<an older build's dist/cli.js> adds its
// one-shot swap as a third side, in the same alternation.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { benchCopy } from './copy.mjs';
import {
  buildRuntimeImage, CLI, containerName, ROOT, envNumber, makeBenchRepo, makeFloor, ratioRow, removeContainer, sampleRow,
  setMessage, stats, writeBenchConfig, writeResults,
} from './common.mjs';

const RUNS = envNumber(['BENCH_SWAP_RUNS', 'BENCH_RUNS'], 8);
const NAME = containerName('swap');
const PORT = 18611;
const FLOOR_PORT = 18631;
const GOAL = 1.5;
const VERSION_GOAL = 1.3;
const docker = new Docker();
const BASE = process.env.BENCH_SWAP_BASE || null;

/** One-shot `hotswap swap` after an edit: the CLI's wall time (Node start-up included) and its report. */
function hotswapSwap(repo, i, cli = CLI) {
  setMessage(repo, `bench ${i}`);
  const start = performance.now();
  const r = spawnSync('node', [cli, 'swap', '--json', '--quiet'], { cwd: repo, encoding: 'utf8' });
  const wallMs = performance.now() - start;
  if (r.status !== 0) throw new Error(`swap failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const p = report.phases;
  return { wallMs, swapMs: p.copy + (p.verify ?? 0) + p.restart + p.health, phases: p, totalMs: report.totalMs };
}

/** `hotswap --version` against `node -e 0`, alternating: what the CLI's start-up adds to Node's. */
function startUp() {
  const timed = (args) => { const t = performance.now(); spawnSync('node', args, { stdio: 'ignore' }); return performance.now() - t; };
  const node = []; const version = [];
  for (let i = 0; i < Math.max(RUNS, 5) * 2; i++) {
    node.push(timed(['-e', '0']));
    version.push(timed([CLI, '--version']));
  }
  return { node, version };
}

/**
 * What one Engine API round trip costs here (the swap's building blocks, through dockerode as hotswap does), and
 * Node's first fetch() in a fresh process (the one-shot CLI's first health request pays it).
 */
async function engineCosts(repo) {
  const c = docker.getContainer(NAME);
  const binary = readFileSync(path.join(repo, '.hotswap', 'bin', 'ollama-dev'));
  const inspect = []; const exec = []; const put = []; const firstFetch = []; const importDockerode = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await c.inspect();
    inspect.push(performance.now() - t);
    t = performance.now();
    const e = await c.exec({ Cmd: ['true'], AttachStdout: true, AttachStderr: true });
    const stream = await e.start({ hijack: true, stdin: false });
    await new Promise((resolve) => { stream.once('end', resolve); stream.once('close', resolve); stream.resume(); });
    await e.inspect();
    exec.push(performance.now() - t);
    t = performance.now();
    const pack = tar.pack();
    pack.entry({ name: 'hotswap-bench-upload', size: binary.length, mode: 0o644 }, binary);
    pack.finalize();
    await c.putArchive(pack, { path: '/tmp' });
    put.push(performance.now() - t);
    const r = spawnSync('node', ['-e', `const t = performance.now(); fetch('http://127.0.0.1:${PORT}/').then((r) => r.text()).finally(() => console.log(performance.now() - t))`], { encoding: 'utf8' });
    firstFetch.push(Number(r.stdout.trim()));
    const imp = spawnSync('node', ['--input-type=module', '-e', "const t = performance.now(); await import('dockerode'); console.log(performance.now() - t)"], { cwd: ROOT, encoding: 'utf8' });
    importDockerode.push(Number(imp.stdout.trim()));
  }
  return { inspect, exec, put, firstFetch, importDockerode, binaryBytes: binary.length };
}

async function main() {
  buildRuntimeImage();
  const repo = makeBenchRepo('swap');
  writeBenchConfig(repo, { container: NAME, port: PORT });
  removeContainer(NAME);
  const floor = await makeFloor('swap', FLOOR_PORT);
  try {
    hotswapSwap(repo, 'warm-up'); // creates the container and warms the Go cache
    if (BASE) hotswapSwap(repo, 'warm-up base', BASE);
    const floors = []; const swaps = []; const bases = [];
    for (let i = 0; i < RUNS; i++) {
      floors.push(await floor.measure(i));
      swaps.push(hotswapSwap(repo, i));
      if (BASE) bases.push(hotswapSwap(repo, `base ${i}`, BASE));
    }
    const engine = await engineCosts(repo);
    const start = startUp();
    const wall = swaps.map((s) => s.wallMs);
    const phaseNames = Object.keys(swaps[0].phases);
    const rows = [
      sampleRow('floor: edit → go build (fresh -X stamp) → API restart → first 2xx', floors),
      sampleRow('one-shot `hotswap swap` after the same edit (CLI wall time, start-up included)', wall),
      ratioRow('one-shot swap / floor (ratio of medians · of p90s)', wall, floors, GOAL),
      ...phaseNames.map((n) => sampleRow(`  phase ${n}`, swaps.map((s) => s.phases[n] ?? 0))),
      sampleRow('  swap phase (copy + verify + restart + health)', swaps.map((s) => s.swapMs)),
      sampleRow('  outside the run (Node start, imports, checks, exit: wall − totalMs)', swaps.map((s) => s.wallMs - s.totalMs)),
      sampleRow('  in the run but in no phase (totalMs − phases)', swaps.map((s) => s.totalMs - Object.values(s.phases).reduce((a, b) => a + b, 0))),
      ...(BASE ? [
        sampleRow(`base (${BASE}): one-shot swap`, bases.map((s) => s.wallMs)),
        ratioRow('base: one-shot swap / floor', bases.map((s) => s.wallMs), floors, GOAL),
        sampleRow('base: outside the run', bases.map((s) => s.wallMs - s.totalMs)),
      ] : []),
      sampleRow('`node -e 0`', start.node),
      sampleRow('`hotswap --version`', start.version),
      ratioRow('`hotswap --version` / `node -e 0`', start.version, start.node, VERSION_GOAL),
      sampleRow('  engine: container inspect', engine.inspect),
      sampleRow('  engine: exec `true` (create, start, wait, inspect)', engine.exec),
      sampleRow(`  engine: putArchive of the ${(engine.binaryBytes / 2 ** 20).toFixed(1)} MB binary`, engine.put),
      sampleRow('  node: first fetch() in a fresh process (loads undici)', engine.firstFetch),
      sampleRow('  node: import dockerode in a fresh process', engine.importDockerode),
    ];
    writeResults('swap', {
      title: `one-shot swap vs the floor (${RUNS} alternating runs)`,
      rows,
      notes: ['floor: the fixture edited, `go build -trimpath -buildvcs=false -ldflags "-w -s -X …=<fresh>"`, dockerode `restart({t: 5})` (the call hotswap makes), GET every 5 ms until 2xx; on its own container of the same image'],
      data: { runs: RUNS, floor: floors, swaps, ...(BASE ? { base: BASE, bases } : {}), engine, startUp: start, stats: { floor: stats(floors), oneShot: stats(wall) } },
    });
  } finally {
    floor.remove();
    if (!process.env.BENCH_KEEP) removeContainer(NAME);
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();
await benchCopy();
