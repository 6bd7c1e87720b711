/**
 * The host's own write into a running container (src/docker/proc-root.ts, used by src/swap/install.ts) on the
 * real engine: it lands where the container sees it and reads back as the container holds it; it never
 * follows the container's symlinks out to the host's files; a process that is not the container's gets
 * nothing; target.binaryPath is checked that way, with no exec. Then swaps: the host installs itself, with no
 * exec in the container (src/swap/host-install.ts), backing up by a hard link or, across file systems, a
 * checked copy; a big binary's upload is hashed by hotswap-hasher in the container as the host writes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../src/docker/docker.js';
import { containerDir } from '../../src/docker/proc-root.js';
import { checkBinaryPath } from '../../src/pipeline/binary-path.js';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config.js';
import { lastLogLine } from '../support/daemon-log.js';
import { containerSha256, docker, dockerExec, removeContainer, startContainer } from '../support/docker.js';
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { getText } from '../support/http.js';
import { freePort } from '../support/ports.js';

const NAME = 'hs-test-host-write';
let repo: FixtureRepo;
let port: number;
let scratch: string;
let pid: number;
let id: string;

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const inContainer = async (script: string) => {
  const r = await dockerExec(NAME, ['sh', '-c', script]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
};

beforeAll(async () => {
  repo = await makeFixtureRepo();
  port = await freePort();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-host-write-'));
  writeTestConfig(repo.dir, { container: NAME, port });
  await startContainer({ name: NAME, port });
  [pid, id] = (await docker(['inspect', '-f', '{{.State.Pid}} {{.Id}}', NAME])).stdout.trim().split(' ').map((v, i) => (i ? v : Number(v))) as [number, string];
});

afterAll(async () => {
  await removeContainer(NAME);
  await repo.remove();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('the host writing into a container (proc-root)', () => {
  it('writes a file the container sees, and reads back its hash, inode and size as the container holds them', async () => {
    const file = path.join(scratch, 'payload');
    fs.writeFileSync(file, randomBytes(3 * 2 ** 20 + 7));
    const dir = (await containerDir(pid, id, '/usr/bin'))!;
    expect(dir).not.toBeNull();
    try {
      await dir.write('.hs-payload', file);
      const back = await dir.readBack('.hs-payload');
      expect(back.sha256).toBe(sha(file));
      expect(await containerSha256(NAME, '/usr/bin/.hs-payload')).toBe(sha(file));
      expect(await inContainer('stat -c "%i %s" /usr/bin/.hs-payload')).toBe(`${back.inode} ${back.size}`);
      expect(await dir.entry('ollama')).toEqual(expect.objectContaining({ kind: 'file', size: Number(await inContainer('stat -c %s /usr/bin/ollama')) }));
      expect(await dir.entry('.hs-none')).toBeNull();
    } finally {
      await dir.close();
    }
  });

  it('replaces a symlink planted at the name, and never writes through it to the host file it names', async () => {
    const hostFile = path.join(scratch, 'host-only');
    fs.writeFileSync(hostFile, 'the host\'s');
    await inContainer(`ln -sf ${hostFile} /usr/bin/.hs-planted`); // absolute: from the host, it names the host's file
    const file = path.join(scratch, 'payload2');
    fs.writeFileSync(file, 'the upload');
    const dir = (await containerDir(pid, id, '/usr/bin'))!;
    try {
      await dir.write('.hs-planted', file);
    } finally {
      await dir.close();
    }
    expect(fs.readFileSync(hostFile, 'utf8')).toBe('the host\'s');
    expect(await inContainer('[ ! -L /usr/bin/.hs-planted ] && cat /usr/bin/.hs-planted')).toBe('the upload');
  });

  it('refuses a directory reached through a symlink (an absolute one would resolve on the host)', async () => {
    await inContainer('mkdir -p /opt && ln -sfn /etc /opt/link && mkdir -p /opt/real/sub && ln -sfn /opt/real /opt/real-link');
    expect(await containerDir(pid, id, '/opt/link')).toBeNull();
    expect(await containerDir(pid, id, '/opt/real-link/sub')).toBeNull();
    const plain = await containerDir(pid, id, '/opt/real/sub');
    expect(plain).not.toBeNull();
    await plain!.close();
  });

  it('checks target.binaryPath from the host, with no exec in the container; a path it cannot open is left to the exec', async () => {
    const real = connectDocker().container(NAME);
    const execs: string[] = [];
    const watched = Object.assign(Object.create(real) as typeof real, {
      exec: (argv: readonly string[]) => (execs.push(argv.join(' ')), real.exec(argv)),
    });
    const running = (await real.inspect())!;
    expect(await checkBinaryPath(watched, '/usr/bin/ollama', running)).toBe(true);
    await expect(checkBinaryPath(watched, '/usr/bin', running)).rejects.toThrow('target.binaryPath /usr/bin is a directory');
    expect(execs).toEqual([]);
    await expect(checkBinaryPath(watched, '/no/such/dir/ollama', running)).rejects.toThrow('the directory /no/such/dir does not exist');
    expect(execs).toHaveLength(1);
  });

  it('answers null for a process that is not the container\'s, or for no process', async () => {
    expect(await containerDir(process.pid, id, '/usr/bin')).toBeNull(); // this test's own process: not in its cgroup
    expect(await containerDir(pid, 'a'.repeat(64), '/usr/bin')).toBeNull();
    expect(await containerDir(0, id, '/usr/bin')).toBeNull();
    expect(await containerDir(pid, id, 'usr/bin')).toBeNull(); // not absolute
  });
});

describe('swaps written from the host', () => {
  const lastLine = (key: string) => lastLogLine(repo.dir, key);
  const swapServes = async (message: string) => {
    repo.setMessage(message);
    const result = await runCli(['swap', '--json'], { cwd: repo.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).sha256).toBe(await containerSha256(NAME));
    expect((await getText(`http://127.0.0.1:${port}/api/hello`)).body).toBe(message);
    expect(await inContainer('ls -a /usr/bin')).not.toContain('hotswap-new');
  };

  /** The exec_create events the engine saw for the container while `work` ran. */
  const execsDuring = async (work: () => Promise<void>): Promise<string[]> => {
    const since = (Date.now() / 1000).toFixed(3);
    await work();
    const until = (Date.now() / 1000).toFixed(3);
    const events = await docker(['events', '--since', since, '--until', until, '--filter', `container=${NAME}`, '--filter', 'event=exec_create', '--format', '{{.Action}}']);
    expect(events.code, events.stderr).toBe(0);
    return events.stdout.split('\n').filter(Boolean);
  };

  it('installs by the host itself: no exec in the container, the binary backed up by a hard link', async () => {
    const live = await inContainer('stat -c %i /usr/bin/ollama');
    repo.setMessage('hello, no exec');
    const execs = await execsDuring(async () => {
      const result = await runCli(['swap', '--json'], { cwd: repo.dir });
      expect(result.code, result.stderr).toBe(0);
    });
    expect(execs).toEqual([]);
    expect((await getText(`http://127.0.0.1:${port}/api/hello`)).body).toBe('hello, no exec');
    expect(lastLine('installedBy')).toEqual(expect.objectContaining({ installedBy: 'host' }));
    const newest = await inContainer('ls /tmp | grep "^ollama.backup_" | sort | tail -1');
    expect(await inContainer(`stat -c %i /tmp/${newest}`)).toBe(live); // the old inode itself, no copy
    expect(newest.replace(/\.original$/, '').split('_').pop()).toBe(await containerSha256(NAME, `/tmp/${newest}`));
  });

  it('backs up across file systems by a checked copy (target.backupDir on a mount of its own)', async () => {
    const OTHER = 'hs-test-host-install-mount';
    const otherPort = await freePort();
    const mounted = path.join(scratch, 'backups');
    fs.mkdirSync(mounted);
    await startContainer({ name: OTHER, port: otherPort, volumes: [`${mounted}:/backups`] });
    try {
      writeTestConfig(repo.dir, { container: OTHER, port: otherPort, extra: { target: { backupDir: '/backups' } } });
      const before = (await dockerExec(OTHER, ['sha256sum', '/usr/bin/ollama'])).stdout.split(' ')[0];
      repo.setMessage('hello, tmpfs backups');
      const result = await runCli(['swap', '--json'], { cwd: repo.dir });
      expect(result.code, result.stderr).toBe(0);
      expect(lastLine('installedBy')).toEqual(expect.objectContaining({ installedBy: 'host' }));
      const listed = (await dockerExec(OTHER, ['sh', '-c', 'for f in /backups/ollama.backup_*; do echo "$(stat -c "%h %a" "$f") $(sha256sum "$f")"; done'])).stdout.trim();
      expect(listed).toMatch(new RegExp(`^1 755 ${before}  /backups/ollama\\.backup_\\d{8}_\\d{6}_\\d{3}_${before}\\.original$`));
      expect((await dockerExec(OTHER, ['ls', '-a', '/backups'])).stdout).not.toContain('partial');
    } finally {
      writeTestConfig(repo.dir, { container: NAME, port });
      await removeContainer(OTHER);
    }
  });

  it('reads a small binary back from the host, and no hotswap-hasher is started for it', async () => {
    await swapServes('hello small');
    expect(lastLine('followed')).toEqual(expect.objectContaining({ followed: false, via: 'host write, read back' }));
    expect(await inContainer('ls -a /usr/bin')).not.toContain('.hotswap-hasher-');
  });

  it('has a big binary hashed by hotswap-hasher as the host writes it, once the tool is there', async () => {
    // Over 16 MB (follow.ts RECEIVE_MAX_BYTES): a blob the binary embeds.
    repo.write('blob.txt', randomBytes(9 * 2 ** 20).toString('hex'));
    repo.write('blob.go', [
      'package main', '', 'import (', '\t_ "embed"', '\t"os"', ')', '', '//go:embed blob.txt', 'var blob string', '',
      'func init() {', '\tif os.Getenv("HOTSWAP_TEST_BLOB") != "" {', '\t\tos.Stdout.WriteString(blob[:1])', '\t}', '}', '',
    ].join('\n'));
    await swapServes('hello big'); // the live binary was small: read back
    await swapServes('hello bigger'); // the live one is big: the tool is started, found missing, and put there
    await swapServes('hello biggest');
    expect(lastLine('followed')).toEqual(expect.objectContaining({ followed: true, via: 'host write, hotswap-hasher' }));
    expect(Number(await inContainer('stat -c %s /usr/bin/ollama'))).toBeGreaterThan(16 * 2 ** 20);
  });

  it('says why when the host\'s write fails (a full directory) and takes the engine\'s way, whose failure fails the copy phase; nothing is left', async () => {
    const FULL = 'hs-test-host-write-full';
    const fullPort = await freePort();
    await startContainer({ name: FULL, port: fullPort, tmpfs: ['/usr/local/bin:size=1m'] });
    try {
      writeTestConfig(repo.dir, { container: FULL, port: fullPort, extra: { target: { binaryPath: '/usr/local/bin/ollama' } } });
      repo.setMessage('hello full');
      const result = await runCli(['swap'], { cwd: repo.dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/writing the upload from the host failed \(.*no space left on device.*\): uploading it through the engine/i);
      // (Docker's archive upload into a tmpfs mount writes beneath it: INSTALL then finds no upload.)
      expect(result.stderr).toMatch(/^hotswap: failed \(copy\): installing the new binary at \/usr\/local\/bin\/ollama/m);
      expect((await dockerExec(FULL, ['ls', '-a', '/usr/local/bin'])).stdout.trim().split('\n').sort()).toEqual(['.', '..']);
    } finally {
      writeTestConfig(repo.dir, { container: NAME, port });
      await removeContainer(FULL);
    }
  });

  it('uploads through the engine when the target says writeFromHost: false', async () => {
    writeTestConfig(repo.dir, { container: NAME, port, extra: { target: { writeFromHost: false } } });
    await swapServes('hello engine');
    expect(lastLine('followed')).toEqual(expect.objectContaining({ via: 'archive' }));
    expect(lastLine('installedBy')).toEqual(expect.objectContaining({ installedBy: 'exec' }));
  });
});
