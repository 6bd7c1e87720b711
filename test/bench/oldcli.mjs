// `npm run bench`: hotswap against the old workflow done by hand with the docker CLI, step for step as the
// old PowerShell script did it. Writes bench-results/oldcli.{md,json}.
//
// The old flow (one run): go build (hotswap's flags: -trimpath -buildvcs=false -ldflags "-w -s -X <versionVar>=…",
// CGO_ENABLED=0, GOOS/GOARCH of the image) → docker exec sha256sum → docker exec cp to /tmp/ollama.backup_<ts>
// → docker cp <binary> c:/usr/bin/ollama → docker restart → wait → docker exec sha256sum → docker logs --tail 20.
// "wait" is either polling the health URL every 50 ms until 2xx, or the old fixed `sleep 2` (then one check).
//
// `docker cp` straight over the running /usr/bin/ollama works (no "text file busy"): the daemon's archive
// extraction removes the existing file and creates a new inode (checked with `ls -i`: the inode changes), so the
// running process keeps its old inode. It is not atomic (the path is briefly missing, then partly written),
// which is what hotswap's upload-beside-then-rename avoids; for timing it is the old script's behaviour, so it
// is what we measure. No temp name + `docker exec mv` was needed.
//
// Part 1, alternating A, B, C per iteration: (A) one-shot `node dist/cli.js swap`, (B) old flow with polling,
// (C) old flow with sleep 2; wall time of the whole thing, build included.
// Part 2, alternating D, E, F: edit saved → new message served on /api/hello: (D) `hotswap watch` running
// (debounce 200 ms), (E) edit then the old flow with polling, (F) with sleep 2. Goal: D/E ≤ 0.6.
// hotswap and the old flow each have their own repo copy and container (same image), so the watcher never
// sees the old flow's edits. Every iteration changes the source, so every build is real.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  buildRuntimeImage, CLI, containerName, envNumber, makeBenchRepo, median, p90, removeContainer, row, RUNTIME_IMAGE,
  sampleRow, setMessage, sleep, stateRuns, stats, until2xx, untilRuns, untilServes, writeBenchConfig, writeResults,
} from './common.mjs';

const RUNS = envNumber(['BENCH_OLDCLI_RUNS', 'BENCH_RUNS'], 6);
const HS = { name: containerName('oldcli-hotswap'), port: 18621 };
const OLD = { name: containerName('oldcli-old'), port: 18622 };
const BINARY = '/usr/bin/ollama';
const VERSION_VAR = 'github.com/ollama/ollama/version.Version';
const POLL_MS = 50;
const SLEEP_MS = 2000;
const DEBOUNCE = 200;

const execFileP = promisify(execFile);
const run = async (cmd, args, opts = {}) => {
  try {
    return (await execFileP(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts })).stdout;
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
};
const url = (t, p = '/') => `http://127.0.0.1:${t.port}${p}`;
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15); // yyyyMMdd_HHmmss

const [imageOs, imageArch] = (await run('docker', ['image', 'inspect', '-f', '{{.Os}}/{{.Architecture}}', RUNTIME_IMAGE]).catch(() => 'linux/amd64')).trim().split('/');

