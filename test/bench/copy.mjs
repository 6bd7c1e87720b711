// The copy phase of a swap (upload, verify, backup, rename) for a binary of ollama's size, against `docker cp`
// of the same file (CLI start included), alternating A, B, A, B in one run. The fixture gets a 40 MB random
// blob through //go:embed in a temp copy at bench time (nothing big is committed). Run by swap.mjs, or alone:
// `npx tsc -p tsconfig.json --outDir dist/lib && node test/bench/copy.mjs`. BENCH_COPY_BASE=<an older build's
// dist/cli.js> adds its copy phase as a further side, in the same alternation, as does the swap through the engine
// (target.writeFromHost false: where the host cannot write into the container). Writes bench-results/copy.{md,json}.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildRuntimeImage, CLI, containerName, envNumber, makeBenchRepo, median, p90, removeContainer, row, sampleRow, setMessage,
  stats, writeBenchConfig, writeResults,
} from './common.mjs';

const RUNS = envNumber(['BENCH_COPY_RUNS', 'BENCH_RUNS'], 8);
const BLOB_MB = envNumber('BENCH_COPY_BLOB_MB', 40);
const NAME = containerName('copy');
const PORT = 18612;
const GOAL = 1.0;
const BASE = process.env.BENCH_COPY_BASE || null;

/** The fixture with `BLOB_MB` of random bytes embedded in its binary (referenced, so the linker keeps them). */
function makeBigRepo() {
  const repo = makeBenchRepo('copy');
  writeFileSync(path.join(repo, 'blob.bin'), randomBytes(BLOB_MB * 1e6));
  writeFileSync(path.join(repo, 'blob.go'), [
    'package main', '', 'import (', '\t_ "embed"', '\t"os"', ')', '', '//go:embed blob.bin', 'var blob []byte', '',
    'func init() {', '\tif os.Getenv("HOTSWAP_BENCH_BLOB") != "" {', '\t\tos.Stdout.Write(blob[:1])', '\t}', '}', '',
  ].join('\n'));
  const git = (...a) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@hotswap.invalid', ...a], { cwd: repo });
  git('add', '-A'); git('commit', '-qm', 'blob');
  return repo;
}

/** A: `docker cp` of the built binary beside the target, wall time of the CLI run. */
function dockerCp(binary) {
  const start = performance.now();
  const r = spawnSync('docker', ['cp', binary, `${NAME}:/usr/bin/.hotswap-bench-cp`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker cp failed: ${r.stderr}`);
  return performance.now() - start;
}

/** B: one `hotswap swap` (a new message, so a new binary); its copy phase from the JSON report, and how the bytes went (the log). */
function hotswapCopy(repo, i, cli = CLI) {
  setMessage(repo, `copy bench ${i}`);
  const r = spawnSync('node', [cli, 'swap', '--json', '--quiet'], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`swap failed: ${r.stderr}`);
  const checked = readFileSync(path.join(repo, '.hotswap', 'hotswap.log'), 'utf8').split('\n').filter((l) => l.includes('"followed"')).at(-1);
  return { ...JSON.parse(r.stdout).phases, via: checked ? JSON.parse(checked).via : null };
}

/** C: the same through the engine (target.writeFromHost false): what a host that cannot write into the container gets. */
function engineCopy(repo, i) {
  writeBenchConfig(repo, { container: NAME, port: PORT, target: { writeFromHost: false } });
  try {
    return hotswapCopy(repo, `engine ${i}`);
  } finally {
    writeBenchConfig(repo, { container: NAME, port: PORT });
  }
}

export async function benchCopy() {
  buildRuntimeImage();
  const repo = makeBigRepo();
  writeBenchConfig(repo, { container: NAME, port: PORT });
  removeContainer(NAME);
  try {
    hotswapCopy(repo, 'warm-up 1'); // creates the container (its first backup is the original)
    hotswapCopy(repo, 'warm-up 2'); // the live binary is now a swapped one, as in every later swap
    const binary = path.join(repo, '.hotswap', 'bin', 'ollama-dev');
    const bytes = statSync(binary).size;
    const cp = []; const phases = []; const base = []; const engine = [];
    for (let i = 0; i < RUNS; i++) {
      cp.push(dockerCp(binary));
      engine.push(engineCopy(repo, i));
      // The base, when given, goes first every other run: neither side always follows the other's swap.
      if (BASE && i % 2) base.push(hotswapCopy(repo, `base ${i}`, BASE).copy);
      phases.push(hotswapCopy(repo, i));
      if (BASE && !(i % 2)) base.push(hotswapCopy(repo, `base ${i}`, BASE).copy);
    }
    const copy = phases.map((p) => p.copy);
    const ratio = { median: median(copy) / median(cp), p90: p90(copy) / p90(cp) };
    const mb = (bytes / 1e6).toFixed(1);
    const rows = [
      sampleRow(`docker cp of the ${mb} MB binary (CLI run, wall time)`, cp),
      sampleRow(`hotswap copy phase of the ${mb} MB binary (upload, verify, backup, rename)`, copy),
      row('copy phase / docker cp (ratio of medians · of p90s)', { ...ratio, unit: '×', goal: `≤ ${GOAL}×`, pass: ratio.median <= GOAL }),
      sampleRow('  hotswap restart phase (same runs)', phases.map((p) => p.restart)),
      sampleRow('  copy phase through the engine (target.writeFromHost false, same runs)', engine.map((p) => p.copy)),
      row('  that copy phase / docker cp', { median: median(engine.map((p) => p.copy)) / median(cp), p90: p90(engine.map((p) => p.copy)) / p90(cp), unit: '×' }),
      ...(BASE ? [sampleRow(`  copy phase of ${BASE} (same runs)`, base), row('  that copy phase / docker cp', { median: median(base) / median(cp), p90: p90(base) / p90(cp), unit: '×' })] : []),
    ];
    writeResults('copy', {
      title: `copy phase of a ${mb} MB binary vs docker cp (${RUNS} alternating runs)`,
      rows,
      notes: [
        `the fixture with ${BLOB_MB} MB of random bytes embedded; docker cp copies the same built binary into the same container`,
        `how hotswap's upload went (its log): ${[...new Set(phases.map((p) => p.via))].join(', ')}; through the engine: ${[...new Set(engine.map((p) => p.via))].join(', ')}`,
      ],
      data: { runs: RUNS, bytes, cp, phases, engine, base, ratio, stats: { cp: stats(cp), copy: stats(copy), engine: stats(engine.map((p) => p.copy)) } },
    });
  } finally {
    if (!process.env.BENCH_KEEP) removeContainer(NAME);
    rmSync(repo, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchCopy();
