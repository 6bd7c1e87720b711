/**
 * Which engine to talk to, decided as the docker CLI decides it (pure; `engine-config.ts` reads the files):
 * `--host`, then DOCKER_HOST, then DOCKER_CONTEXT, then the current context of ~/.docker/config.json, else
 * the default socket. A context named "default" is that same default.
 */
import { usageError } from '../errors.js';

export const DEFAULT_HOST = 'unix:///var/run/docker.sock';

export interface EndpointEnv {
  readonly DOCKER_HOST?: string | undefined;
  readonly DOCKER_CONTEXT?: string | undefined;
  readonly DOCKER_TLS_VERIFY?: string | undefined;
  readonly DOCKER_CERT_PATH?: string | undefined;
}

/** Where the engine's address comes from: a host as given, or a context whose metadata holds it. */
export type EngineSource =
  | { readonly kind: 'host'; readonly host: string; readonly via: string }
  | { readonly kind: 'context'; readonly name: string; readonly via: string };

export function engineSource(hostFlag: string | undefined, env: EndpointEnv, currentContext: string | undefined): EngineSource {
  if (hostFlag) return { kind: 'host', host: hostFlag, via: '--host' };
  if (env.DOCKER_HOST) return { kind: 'host', host: env.DOCKER_HOST, via: 'DOCKER_HOST' };
  const named = env.DOCKER_CONTEXT
    ? { name: env.DOCKER_CONTEXT, via: `DOCKER_CONTEXT=${env.DOCKER_CONTEXT}` }
    : currentContext ? { name: currentContext, via: `current context ${currentContext} (docker context use)` } : null;
  if (named && named.name !== 'default') return { kind: 'context', ...named };
  return { kind: 'host', host: DEFAULT_HOST, via: named ? named.via : 'the default socket' };
}

export type EngineAddress =
  | { readonly scheme: 'unix'; readonly path: string }
  | { readonly scheme: 'ssh'; readonly user: string | null; readonly host: string; readonly port: number }
  | { readonly scheme: 'tcp'; readonly host: string; readonly port: number };

/** `unix:///path`, `ssh://[user@]host[:port]`, `tcp://host[:port]` (a bare `host:port` is tcp, as for docker). */
export function parseEngineHost(host: string, tls: boolean): EngineAddress {
  if (host.startsWith('unix://')) return { scheme: 'unix', path: host.slice('unix://'.length) || '/var/run/docker.sock' };
  let url: URL;
  try {
    url = new URL(host.includes('://') ? host : `tcp://${host}`);
  } catch {
    throw badHost(host);
  }
  const port = url.port ? Number(url.port) : null;
  if (url.protocol === 'ssh:' && url.hostname) {
    return { scheme: 'ssh', user: url.username ? decodeURIComponent(url.username) : null, host: url.hostname, port: port ?? 22 };
  }
  if (url.protocol === 'tcp:' && url.hostname) return { scheme: 'tcp', host: url.hostname, port: port ?? (tls ? 2376 : 2375) };
  throw badHost(host);
}

const badHost = (host: string) =>
  usageError(`the engine address ${host} is not unix://PATH, ssh://[USER@]HOST[:PORT] nor tcp://HOST[:PORT]`, {
    hint: 'fix --host, DOCKER_HOST or the docker context',
  });

/** TLS for tcp: on with DOCKER_TLS_VERIFY (any non-empty value, as docker reads it) or a context's TLS files. */
export const tlsWanted = (env: EndpointEnv): boolean => !!env.DOCKER_TLS_VERIFY;

/** Over ssh or tcp the engine's loopback is not ours, and its bytes cross a slower link. */
export const isRemote = (address: EngineAddress) => address.scheme !== 'unix';

/** Plain TCP without TLS: anyone who reaches the port can drive that engine. */
export const isPlainTcp = (address: EngineAddress, tls: boolean) => address.scheme === 'tcp' && !tls;
