// `npm run bench`: the swap phase (copy + verify + restart + health) over SSH against the local socket, alternating
// local, ssh, local, ssh on one container. The SSH engine is this machine's, behind a loopback sshd
// (test/support/sshd.mjs), so the difference is what SSH costs: the handshake, one `docker system dial-stdio`
// per API call, the gzip of the upload and the health check's forwarded channel. Writes bench-results/remote.{md,json}.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startSshd } from '../support/sshd.mjs';
import {
  buildImage, CLI, containerName, envNumber, makeBenchRepo, median, removeContainer, row, sampleRow, setMessage, writeBenchConfig, writeResults,
} from './common.mjs';

const RUNS = envNumber(['BENCH_REMOTE_RUNS', 'BENCH_RUNS'], 5);
const NAME = containerName('remote');
const PORT = 18613;
const LOCAL = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';

function swap(repo, i, env) {
  setMessage(repo, `bench remote ${i}`);
  const r = spawnSync('node', [CLI, 'swap', '--json', '--quiet'], { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`swap failed: ${r.stderr}`);
  const { phases: p, totalMs } = JSON.parse(r.stdout);
  return { swapMs: p.copy + (p.verify ?? 0) + p.restart + p.health, phases: p, totalMs };
}

async function main() {
  buildImage('runtime-image.sh');
  const repo = makeBenchRepo('remote');
  writeBenchConfig(repo, { container: NAME, port: PORT });
  removeContainer(NAME);
  const sshd = await startSshd(LOCAL);
  const overSsh = { ...sshd.env, DOCKER_HOST: sshd.host };
  try {
    swap(repo, 'warm-up', { DOCKER_HOST: LOCAL }); // creates the container and warms the Go cache
    const local = []; const ssh = [];
    for (let i = 0; i < RUNS; i++) {
      local.push(swap(repo, `l${i}`, { DOCKER_HOST: LOCAL }));
      ssh.push(swap(repo, `s${i}`, overSsh));
    }
    const phases = Object.keys(local[0].phases);
    const ratio = median(ssh.map((s) => s.swapMs)) / median(local.map((s) => s.swapMs));
    writeResults('remote', {
      title: `swap phase over SSH vs the local socket (${RUNS} alternating runs, sshd on loopback)`,
      rows: [
        sampleRow('local socket: swap phase (copy + verify + restart + health)', local.map((s) => s.swapMs)),
        sampleRow('ssh://: swap phase (copy + verify + restart + health)', ssh.map((s) => s.swapMs)),
        row('ssh / local (ratio of medians)', { median: ratio, unit: '×' }),
        ...phases.flatMap((n) => [
          sampleRow(`  local phase ${n}`, local.map((s) => s.phases[n] ?? 0)),
          sampleRow(`  ssh phase ${n}`, ssh.map((s) => s.phases[n] ?? 0)),
        ]),
        sampleRow('local: whole run (totalMs)', local.map((s) => s.totalMs)),
        sampleRow('ssh://: whole run (totalMs)', ssh.map((s) => s.totalMs)),
      ],
      notes: ['the ssh engine is the same engine behind a loopback sshd: no network latency, only what SSH adds'],
      data: { runs: RUNS, local, ssh, ratio },
    });
  } finally {
    await sshd.stop();
    if (!process.env.BENCH_KEEP) removeContainer(NAME);
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();
