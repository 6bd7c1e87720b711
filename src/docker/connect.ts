/**
 * One dockerode client per process for the chosen engine (`engine-config.ts`): a unix socket, TCP with or
 * without TLS, or SSH through one shared connection (`ssh-session.ts`), which also reaches the engine host's
 * loopback for health checks.
 */
import Docker from 'dockerode';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { engineEndpoint, type Endpoint } from './engine-config.js';
import { SshSession } from './ssh-session.js';

let client: { docker: Docker; ssh: SshSession | null } | null = null;

// Every key is given (undefined too): docker-modem fills what is missing from DOCKER_HOST, which a context overrides.
const NONE = { socketPath: undefined, host: undefined, port: undefined, agent: undefined, ca: undefined, cert: undefined, key: undefined };

function connect(endpoint: Endpoint): { docker: Docker; ssh: SshSession | null } {
  const { address, tls } = endpoint;
  if (address.scheme === 'unix') return { docker: new Docker({ ...NONE, socketPath: address.path }), ssh: null };
  if (address.scheme === 'ssh') {
    const ssh = new SshSession(address);
    return { docker: new Docker({ ...NONE, protocol: 'http', host: 'docker', port: 80, agent: ssh.agent() } as Docker.DockerOptions), ssh };
  }
  const agent = tls ? new https.Agent({ ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify }) : undefined;
  return { docker: new Docker({ ...NONE, protocol: tls ? 'https' : 'http', host: address.host, port: address.port, agent } as Docker.DockerOptions), ssh: null };
}

export function engineDocker(): Docker {
  client ??= connect(engineEndpoint());
  return client.docker;
}

/** Opens host:port from the engine's host when that host is reached over SSH; null when it is this machine or tcp. */
export function engineDialer(): ((host: string, port: number) => Promise<Duplex>) | null {
  engineDocker();
  const ssh = client!.ssh;
  return ssh ? (host, port) => ssh.dial(host, port) : null;
}
