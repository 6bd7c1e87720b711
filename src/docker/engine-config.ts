/**
 * The engine this process talks to: `endpoint.ts` decides, this module reads what the decision needs (the
 * docker CLI's config.json, a context's meta.json and TLS files under ~/.docker/contexts/). Once per process.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { environmentError } from '../errors.js';
import { engineSource, isRemote, parseEngineHost, tlsWanted, type EngineAddress, type EngineSource } from './endpoint.js';

export interface TlsFiles {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** false when the context says SkipTLSVerify. */
  readonly verify: boolean;
}

export interface Endpoint {
  /** The address as written: what messages name. */
  readonly host: string;
  /** How it was chosen: "--host", "DOCKER_HOST", "DOCKER_CONTEXT=gpu", … */
  readonly via: string;
  readonly address: EngineAddress;
  readonly tls: TlsFiles | null;
  readonly remote: boolean;
}

let hostFlag: string | undefined;
let chosen: Endpoint | null = null;

/**
 * `--host` of this command line: it wins over everything, as docker's -H does. Also set as DOCKER_HOST, so
 * a background watch and the container lock's key see the same engine.
 */
export function useHostFlag(host: string | undefined): void {
  if (host) process.env.DOCKER_HOST = host;
  hostFlag = host;
  chosen = null;
}

export function engineEndpoint(): Endpoint {
  // config.json is read only when nothing else chose the engine: a broken one then does not matter, as for docker.
  const chosenElsewhere = hostFlag || process.env.DOCKER_HOST || process.env.DOCKER_CONTEXT;
  chosen ??= endpointOf(engineSource(hostFlag, process.env, chosenElsewhere ? undefined : currentContext()));
  return chosen;
}

const configDir = () => process.env.DOCKER_CONFIG || join(homedir(), '.docker');
/** A docker CLI file as JSON; one that does not parse is an environment error naming it, not a crash. */
function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw environmentError(`cannot read the docker CLI's ${file}: ${(error as Error).message}`, {
      hint: 'fix or remove that file, or choose the engine with DOCKER_HOST or --host',
    });
  }
}
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function currentContext(): string | undefined {
  const file = join(configDir(), 'config.json');
  if (!existsSync(file)) return undefined;
  return (readJson(file) as { currentContext?: string }).currentContext || undefined;
}

function endpointOf(source: EngineSource): Endpoint {
  if (source.kind === 'host') {
    const tls = tlsWanted(process.env) ? tlsFiles(process.env.DOCKER_CERT_PATH || configDir(), true) : null;
    return endpoint(source.host, source.via, tls);
  }
  const id = sha256(source.name);
  const meta = join(configDir(), 'contexts', 'meta', id, 'meta.json');
  if (!existsSync(meta)) {
    throw environmentError(`docker context ${source.name} (${source.via}) does not exist: no ${meta}`, {
      hint: 'docker context ls lists the contexts; docker context create makes one',
    });
  }
  const docker = (readJson(meta) as { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } }).Endpoints?.docker;
  if (!docker?.Host) throw environmentError(`docker context ${source.name} has no docker endpoint (${meta})`);
  const tlsDir = join(configDir(), 'contexts', 'tls', id, 'docker');
  const tls = existsSync(tlsDir) ? tlsFiles(tlsDir, !docker.SkipTLSVerify) : null;
  return endpoint(docker.Host, source.via, tls);
}

function endpoint(host: string, via: string, tls: TlsFiles | null): Endpoint {
  const address = parseEngineHost(host, !!tls);
  return { host, via, address, tls, remote: isRemote(address) };
}

/** ca.pem, cert.pem and key.pem of `dir`, each when present (docker's names in DOCKER_CERT_PATH and contexts). */
function tlsFiles(dir: string, verify: boolean): TlsFiles {
  const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name)) : undefined);
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), verify };
}
