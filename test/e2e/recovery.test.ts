/**
 * Recover from anything (issue 11), on the real engine: a container whose new binary crashes at start, with
 * and without a restart policy, is brought back by `rollback`, `swap` and `watch`, and listed by `backups`
 * (exec cannot run in it: the archive API does the work); a /tmp too small for a backup stops the swap with
 * one line and leaves nothing behind; failed swaps take no backup slots and the original is never pruned;
 * a container stopped during `watch`'s build still gets the newest edit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorLinesOf, runCli, startCli, type CliProcess, type CliResult } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { containerSha256, docker, removeContainer, run, startContainer } from '../support/docker.js';
import { containerStatus, expectWholeBinary, sharedDocker, tempFilesBeside, waitForMatch, waitRunning } from '../support/faults.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText, waitForText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-recovery';
const BIN = '/usr/bin/ollama';

let repo: FixtureRepo;
let port: number;
let daemon: CliProcess | null = null;

const cli = (args: string[]) => runCli(args, { cwd: repo.dir, timeoutMs: 120_000 });
const hello = async () => (await getText(`http://127.0.0.1:${port}/api/hello`)).body;
const servesHello = (text: string, timeoutMs = 30_000) => waitForText(`http://127.0.0.1:${port}/api/hello`, (b) => b === text, timeoutMs);
const writeConfig = (target: Record<string, unknown> = {}) => writeTestConfig(repo.dir, { container: NAME, port, extra: { target } });
const errorLines = (r: CliResult) => errorLinesOf(r.stderr);

interface ListedBackup { path: string; size: number; sha256: string; original: boolean }
async function listed(): Promise<ListedBackup[]> {
  const r = await cli(['backups', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { backups: ListedBackup[] }).backups;
}

/** Files in the container's dir (docker exec; the container must run). */
async function filesIn(dir: string): Promise<string[]> {
  const r = await docker(['exec', NAME, 'ls', '-a', dir]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').map((l) => l.trim()).filter((f) => f && f !== '.' && f !== '..');
}

/** A good binary serving `message`, swapped in and recorded. */
async function serving(message: string) {
  repo.setMessage(message);
  const r = await cli(['swap']);
  expect(r.code, r.stderr).toBe(0);
  await servesHello(message);
  return { sha: await containerSha256(NAME), hello: message };
}

/** Swaps in a binary that panics at start, without rollback: the container is left exited or crash-looping. */
async function leaveCrashing(label: string) {
  const undo = repo.crashAtStart();
  repo.setMessage(label);
  try {
    const r = await cli(['swap', '--no-rollback-on-fail']);
    expect(r.code, r.stderr).toBe(1);
    expect(errorLines(r).join(' ')).toMatch(/`hotswap rollback` restores \/tmp\/ollama\.backup_/);
  } finally {
    undo();
  }
  const status = await containerStatus(sharedDocker, NAME);
  const exec = await docker(['exec', NAME, 'true']);
  expect(exec.code, `exec should fail in a crashed container (${status?.status})`).not.toBe(0);
  return status?.status ?? 'missing';
}

/** The whole-binary check (support/faults.ts): `--version` runs, in the container or copied out. */
const expectWhole = () => expectWholeBinary(sharedDocker, NAME, BIN);

beforeAll(async () => {
  repo = await makeFixtureRepo({ ignoreState: true });
  port = await freePort();
  writeConfig();
  await startContainer({ name: NAME, port });
});

afterEach(async () => {
  if (daemon) await daemon.stop('SIGTERM');
  daemon = null;
  writeConfig();
});

afterAll(async () => {
  await removeContainer(NAME);
  await repo?.remove();
});

describe('a container whose new binary crashes at start', () => {
  for (const policy of ['no', 'unless-stopped', 'always', 'on-failure']) {
    it(`is listed by \`backups\` and brought back by \`rollback\` (restart policy ${policy})`, async () => {
      const before = await serving(`good before the crash (${policy})`);
      expect((await docker(['update', '--restart', policy, NAME])).code).toBe(0);
      const status = await leaveCrashing(`crashing (${policy})`);
      const backups = await listed();
      expect(backups.map((b) => b.sha256)).toContain(before.sha);
      expect(backups.filter((b) => b.original)).toHaveLength(1);
      const r = await cli(['rollback', '--json']);
      console.info(`[recovery] policy ${policy}: left ${status}; rollback exit ${r.code}`);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).sha256).toBe(before.sha);
      expect(await waitRunning(sharedDocker, NAME, 10_000)).toBe(true);
      expect(await hello()).toBe(before.hello);
      expect(await containerSha256(NAME)).toBe(before.sha);
      expect(await tempFilesBeside(sharedDocker, NAME, BIN)).toEqual([]);
      await docker(['update', '--restart', 'no', NAME]);
    });
  }

  it('is brought back by a `swap` of the fixed source, under a restart policy', async () => {
    await serving('good before the crash (swap)');
    expect((await docker(['update', '--restart', 'always', NAME])).code).toBe(0);
    await leaveCrashing('crashing (swap)');
    repo.setMessage('fixed by a swap');
    const r = await cli(['swap']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/installing through the archive API/);
    await servesHello('fixed by a swap');
    await expectWhole();
    await docker(['update', '--restart', 'no', NAME]);
  });

  it('is brought back by `watch`, which swaps the fixed source at start', async () => {
    await serving('good before the crash (watch)');
    await leaveCrashing('crashing (watch)');
    repo.setMessage('fixed under watch');
    daemon = startCli(['watch'], { cwd: repo.dir });
    await servesHello('fixed under watch');
    await expectWhole();
    repo.setMessage('edited under watch after the recovery');
    await servesHello('edited under watch after the recovery');
  });
});

