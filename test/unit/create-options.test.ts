import { describe, expect, it } from 'vitest';
import type { CreateSpec } from '../../src/docker/client.js';
import { createBody, createSettingsOf, gpuRequest, parsePort } from '../../src/docker/create-options.js';

const spec = (over: Partial<CreateSpec> = {}): CreateSpec => ({
  name: 'ollama-gpu', image: 'ollama/ollama', env: {}, network: null, ports: [], volumes: [], gpus: null, command: null, ...over,
});

describe('parsePort', () => {
  it('publishes host:container on every interface, over tcp', () => {
    expect(parsePort('11434:11434')).toEqual({ key: '11434/tcp', binding: { HostIp: '', HostPort: '11434' } });
  });

  it('binds the host-ip form to that address', () => {
    expect(parsePort('127.0.0.1:8080:80')).toEqual({ key: '80/tcp', binding: { HostIp: '127.0.0.1', HostPort: '8080' } });
  });

  it('keeps a protocol suffix', () => {
    expect(parsePort('5353:53/udp')).toEqual({ key: '53/udp', binding: { HostIp: '', HostPort: '5353' } });
  });

  it('leaves the host port to Docker when only the container port is given', () => {
    expect(parsePort('11434')).toEqual({ key: '11434/tcp', binding: { HostIp: '', HostPort: '' } });
    expect(parsePort('127.0.0.1::80')).toEqual({ key: '80/tcp', binding: { HostIp: '127.0.0.1', HostPort: '' } });
  });

  it('strips the brackets of an IPv6 host address, as docker run does', () => {
    expect(parsePort('[::1]:8080:80')).toEqual({ key: '80/tcp', binding: { HostIp: '::1', HostPort: '8080' } });
  });
});

describe('createBody', () => {
  it('exposes and binds each port, several bindings of one port together', () => {
    const body = createBody(spec({ ports: ['11434:11434', '127.0.0.1:8080:11434', '9000:9000/udp'] }));
    expect(body.ExposedPorts).toEqual({ '11434/tcp': {}, '9000/udp': {} });
    expect(body.HostConfig.PortBindings).toEqual({
      '11434/tcp': [{ HostIp: '', HostPort: '11434' }, { HostIp: '127.0.0.1', HostPort: '8080' }],
      '9000/udp': [{ HostIp: '', HostPort: '9000' }],
    });
  });

  it('publishes nothing on the host network', () => {
    const body = createBody(spec({ network: 'host', ports: ['11434:11434'] }));
    expect(body.HostConfig.NetworkMode).toBe('host');
    expect(body.ExposedPorts).toEqual({});
    expect(body.HostConfig.PortBindings).toEqual({});
  });

  it('leaves the network to Docker when none is set', () => {
    expect(createBody(spec()).HostConfig.NetworkMode).toBeUndefined();
  });

  it('passes name, image, env, volumes and a label that marks it as made by hotswap', () => {
    const body = createBody(spec({ env: { OLLAMA_HOST: '0.0.0.0', A: 'b=c' }, volumes: ['ollama:/root/.ollama'] }));
    expect(body.name).toBe('ollama-gpu');
    expect(body.Image).toBe('ollama/ollama');
    expect(body.Env).toEqual(['OLLAMA_HOST=0.0.0.0', 'A=b=c']);
    expect(body.HostConfig.Binds).toEqual(['ollama:/root/.ollama']);
    expect(body.Labels).toEqual({ 'hotswap.managed': '1' });
  });

  it('requests no GPU unless asked', () => {
    expect(createBody(spec()).HostConfig.DeviceRequests).toEqual([]);
  });

  it('requests GPUs as --gpus does', () => {
    expect(createBody(spec({ gpus: 'all' })).HostConfig.DeviceRequests).toEqual([gpuRequest('all')]);
  });
});

describe('gpuRequest', () => {
  const gpu = { Driver: '', Capabilities: [['gpu']], Options: {} };

  it('asks for every GPU with all (Count -1)', () => {
    expect(gpuRequest('all')).toEqual({ ...gpu, Count: -1, DeviceIDs: [] });
  });

  it('asks for a number of GPUs with a count', () => {
    expect(gpuRequest('2')).toEqual({ ...gpu, Count: 2, DeviceIDs: [] });
  });

  it('asks for given devices with device=0,1', () => {
    expect(gpuRequest('device=0,1')).toEqual({ ...gpu, Count: 0, DeviceIDs: ['0', '1'] });
  });
});

