// A real OpenSSH server for the remote-engine tests, on a loopback port, with a throwaway host key and client key
// in a temp dir of its own (its own sshd_config: root by key only, no passwords). Each connection accepted on
// 127.0.0.1:PORT runs `sshd -i` (inetd mode) for that one connection, optionally inside another process's network
// namespace (nsenter): there the "engine host's loopback" is not this machine's. The remote side's engine is the
// test's own (DOCKER_HOST is set for every ssh session by the config), reached through its unix socket, which no
// network namespace hides. `env` is what hotswap needs to log in as a user would: a HOME whose ~/.ssh holds the
// key and the host's known_hosts line (the Go caches stay the real ones, so builds stay warm).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { run } from './docker.js';

export interface Sshd {
  readonly port: number;
  /** `ssh://root@127.0.0.1:PORT`. */
  readonly host: string;
  /** For the hotswap process: HOME (with .ssh/) and the Go caches. */
  readonly env: Record<string, string>;
  /** The home dir hotswap runs with (its .docker/ holds contexts a test writes). */
  readonly home: string;
  /** Closes the listener and ends every sshd it started (by pid); removes the temp dir. */
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

async function ok(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function goEnv(): Promise<Record<string, string>> {
  const [cache, modcache, gopath] = (await ok('go', ['env', 'GOCACHE', 'GOMODCACHE', 'GOPATH'])).trim().split('\n');
  return { GOCACHE: cache!, GOMODCACHE: modcache!, GOPATH: gopath! };
}

function writeConfig(dir: string, engineHost: string): string {
  const file = path.join(dir, 'sshd_config');
  fs.writeFileSync(file, [
    `HostKey ${dir}/host_ed25519`, `AuthorizedKeysFile ${dir}/authorized_keys`, 'PermitRootLogin prohibit-password',
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
    'AllowTcpForwarding yes', `SetEnv DOCKER_HOST=${engineHost}`, 'LogLevel ERROR', '',
  ].join('\n'));
  return file;
}

/** A key pair in `dir`/name (ed25519, no passphrase); returns the public line. */
async function keyPair(dir: string, name: string): Promise<string> {
  await ok('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `hotswap-test-${name}`, '-f', path.join(dir, name)]);
  return fs.readFileSync(path.join(dir, `${name}.pub`), 'utf8').trim();
}

/**
 * Starts the listener. `engineHost`: the DOCKER_HOST the remote side's `docker system dial-stdio` uses.
 * `netnsOf`: a pid whose network namespace each sshd joins.
 */
export async function startSshd(engineHost: string, netnsOf?: number): Promise<Sshd> {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: scripts/env.sh installs openssh-server (run npm test, or bash scripts/env.sh)`);
  fs.mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege-separation dir
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-sshd-'));
  const home = path.join(dir, 'home');
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
  const hostKey = await keyPair(dir, 'host_ed25519');
  fs.writeFileSync(path.join(dir, 'authorized_keys'), `${await keyPair(path.join(home, '.ssh'), 'id_ed25519')}\n`);
  const config = writeConfig(dir, engineHost);
  const children = new Set<ChildProcess>();
  const server = net.createServer((socket) => {
    const argv = [SSHD, '-i', '-e', '-f', config];
    const child = netnsOf ? spawn('nsenter', ['-t', String(netnsOf), '-n', ...argv]) : spawn(argv[0]!, argv.slice(1));
    children.add(child);
    child.stderr!.pipe(fs.createWriteStream(path.join(dir, 'sshd.log'), { flags: 'a' }));
    socket.pipe(child.stdin!);
    child.stdout!.pipe(socket);
    socket.on('error', () => child.kill());
    child.stdin!.on('error', () => socket.destroy()); // sshd gone first
    child.on('close', () => (children.delete(child), socket.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const [type, key] = hostKey.split(' ');
  fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ${type} ${key}\n`);
  return {
    port, home, host: `ssh://root@127.0.0.1:${port}`,
    env: { HOME: home, ...(await goEnv()), SSH_AUTH_SOCK: '' },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const child of children) child.kill('SIGTERM');
      await closed;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
