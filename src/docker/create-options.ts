/** Turns the `target.create` settings into Docker's create body, as `docker run` would. Pure. */
import type { CreateSettings, CreateSpec } from './client.js';

interface PortBinding { HostIp: string; HostPort: string }

/** "11434:11434", "127.0.0.1:8080:80", "80/udp" → container port key and host binding. */
export function parsePort(spec: string): { key: string; binding: PortBinding } {
  const [ports, proto = 'tcp'] = spec.split('/');
  const parts = (ports ?? '').split(':');
  const containerPort = parts.pop() ?? '';
  const hostPort = parts.pop() ?? '';
  // Docker stores an IPv6 host address without its brackets: "[::1]:8080:80" → HostIp "::1".
  const hostIp = parts.join(':').replace(/^\[(.*)\]$/, '$1');
  return { key: `${containerPort}/${proto}`, binding: { HostIp: hostIp, HostPort: hostPort } };
}

/** `--gpus all` or `--gpus 2` or `--gpus device=0,1` as a DeviceRequest. */
export function gpuRequest(gpus: string) {
  const base = { Driver: '', Capabilities: [['gpu']], Options: {} };
  if (gpus === 'all') return { ...base, Count: -1, DeviceIDs: [] as string[] };
  if (/^\d+$/.test(gpus)) return { ...base, Count: Number(gpus), DeviceIDs: [] as string[] };
  return { ...base, Count: 0, DeviceIDs: gpus.replace(/^device=/, '').split(',') };
}

export function createBody(spec: CreateSpec) {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, PortBinding[]> = {};
  // Host networking publishes nothing: the server is already on the host's loopback.
  const ports = spec.network === 'host' ? [] : spec.ports;
  for (const port of ports) {
    const { key, binding } = parsePort(port);
    exposed[key] = {};
    (bindings[key] ??= []).push(binding);
  }
  return {
    name: spec.name,
    Image: spec.image,
    ...(spec.command ? { Cmd: [...spec.command] } : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: exposed,
    Labels: { 'hotswap.managed': '1' },
    HostConfig: {
      NetworkMode: spec.network ?? undefined,
      PortBindings: bindings,
      Binds: [...spec.volumes],
      DeviceRequests: spec.gpus ? [gpuRequest(spec.gpus)] : [],
    },
  };
}

interface DeviceRequest { Count?: number; DeviceIDs?: string[] | null; Capabilities?: string[][] | null }

/** What `docker inspect` of a container (and of its image, for the env it brings) says about its creation. */
export interface InspectedCreation {
  readonly env: readonly string[];
  readonly imageEnv: readonly string[];
  readonly networkMode: string;
  readonly portBindings: Readonly<Record<string, readonly PortBinding[] | null>>;
  readonly binds: readonly string[];
  readonly deviceRequests: readonly DeviceRequest[];
  /** The container's Cmd and its image's: a command recorded only when it is not the image's own. */
  readonly cmd: readonly string[];
  readonly imageCmd: readonly string[];
}

/** The inverse of gpuRequest: null without a GPU request. */
function gpusOf(requests: readonly DeviceRequest[]): string | null {
  const gpu = requests.find((r) => r.Capabilities?.some((caps) => caps.includes('gpu')));
  if (!gpu) return null;
  if (gpu.DeviceIDs?.length) return `device=${gpu.DeviceIDs.join(',')}`;
  return gpu.Count === -1 || !gpu.Count ? 'all' : String(gpu.Count);
}

/** The inverse of createBody, as `docker run` flags would recreate it: only the env the image does not bring. */
export function createSettingsOf(c: InspectedCreation): CreateSettings {
  const fromImage = new Set(c.imageEnv);
  const env = Object.fromEntries(c.env.filter((e) => !fromImage.has(e)).map((e) => {
    const eq = e.indexOf('=');
    return eq < 0 ? [e, ''] : [e.slice(0, eq), e.slice(eq + 1)];
  }));
  const ports = Object.entries(c.portBindings).flatMap(([key, bindings]) => {
    const [port, proto] = key.split('/');
    const suffix = proto && proto !== 'tcp' ? `/${proto}` : '';
    const host = (b: PortBinding) => (b.HostIp ? `${b.HostIp.includes(':') ? `[${b.HostIp}]` : b.HostIp}:` : '');
    return (bindings ?? []).map((b) => `${host(b)}${b.HostPort}:${port}${suffix}`);
  });
  const network = ['default', 'bridge', ''].includes(c.networkMode) ? null : c.networkMode;
  const command = c.cmd.join('\0') === c.imageCmd.join('\0') || c.cmd.length === 0 ? null : [...c.cmd];
  return { network, ports, env, volumes: [...c.binds], gpus: gpusOf(c.deviceRequests), command };
}