describe('backups', () => {
  it('are whole or absent: a /tmp too small for one stops the swap with one line, leaves nothing, and target.backupDir fixes it', async () => {
    await startContainer({ name: NAME, port, tmpfs: ['/tmp:size=1m'] });
    const before = { sha: await containerSha256(NAME), hello: await hello() };
    repo.setMessage('needs a backup that does not fit');
    const r = await cli(['swap']);
    console.info(`[recovery] 1 MB /tmp: exit ${r.code}: ${errorLines(r).join(' ')}`);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    expect(errorLines(r)[0]).toMatch(/no room in \/tmp \(a backup needs \d+\.\d MB\)/);
    expect(errorLines(r)[0]).toMatch(/set target\.backupDir to a directory with room; the binary was not replaced/);
    expect(r.stderr).not.toMatch(/\/usr\/bin is full/);
    expect(await filesIn('/tmp')).toEqual([]);
    expect(await tempFilesBeside(sharedDocker, NAME, BIN)).toEqual([]);
    expect(await listed()).toEqual([]);
    expect(await containerSha256(NAME)).toBe(before.sha);
    expect(await hello()).toBe(before.hello);

    writeConfig({ backupDir: '/usr' });
    const fixed = await cli(['swap']);
    expect(fixed.code, fixed.stderr).toBe(0);
    await servesHello('needs a backup that does not fit');
    expect((await filesIn('/usr')).filter((f) => f.startsWith('ollama.backup_'))).toEqual([expect.stringMatching(/^ollama\.backup_\d{8}_\d{6}_\d{3}_[0-9a-f]{64}\.original$/)]);
    await startContainer({ name: NAME, port }); // a plain /tmp again for the next tests
  });

  it('take no slot for a failed swap, keep the original whatever is pruned, and mark it', async () => {
    writeConfig({ keepBackups: 1 });
    for (const label of ['good 1', 'good 2', 'good 3']) await serving(label);
    const afterGood = await listed();
    expect(afterGood.map((b) => b.original)).toEqual([true, false]); // the image's binary, and keepBackups 1
    const original = afterGood[0]!;
    const after: ListedBackup[][] = [];
    for (const label of ['refused 1', 'refused 2', 'refused 3']) {
      const undo = repo.crashAtStart();
      repo.setMessage(label);
      const r = await cli(['swap', '--json']);
      undo();
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).outcome).toBe('rolled-back');
      await servesHello('good 3');
      after.push(await listed());
    }
    // The first refused swap backs up 'good 3' (its rollback needs it); the next ones find it kept (renamed to
    // their time, so it stays the newest: what rollback restores). The original is never touched.
    const withoutPath = (list: ListedBackup[]) => list.map(({ path: _path, ...rest }) => rest);
    expect(after[0]!.map((b) => b.original)).toEqual([true, false]);
    for (const list of after) expect(list[0]).toEqual(original);
    expect(withoutPath(after[1]!)).toEqual(withoutPath(after[0]!));
    expect(withoutPath(after[2]!)).toEqual(withoutPath(after[0]!));
    const text = await cli(['backups', '--prune', '0']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`${original.path}  `);
    expect(text.stdout).toMatch(/\(original: never pruned\)/);
    expect((await listed()).map((b) => b.path)).toEqual([original.path]);
  });
});

