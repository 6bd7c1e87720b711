// `npm run bench`: hotswap's swap phase against Docker's own floor (API restart until the first 2xx),
// alternating A, B, A, B in one run on the fixture. Writes bench-results/swap.{md,json}; then copy.mjs
// (the copy phase of a binary of ollama's size against `docker cp`) writes bench-results/copy.{md,json}.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import tar from 'tar-stream';
import { benchCopy } from './copy.mjs';
import {
  buildRuntimeImage, CLI, containerName, ROOT, envNumber, makeBenchRepo, median, p90, removeContainer, row, sampleRow, setMessage,
  stats, until2xx, writeBenchConfig, writeResults,
} from './common.mjs';

const RUNS = envNumber(['BENCH_SWAP_RUNS', 'BENCH_RUNS'], 8);
const NAME = containerName('swap');
const PORT = 18611;
const GOAL = 1.5;
const docker = new Docker();

/** Docker's own floor: the Engine API restart hotswap uses (same stop timeout), then the first 2xx. */
async function dockerFloor() {
  const start = performance.now();
  await docker.getContainer(NAME).restart({ t: 5 });
  await until2xx(`http://127.0.0.1:${PORT}/`, { intervalMs: 10 });
  return performance.now() - start;
}

function hotswapSwap(repo, i) {
  setMessage(repo, `bench ${i}`);
  const r = spawnSync('node', [CLI, 'swap', '--json', '--quiet'], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`swap failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const p = report.phases;
  return { swapMs: p.copy + (p.verify ?? 0) + p.restart + p.health, phases: p, totalMs: report.totalMs };
}

/**
 * What one Engine API round trip costs here (the swap's building blocks, through dockerode as hotswap does), and
 * Node's first fetch() in a fresh process (the one-shot CLI's first health request pays it).
 */
async function engineCosts(repo) {
  const c = docker.getContainer(NAME);
  const binary = readFileSync(path.join(repo, '.hotswap', 'bin', 'ollama-dev'));
  const inspect = []; const exec = []; const put = []; const firstFetch = []; const importDockerode = []; const cliVersion = [];
  const timed = (args) => { const t = performance.now(); spawnSync('node', args, { stdio: 'ignore' }); return performance.now() - t; };
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
    cliVersion.push(timed([CLI, '--version']));
  }
  return { inspect, exec, put, firstFetch, importDockerode, cliVersion, binaryBytes: binary.length };
}

async function main() {
  buildRuntimeImage();
  const repo = makeBenchRepo('swap');
  writeBenchConfig(repo, { container: NAME, port: PORT });
  removeContainer(NAME);
  try {
    hotswapSwap(repo, 'warm-up'); // creates the container and warms the Go cache
    const floor = []; const swaps = [];
    for (let i = 0; i < RUNS; i++) {
      floor.push(await dockerFloor());
      swaps.push(hotswapSwap(repo, i));
    }
    const engine = await engineCosts(repo);
    const swapMs = swaps.map((s) => s.swapMs);
    const phaseNames = Object.keys(swaps[0].phases);
    const ratio = { median: median(swapMs) / median(floor), p90: p90(swapMs) / p90(floor) };
    const rows = [
      sampleRow('Docker floor: API restart → first 2xx', floor),
      sampleRow('hotswap swap phase (copy + verify + restart + health)', swapMs),
      row('swap phase / floor (ratio of medians · of p90s)', { ...ratio, unit: '×', goal: `≤ ${GOAL}×`, pass: ratio.median <= GOAL }),
      ...phaseNames.map((n) => sampleRow(`  phase ${n}`, swaps.map((s) => s.phases[n] ?? 0))),
      sampleRow('hotswap swap total (one-shot CLI run, report totalMs)', swaps.map((s) => s.totalMs)),
      sampleRow('  in the run but in no phase (totalMs − phases: backup pruning, state…)', swaps.map((s) => s.totalMs - Object.values(s.phases).reduce((a, b) => a + b, 0))),
      sampleRow('  engine: container inspect', engine.inspect),
      sampleRow('  engine: exec `true` (create, start, wait, inspect)', engine.exec),
      sampleRow(`  engine: putArchive of the ${(engine.binaryBytes / 2 ** 20).toFixed(1)} MB binary`, engine.put),
      sampleRow('  node: first fetch() in a fresh process (loads undici)', engine.firstFetch),
      sampleRow('  node: import dockerode in a fresh process (loads @grpc/grpc-js, proto-loader)', engine.importDockerode),
      sampleRow('  node: `hotswap --version` wall time (Node start + CLI entry)', engine.cliVersion),
    ];
    writeResults('swap', {
      title: `swap phase vs Docker's restart floor (${RUNS} alternating runs)`,
      rows,
      notes: ['floor: dockerode `restart({t: 5})` (the call hotswap makes) then GET health every 10 ms until 2xx; swap phase: the copy, verify, restart and health phases of `hotswap swap --json`'],
      data: { runs: RUNS, floor, swaps, ratio, engine, stats: { floor: stats(floor), swap: stats(swapMs) } },
    });
  } finally {
    if (!process.env.BENCH_KEEP) removeContainer(NAME);
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();
await benchCopy();
