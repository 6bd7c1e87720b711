/**
 * One SSH connection to a remote engine's host, shared by every request of this process: the docker API
 * through `docker system dial-stdio` on that host (what the docker CLI runs for ssh://), and TCP connections
 * opened from there (forwarded channels: the engine host's loopback, with no public port). Authenticates as
 * ssh would by default: the agent (SSH_AUTH_SOCK) and ~/.ssh/id_ed25519, id_ecdsa or id_rsa; the host key
 * must be in ~/.ssh/known_hosts.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Client, ConnectConfig } from 'ssh2';
import { knownHostKeys } from './known-hosts.js';
import { loadSsh2 } from './ssh2.js';

export interface SshTarget {
  readonly user: string | null;
  readonly host: string;
  readonly port: number;
}

const sshDir = () => join(homedir(), '.ssh');

/** The first default identity that parses without a passphrase (ssh would ask for one; hotswap cannot). */
function defaultKey(): Buffer | undefined {
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const file = join(sshDir(), name);
    if (!existsSync(file)) continue;
    const key = readFileSync(file);
    if (!(loadSsh2().utils.parseKey(key) instanceof Error)) return key;
  }
  return undefined;
}

function hostVerifier(target: SshTarget): (key: Buffer) => boolean {
  const file = join(sshDir(), 'known_hosts');
  const known = existsSync(file) ? knownHostKeys(readFileSync(file, 'utf8'), target.host, target.port) : [];
  return (key) => known.includes(key.toString('base64'));
}

const noop = function (this: unknown) {
  return this;
};
const SOCKET_NO_OPS = { setKeepAlive: noop, setNoDelay: noop, setTimeout: noop, ref: noop, unref: noop };

export class SshSession {
  private client: Promise<Client> | null = null;

  constructor(private readonly target: SshTarget) {}

  private config(): ConnectConfig {
    const { user, host, port } = this.target;
    return {
      host, port, username: user ?? userInfo().username, agent: process.env.SSH_AUTH_SOCK, privateKey: defaultKey(),
      hostVerifier: hostVerifier(this.target), readyTimeout: 20_000, keepaliveInterval: 15_000,
    };
  }

  private connected(): Promise<Client> {
    this.client ??= new Promise<Client>((resolve, reject) => {
      const client = new (loadSsh2().Client)();
      const forget = () => (this.client = null);
      client.once('ready', () => resolve(client)).on('error', (e) => (forget(), reject(e))).once('close', forget);
      client.connect(this.config());
    });
    return this.client;
  }

  /** A byte stream to the engine's API. */
  async dialEngine(): Promise<Duplex> {
    const client = await this.connected();
    const channel = await new Promise<Duplex>((resolve, reject) => client.exec('docker system dial-stdio', (e, c) => (e ? reject(e) : resolve(c))));
    return Object.assign(channel, SOCKET_NO_OPS);
  }

  /** A TCP connection to host:port opened on the engine's host. */
  async dial(host: string, port: number): Promise<Duplex> {
    const client = await this.connected();
    return new Promise((resolve, reject) => client.forwardOut('127.0.0.1', 0, host, port, (e, channel) => (e ? reject(e) : resolve(channel))));
  }

  /**
   * An http.Agent whose connections are dial-stdio channels, kept alive between requests: each new one starts a
   * `docker` process over there. The socket calls a kept-alive connection receives are no-ops on a channel.
   */
  agent(): http.Agent {
    const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 4 });
    agent.createConnection = (_options, done) => {
      this.dialEngine().then((s) => done!(null, s as never), (e: Error) => done!(e, undefined as never));
      return undefined as never;
    };
    return agent;
  }

  end(): void {
    void this.client?.then((c) => c.end(), () => undefined);
  }
}