describe('createSettingsOf (what init records of an existing container)', () => {
  /** What Docker's inspect shows for a container created from `s`, over an image bringing PATH. */
  const inspected = (s: CreateSpec) => {
    const body = createBody(s);
    return {
      env: ['PATH=/usr/bin', ...body.Env], imageEnv: ['PATH=/usr/bin'], networkMode: body.HostConfig.NetworkMode ?? 'default',
      portBindings: body.HostConfig.PortBindings, binds: body.HostConfig.Binds, deviceRequests: body.HostConfig.DeviceRequests,
      // Docker fills Cmd from the image when the create body has none.
      cmd: body.Cmd ?? ['/usr/bin/ollama', 'serve'], imageCmd: ['/usr/bin/ollama', 'serve'],
    };
  };
  const settings = ({ name: _n, image: _i, ...rest }: CreateSpec) => rest;

  it('gives back the settings createBody was made from, without the env the image brings', () => {
    for (const s of [
      spec({ ports: ['11434:11434', '127.0.0.1:8080:80', '[::1]:53:53/udp'], env: { OLLAMA_HOST: '0.0.0.0', EMPTY: '' }, gpus: 'all' }),
      spec({ network: 'host', volumes: ['/models:/root/.ollama'], gpus: 'device=0,1' }),
      spec({ network: 'none', gpus: '2' }),
      spec({ command: ['/usr/bin/ollama', 'serve', '--verbose'] }),
    ]) expect(createSettingsOf(inspected(s))).toEqual(settings(s));
  });

  it('records a command only when it is not the image\'s own', () => {
    expect(createBody(spec()).Cmd).toBeUndefined();
    expect(createSettingsOf(inspected(spec())).command).toBeNull();
    expect(createSettingsOf({ ...inspected(spec()), cmd: ['sh'], imageCmd: [] }).command).toEqual(['sh']);
  });

  it('says no network for Docker\'s default bridge', () => {
    expect(createSettingsOf({ ...inspected(spec()), networkMode: 'bridge' }).network).toBeNull();
  });
});

describe('gpus and inspect output, as Docker writes them', () => {
  const gpu = { Driver: '', Capabilities: [['gpu']], Options: {} };
  const bare = {
    env: [], imageEnv: [], networkMode: 'default', portBindings: {}, binds: [], deviceRequests: [], cmd: [], imageCmd: [],
  };

  it('takes a count of several digits as a count, and a bare list as device IDs', () => {
    expect(gpuRequest('16')).toEqual({ ...gpu, Count: 16, DeviceIDs: [] });
    expect(gpuRequest('0,1')).toEqual({ ...gpu, Count: 0, DeviceIDs: ['0', '1'] });
  });

  it('reads --gpus all from an inspect that says DeviceIDs null, and a GPU among other capability sets', () => {
    expect(createSettingsOf({ ...bare, deviceRequests: [{ Count: -1, DeviceIDs: null, Capabilities: [['gpu']] }] }).gpus).toBe('all');
    expect(createSettingsOf({ ...bare, deviceRequests: [{ Count: 2, Capabilities: [['nvidia', 'compute'], ['gpu']] }] }).gpus).toBe('2');
  });

  it('records no GPU for a device request without capabilities', () => {
    expect(createSettingsOf({ ...bare, deviceRequests: [{ Count: 1, DeviceIDs: ['/dev/fuse'], Capabilities: null }] }).gpus).toBeNull();
  });

  it('keeps a variable set without a value, publishes nothing for a port left unbound, and reads an empty network mode as the default', () => {
    const settings = createSettingsOf({ ...bare, env: ['DEBUG', 'A=b=c'], portBindings: { '11434/tcp': null }, networkMode: '' });
    expect(settings).toMatchObject({ env: { DEBUG: '', A: 'b=c' }, ports: [], network: null });
  });

  it('records no command for a container that has none of its own', () => {
    expect(createSettingsOf({ ...bare, cmd: [], imageCmd: ['/usr/bin/ollama', 'serve'] }).command).toBeNull();
  });
});
