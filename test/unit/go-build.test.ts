import { describe, expect, it } from 'vitest';
import type { BuildConfig } from '../../src/config/types.js';
import { devVersion, goBuildSpec, goPlatform, ldflagsWithVersion } from '../../src/builders/go-build.js';

const TREE = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const VERSION_VAR = 'github.com/ollama/ollama/version.Version';
const AMD64 = { os: 'linux', arch: 'amd64', variant: null };

const buildConfig = (over: Partial<BuildConfig> = {}): BuildConfig => ({
  mode: 'local', output: '/repo/.hotswap/bin/ollama-dev', env: { CGO_ENABLED: '0' },
  flags: ['-trimpath', '-buildvcs=false'], ldflags: '-w -s', tags: [], versionVar: VERSION_VAR, versionBase: '0.0.0',
  builderImage: 'golang:1.24-bookworm', builderImageWhy: 'build.builderImage', builderContainer: 'ollama-build', dockerfile: '/repo/Dockerfile.dev', target: null,
  artifactPath: '/ollama-dev', sync: false, hostRepo: null, ...over,
});

describe('devVersion', () => {
  it('stamps the base with the first 8 characters of the tree id', () => {
    expect(devVersion('0.0.0', TREE)).toBe('0.0.0-hotswap.1a2b3c4d');
    expect(devVersion('0.5.1', TREE)).toBe('0.5.1-hotswap.1a2b3c4d');
  });
});

describe('goBuildSpec', () => {
  it('builds with the configured flags, the stamped ldflags, the output and the main package, in that order', () => {
    const version = devVersion('0.0.0', TREE);
    const { args } = goBuildSpec(buildConfig(), './cmd/ollama', '/out/ollama', AMD64, version);
    expect(args).toEqual([
      'build', '-trimpath', '-buildvcs=false',
      '-ldflags', `-w -s -X ${VERSION_VAR}=0.0.0-hotswap.1a2b3c4d`,
      '-o', '/out/ollama', './cmd/ollama',
    ]);
  });

  it('passes build tags as one comma-separated -tags flag', () => {
    const { args } = goBuildSpec(buildConfig({ tags: ['cuda', 'netgo'] }), '.', '/out/ollama', AMD64, null);
    const at = args.indexOf('-tags');
    expect(at).toBeGreaterThan(0);
    expect(args[at + 1]).toBe('cuda,netgo');
    expect(args.filter((a) => a === '-tags')).toHaveLength(1);
  });

  it('passes no -tags flag without tags', () => {
    expect(goBuildSpec(buildConfig(), '.', '/out/ollama', AMD64, null).args).not.toContain('-tags');
  });

  it('adds GOOS and GOARCH for the target platform to the configured environment', () => {
    const { env } = goBuildSpec(buildConfig(), '.', '/out/ollama', { os: 'linux', arch: 'arm64', variant: 'v8' }, null);
    expect(env).toEqual({ CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'arm64' });
  });

  it('lets the target platform win over GOOS/GOARCH in build.env', () => {
    const { env } = goBuildSpec(buildConfig({ env: { GOOS: 'windows', GOARCH: '386' } }), '.', '/out/ollama', AMD64, null);
    expect(env).toMatchObject({ GOOS: 'linux', GOARCH: 'amd64' });
  });
});

describe('ldflagsWithVersion', () => {
  it('appends -X var=version to the configured ldflags', () => {
    expect(ldflagsWithVersion(buildConfig(), '0.0.0-hotswap.1a2b3c4d')).toBe(`-w -s -X ${VERSION_VAR}=0.0.0-hotswap.1a2b3c4d`);
  });

  it('stamps nothing when versionVar is null or there is no version', () => {
    expect(ldflagsWithVersion(buildConfig({ versionVar: null }), '0.0.0-hotswap.1a2b3c4d')).toBe('-w -s');
    expect(ldflagsWithVersion(buildConfig(), null)).toBe('-w -s');
  });

  it('is only the stamp when no ldflags are configured', () => {
    expect(ldflagsWithVersion(buildConfig({ ldflags: '' }), '1.0.0')).toBe(`-X ${VERSION_VAR}=1.0.0`);
  });
});

describe('goPlatform', () => {
  it('maps linux/amd64 to GOOS and GOARCH only', () => {
    expect(goPlatform(AMD64)).toEqual({ GOOS: 'linux', GOARCH: 'amd64' });
  });

  it('sets GOARM from the arm variant', () => {
    expect(goPlatform({ os: 'linux', arch: 'arm', variant: 'v7' })).toEqual({ GOOS: 'linux', GOARCH: 'arm', GOARM: '7' });
    expect(goPlatform({ os: 'linux', arch: 'arm', variant: 'v6' })).toMatchObject({ GOARM: '6' });
  });

  it('sets no GOARM for arm without a variant, nor for arm64', () => {
    expect(goPlatform({ os: 'linux', arch: 'arm', variant: null })).not.toHaveProperty('GOARM');
    expect(goPlatform({ os: 'linux', arch: 'arm64', variant: 'v8' })).not.toHaveProperty('GOARM');
  });
});