describe('watch', () => {
  for (const restart of [true, false]) {
    it(`serves the newest edit when the container is stopped during the build${restart ? ' and started again' : ''}`, async () => {
      await serving('before the stop');
      daemon = startCli(['watch', '--verbose'], { cwd: repo.dir }); // phase lines time the stop
      await daemon.waitForOutput(/watching .* \(pid \d+/, 30_000);
      const from = daemon.stderr().length;
      const text = `edited while the container stopped${restart ? ' and started' : ''}`;
      repo.setMessage(text);
      await waitForMatch(daemon.stderr, /✓ plan /, from, 30_000);
      expect((await docker(['stop', '-t', '0', NAME])).code).toBe(0);
      if (restart) expect((await docker(['start', NAME])).code).toBe(0);
      try {
        await servesHello(text, 45_000);
      } finally {
        console.info(`[recovery] watch after the stop:\n${daemon.stderr().slice(from).trimEnd()}`);
      }
      await expectWhole();
      expect(await tempFilesBeside(sharedDocker, NAME, BIN)).toEqual([]);
    });
  }

  it('serves the newest edit when the container is stopped from outside during the health check', async () => {
    const undo = repo.slowStart(2000); // the new binary listens 2 s after its start: the stop lands in the health check
    try {
      await serving('slow to start');
      daemon = startCli(['watch', '--verbose'], { cwd: repo.dir }); // phase lines time the stop
      await daemon.waitForOutput(/watching .* \(pid \d+/, 30_000);
      const from = daemon.stderr().length;
      repo.setMessage('stopped during the health check');
      await waitForMatch(daemon.stderr, /✓ restart /, from, 30_000);
      expect((await docker(['stop', '-t', '0', NAME])).code).toBe(0);
      try {
        await servesHello('stopped during the health check', 60_000);
      } finally {
        console.info(`[recovery] watch after the stop in the health check:\n${daemon.stderr().slice(from).trimEnd()}`);
      }
      expect(daemon.stderr().slice(from)).toMatch(/was stopped during the run; retrying/);
      expect(daemon.stderr().slice(from)).not.toMatch(/rolling back/);
    } finally {
      undo();
    }
  });
});

describe('an image without a shell', () => {
  const IMAGE = 'hotswap-test/no-shell:latest';

  afterAll(async () => {
    await removeContainer(NAME);
    await docker(['rmi', '-f', IMAGE]);
  });

  it('swaps where the host installs (no exec, no shell needed); through the engine it fails with one line saying the image has no sh, and the binary stays', async () => {
    const dockerfile = 'FROM hotswap-test/runtime:latest AS runtime\nFROM scratch\nCOPY --from=runtime /usr/bin/ollama /usr/bin/ollama\nCOPY --from=runtime /tmp /tmp\nLABEL hotswap.test="1"\nENTRYPOINT ["/usr/bin/ollama"]\nCMD ["serve"]\n';
    const built = await runBuild(IMAGE, dockerfile);
    expect(built.code, built.stderr).toBe(0);
    await startContainer({ name: NAME, port, image: IMAGE });
    repo.setMessage('installed by the host: no sh');
    const hosted = await cli(['swap']);
    expect(hosted.code, hosted.stderr).toBe(0);
    expect(await hello()).toBe('installed by the host: no sh');

    writeConfig({ writeFromHost: false });
    try {
      const before = await hello();
      repo.setMessage('never installed: no sh');
      const r = await cli(['swap']);
      console.info(`[recovery] no sh, through the engine: exit ${r.code}: ${errorLines(r).join(' ')}`);
      expect(r.code).toBe(1);
      expect(errorLines(r)).toHaveLength(1);
      expect(errorLines(r)[0]).toMatch(/the image has no sh/);
      expect(await hello()).toBe(before);
      await expectWhole();
    } finally {
      writeConfig();
    }
  });
});

/** `docker build` of a Dockerfile given as text (the legacy builder: no network, no buildx here). */
async function runBuild(image: string, dockerfile: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hs-no-shell-'));
  try {
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    return await run('docker', ['build', '--network', 'none', '-q', '-t', image, dir], { timeoutMs: 120_000, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