/** The old script's steps, each timed. `wait`: 'poll' (health every 50 ms) or 'sleep' (sleep 2, then one check). */
async function oldFlow(repo, bin, version, wait) {
  const steps = {};
  const step = async (name, fn) => { const s = performance.now(); const r = await fn(); steps[name] = performance.now() - s; return r; };
  const t0 = performance.now();
  await step('build', () => run('go', ['build', '-trimpath', '-buildvcs=false', '-ldflags', `-w -s -X ${VERSION_VAR}=${version}`, '-o', bin, '.'],
    { cwd: repo, env: { ...process.env, CGO_ENABLED: '0', GOOS: imageOs, GOARCH: imageArch } }));
  await step('hash', () => run('docker', ['exec', OLD.name, 'sha256sum', BINARY]));
  await step('backup', () => run('docker', ['exec', OLD.name, 'cp', BINARY, `/tmp/ollama.backup_${stamp()}`]));
  await step('cp', () => run('docker', ['cp', bin, `${OLD.name}:${BINARY}`]));
  await step('restart', () => run('docker', ['restart', OLD.name]));
  let healthyAfterSleep = true;
  await step(wait === 'poll' ? 'health' : 'sleep', async () => {
    if (wait === 'poll') return until2xx(url(OLD), { intervalMs: POLL_MS });
    await sleep(SLEEP_MS);
    healthyAfterSleep = await fetch(url(OLD), { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
  });
  const after = await step('hash2', () => run('docker', ['exec', OLD.name, 'sha256sum', BINARY]));
  await step('logs', () => run('docker', ['logs', '--tail', '20', OLD.name]));
  const totalMs = performance.now() - t0;
  // Outside the timing: prove the copy landed whole.
  if (after.split(/\s/)[0] !== sha256(bin)) throw new Error(`old flow: hash in ${OLD.name} differs from ${bin}`);
  return { totalMs, steps, healthyAfterSleep };
}

/**
 * One-shot `hotswap swap`: wall time of the CLI process, and its report. Also where the wall time goes outside
 * the report's totalMs: before the run (Node start, imports, config and input checks) = first stdout byte (the
 * JSON is printed when the run has finished) − totalMs; after it = first stdout byte → process exit.
 */
function hotswapSwap(repo) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('node', [CLI, 'swap', '--json', '--quiet'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = ''; let firstOut = null;
    child.stdout.on('data', (d) => { firstOut ??= performance.now(); out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const end = performance.now();
      if (code !== 0) return reject(new Error(`hotswap swap exited ${code}: ${err}`));
      const report = JSON.parse(out);
      if (report.outcome !== 'swapped') return reject(new Error(`hotswap swap: ${report.outcome}`));
      resolve({ wallMs: end - t0, totalMs: report.totalMs, phases: report.phases,
        beforeRunMs: (firstOut - t0) - report.totalMs, afterOutputMs: end - firstOut });
    });
  });
}

function startDaemon(repo) {
  const daemon = spawn('node', [CLI, 'watch'], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  daemon.stderr.on('data', (d) => { err += d; });
  const ready = (async () => {
    const deadline = Date.now() + 60000;
    while (!/watching/.test(err)) {
      if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`hotswap watch did not start: ${err}`);
      await sleep(5);
    }
  })();
  const stop = async () => {
    if (daemon.exitCode !== null) return;
    const closed = new Promise((r) => daemon.once('close', r));
    daemon.kill('SIGTERM');
    await Promise.race([closed, sleep(10000)]);
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  };
  return { daemon, ready, stop, output: () => err };
}

const stepMedians = (runs) => Object.fromEntries(Object.keys(runs[0].steps).map((k) => [k, median(runs.map((r) => r.steps[k]))]));
const stepText = (m) => Object.entries(m).map(([k, v]) => `${k} ${Math.round(v)}`).join(' · ');

async function main() {
  buildRuntimeImage();
  const repoHs = makeBenchRepo('oldcli-hotswap');
  const repoOld = makeBenchRepo('oldcli-old');
  const binDir = mkdtempSync(path.join(os.tmpdir(), 'hotswap-bench-oldcli-bin-'));
  const bin = path.join(binDir, 'ollama');
  writeBenchConfig(repoHs, { container: HS.name, port: HS.port, watch: { debounceMs: DEBOUNCE } });
  removeContainer(HS.name); removeContainer(OLD.name);
  let daemon = null;
  let n = 0;
  try {
    // The old script expected its container to exist: create it like hotswap's target.create would.
    await run('docker', ['run', '-d', '--name', OLD.name, '--network', 'host', '-e', `OLLAMA_HOST=127.0.0.1:${OLD.port}`, RUNTIME_IMAGE]);
    await until2xx(url(OLD));
    // Warm-up (not measured): hotswap creates its container; both warm the Go build cache.
    setMessage(repoHs, 'warm-up'); await hotswapSwap(repoHs);
    setMessage(repoOld, 'warm-up'); await oldFlow(repoOld, bin, '0.0.0-oldcli.warm', 'poll');

    // Part 1: A, B, C alternating.
    const A = []; const B = []; const C = [];
    for (let i = 0; i < RUNS; i++) {
      let msg = `oneshot ${n++}`;
      setMessage(repoHs, msg);
      A.push(await hotswapSwap(repoHs));
      await untilServes(url(HS, '/api/hello'), msg, { timeoutMs: 5000 });
      for (const [list, wait] of [[B, 'poll'], [C, 'sleep']]) {
        await sleep(300);
        msg = `oneshot ${n++}`;
        setMessage(repoOld, msg);
        list.push(await oldFlow(repoOld, bin, `0.0.0-oldcli.${n}`, wait));
        await untilServes(url(OLD, '/api/hello'), msg, { timeoutMs: 5000 });
      }
      await sleep(300);
      process.stderr.write(`oldcli part 1: ${i + 1}/${RUNS}\n`);
    }

    // Part 2: edit → served, D (watch), E (old flow, poll), F (old flow, sleep 2) alternating.
    const runsBefore = stateRuns(repoHs).length;
    daemon = startDaemon(repoHs);
    await daemon.ready;
    await untilRuns(repoHs, Math.min(runsBefore + 1, 50)); // the initial run (nothing changed: skipped) is recorded
    await sleep(500);
    // The first edit after the start also builds the previous tree's graph and asks `go list`: timed apart.
    const msg0 = `live ${n++}`;
    const t00 = performance.now();
    setMessage(repoHs, msg0);
    await untilServes(url(HS, '/api/hello'), msg0);
    const firstEdit = performance.now() - t00;
    await sleep(500);
    const D = []; const E = []; const F = [];
    const flows = { poll: [], sleep: [] };
    for (let i = 0; i < RUNS; i++) {
      let msg = `live ${n++}`;
      let t0 = performance.now();
      setMessage(repoHs, msg);
      await untilServes(url(HS, '/api/hello'), msg);
      D.push(performance.now() - t0);
      for (const [list, wait] of [[E, 'poll'], [F, 'sleep']]) {
        await sleep(300);
        msg = `live ${n++}`;
        t0 = performance.now();
        setMessage(repoOld, msg);
        flows[wait].push(await oldFlow(repoOld, bin, `0.0.0-oldcli.${n}`, wait));
        await untilServes(url(OLD, '/api/hello'), msg);
        list.push(performance.now() - t0);
      }
      await sleep(300);
      process.stderr.write(`oldcli part 2: ${i + 1}/${RUNS}\n`);
    }
    await daemon.stop();

    const a = A.map((r) => r.wallMs); const b = B.map((r) => r.totalMs); const c = C.map((r) => r.totalMs);
    const ratio = (x, y) => ({ median: median(x) / median(y), p90: p90(x) / p90(y), unit: '×' });
    const dOverE = ratio(D, E);
    const sleepMisses = C.concat(flows.sleep).filter((r) => r.healthyAfterSleep === false).length;
    const hsPhases = Object.fromEntries(Object.keys(A[0].phases).map((k) => [k, median(A.map((r) => r.phases[k] ?? 0))]));
    const bSteps = stepMedians(B);
    const dOverF = ratio(D, F);
    // What no watch loop can beat on this machine: the debounce, the compile and Docker's restart (the old flow's).
    const bound = DEBOUNCE + bSteps.build + bSteps.restart;
    const rows = [
      sampleRow('A: one-shot `hotswap swap` (CLI wall time, build included)', a),
      sampleRow('  A: outside the run, before it (Node start, imports, checks)', A.map((r) => r.beforeRunMs)),
      sampleRow('  A: outside the run, JSON printed → process exit', A.map((r) => r.afterOutputMs)),
      row('  A: phases (hotswap report), median ms', { text: stepText(hsPhases) }),
      sampleRow('B: old flow by hand, health polled every 50 ms', b),
      row('  B: steps, median ms', { text: stepText(bSteps) }),
      sampleRow('C: old flow by hand, fixed `sleep 2` (as the old script)', c),
      row('A / B (ratio of medians · of p90s)', ratio(a, b)),
      row('A / C', ratio(a, c)),
      sampleRow(`D: watch, edit saved → served (debounce ${DEBOUNCE} ms)`, D),
      row('  D: the first edit after the daemon started (not in D)', { median: firstEdit }),
      sampleRow('E: edit → old flow (poll) → served', E),
      sampleRow('F: edit → old flow (sleep 2, as the old script) → served', F),
      row('D / F: watch vs the old script', { ...dOverF, goal: '≤ 0.6×', pass: dOverF.median <= 0.6 }),
      row('D / E: watch vs the old flow with polling', dOverE),
      row('  floor for D: debounce + go build + docker restart (B medians)', { median: bound, text: `${Math.round(bound)} ms = ${(bound / median(E)).toFixed(2)}× E` }),
    ];
    writeResults('oldcli', {
      title: `hotswap vs the old docker-CLI workflow (${RUNS} alternating runs)`,
      rows,
      notes: [
        'old flow: go build → docker exec sha256sum → docker exec cp (backup) → docker cp over the running binary → docker restart → wait → docker exec sha256sum → docker logs --tail 20',
        '`docker cp` over the running binary works: the daemon unlinks the file and writes a new inode (not atomic; hotswap uploads beside and renames)',
        `ratios: median(x)/median(y) in the median column, p90(x)/p90(y) in the p90 column; ${sleepMisses} of ${C.length + F.length} \`sleep 2\` runs were not healthy after the sleep`,
      ],
      data: { runs: RUNS, A, B, C, D, E, F, firstEdit, flows, stats: { A: stats(a), B: stats(b), C: stats(c), D: stats(D), E: stats(E), F: stats(F) } },
    });
  } finally {
    await daemon?.stop();
    if (!process.env.BENCH_KEEP) { removeContainer(HS.name); removeContainer(OLD.name); }
    for (const dir of [repoHs, repoOld, binDir]) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
