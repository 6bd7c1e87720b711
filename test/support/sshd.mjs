// A real OpenSSH server for the remote-engine tests and bench, on a loopback port, with a throwaway host key and
// client key in a temp dir of its own (its own sshd_config: root by key only, no passwords). Each connection
// accepted on 127.0.0.1:PORT runs `sshd -i` (inetd mode) for that one connection, optionally inside another
// process's network namespace (nsenter): there the "engine host's loopback" is not this machine's. The remote
// side's engine is the caller's own (DOCKER_HOST is set for every ssh session by the config), reached through its
// unix socket, which no network namespace hides. `env` is what hotswap needs to log in as a user would: a HOME
// whose ~/.ssh holds the key and the host's known_hosts line (the Go caches stay the real ones, so builds stay
// warm). JavaScript (types in sshd.d.mts) so that test/bench/remote.mjs runs it without a compiler.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SSHD = '/usr/sbin/sshd';

function goEnv() {
  const [cache, modcache, gopath] = execFileSync('go', ['env', 'GOCACHE', 'GOMODCACHE', 'GOPATH'], { encoding: 'utf8' }).trim().split('\n');
  return { GOCACHE: cache, GOMODCACHE: modcache, GOPATH: gopath };
}

function writeConfig(dir, engineHost) {
  const file = path.join(dir, 'sshd_config');
  fs.writeFileSync(file, [
    `HostKey ${dir}/host_ed25519`, `AuthorizedKeysFile ${dir}/authorized_keys`, 'PermitRootLogin prohibit-password',
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
    'AllowTcpForwarding yes', `SetEnv DOCKER_HOST=${engineHost}`, 'LogLevel ERROR', '',
  ].join('\n'));
  return file;
}

/** A key pair in `dir`/name (ed25519, no passphrase); returns the public line. */
function keyPair(dir, name) {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `hotswap-test-${name}`, '-f', path.join(dir, name)]);
  return fs.readFileSync(path.join(dir, `${name}.pub`), 'utf8').trim();
}

/** One `sshd -i` per accepted connection, its stdio piped to the socket. */
function serve(config, dir, netnsOf, children, count) {
  return net.createServer((socket) => {
    const argv = [SSHD, '-i', '-e', '-f', config];
    const child = netnsOf ? spawn('nsenter', ['-t', String(netnsOf), '-n', ...argv]) : spawn(argv[0], argv.slice(1));
    children.add(child);
    child.stderr.pipe(fs.createWriteStream(path.join(dir, 'sshd.log'), { flags: 'a' }));
    socket.on('data', (chunk) => count(chunk.length));
    socket.pipe(child.stdin);
    child.stdout.pipe(socket);
    socket.on('error', () => child.kill());
    child.stdin.on('error', () => socket.destroy()); // sshd gone first
    child.on('close', () => (children.delete(child), socket.destroy()));
  });
}

/**
 * Starts the listener. `engineHost`: the DOCKER_HOST the remote side's `docker system dial-stdio` uses.
 * `netnsOf`: a pid whose network namespace each sshd joins.
 */
export async function startSshd(engineHost, netnsOf) {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: scripts/env.sh installs openssh-server (run npm test, or bash scripts/env.sh)`);
  fs.mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege-separation dir
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-sshd-'));
  const home = path.join(dir, 'home');
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
  const hostKey = keyPair(dir, 'host_ed25519');
  fs.writeFileSync(path.join(dir, 'authorized_keys'), `${keyPair(path.join(home, '.ssh'), 'id_ed25519')}\n`);
  const children = new Set();
  let bytesIn = 0;
  const server = serve(writeConfig(dir, engineHost), dir, netnsOf, children, (n) => (bytesIn += n));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const [type, key] = hostKey.split(' ');
  fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ${type} ${key}\n`);
  return {
    port, home, host: `ssh://root@127.0.0.1:${port}`,
    env: { HOME: home, ...goEnv(), SSH_AUTH_SOCK: '' },
    bytesIn: () => bytesIn,
    async stop() {
      const closed = new Promise((resolve) => server.close(() => resolve()));
      for (const child of children) child.kill('SIGTERM');
      await closed;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
