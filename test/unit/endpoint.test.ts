import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { engineSource, isPlainTcp, isRemote, parseEngineHost } from '../../src/docker/endpoint.js';
import { knownHostKeys } from '../../src/docker/known-hosts.js';

describe('engineSource: the docker CLI order', () => {
  const env = { DOCKER_HOST: 'ssh://a@h', DOCKER_CONTEXT: 'gpu' };
  it('--host wins over everything', () => {
    expect(engineSource('unix:///s', env, 'cur')).toEqual({ kind: 'host', host: 'unix:///s', via: '--host' });
  });
  it('DOCKER_HOST over DOCKER_CONTEXT', () => {
    expect(engineSource(undefined, env, 'cur')).toEqual({ kind: 'host', host: 'ssh://a@h', via: 'DOCKER_HOST' });
  });
  it('DOCKER_CONTEXT over the current context', () => {
    expect(engineSource(undefined, { DOCKER_CONTEXT: 'gpu' }, 'cur')).toEqual({ kind: 'context', name: 'gpu', via: 'DOCKER_CONTEXT=gpu' });
  });
  it('the current context of config.json', () => {
    expect(engineSource(undefined, {}, 'cur')).toEqual(expect.objectContaining({ kind: 'context', name: 'cur' }));
  });
  it('the context named default is the default socket, and so is nothing at all', () => {
    expect(engineSource(undefined, { DOCKER_CONTEXT: 'default' }, 'cur')).toEqual({ kind: 'host', host: 'unix:///var/run/docker.sock', via: 'DOCKER_CONTEXT=default' });
    expect(engineSource(undefined, {}, undefined)).toEqual({ kind: 'host', host: 'unix:///var/run/docker.sock', via: 'the default socket' });
  });
});

describe('parseEngineHost', () => {
  it('reads the three schemes with docker\'s default ports', () => {
    expect(parseEngineHost('unix:///tmp/d.sock', false)).toEqual({ scheme: 'unix', path: '/tmp/d.sock' });
    expect(parseEngineHost('ssh://root@gpu.lan:2222', false)).toEqual({ scheme: 'ssh', user: 'root', host: 'gpu.lan', port: 2222 });
    expect(parseEngineHost('ssh://gpu', false)).toEqual({ scheme: 'ssh', user: null, host: 'gpu', port: 22 });
    expect(parseEngineHost('tcp://10.0.0.2', true)).toEqual({ scheme: 'tcp', host: '10.0.0.2', port: 2376 });
    expect(parseEngineHost('10.0.0.2:2375', false)).toEqual({ scheme: 'tcp', host: '10.0.0.2', port: 2375 });
  });
  it('refuses anything else as bad input (exit 2)', () => {
    expect(() => parseEngineHost('http://x', false)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('http://x') }));
    expect(() => parseEngineHost('ssh://', false)).toThrow(/not unix/);
  });
  it('says which engines are remote and which TCP is plain', () => {
    expect(isRemote(parseEngineHost('unix:///s', false))).toBe(false);
    expect(isRemote(parseEngineHost('ssh://h', false))).toBe(true);
    expect(isPlainTcp(parseEngineHost('tcp://h:1', false), false)).toBe(true);
    expect(isPlainTcp(parseEngineHost('tcp://h:1', true), true)).toBe(false);
  });
});

describe('knownHostKeys', () => {
  const salt = Buffer.from('0123456789abcdef0123');
  const hashed = (name: string) => `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  const text = [
    '# comment',
    'gpu.lan,10.0.0.2 ssh-ed25519 KEYA',
    '[127.0.0.1]:2222 ssh-ed25519 KEYB',
    `${hashed('[10.0.0.9]:2200')} ssh-ed25519 KEYC`,
    '@cert-authority *.lan ssh-ed25519 KEYD',
  ].join('\n');
  it('finds plain, [host]:port and hashed entries', () => {
    expect(knownHostKeys(text, 'gpu.lan', 22)).toEqual(['KEYA']);
    expect(knownHostKeys(text, '127.0.0.1', 2222)).toEqual(['KEYB']);
    expect(knownHostKeys(text, '10.0.0.9', 2200)).toEqual(['KEYC']);
  });
  it('knows nothing of another port or a marker line', () => {
    expect(knownHostKeys(text, '127.0.0.1', 22)).toEqual([]);
    expect(knownHostKeys(text, 'x.lan', 22)).toEqual([]);
  });
});
