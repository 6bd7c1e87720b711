/** Turns the `target.create` settings into Docker's create body, as `docker run` would. Pure. */
import type { CreateSpec } from './client.js';

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
