/** The `go build` command line and environment for one build. Pure: every builder uses it. */
import type { BuildConfig } from '../config/types.js';
import type { Platform } from '../docker/client.js';

export interface GoBuildSpec {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** `<base>-hotswap.<first 8 of the tree id>`: the served /api/version proves which code is live. */
export const devVersion = (base: string, tree: string) => `${base}-hotswap.${tree.slice(0, 8)}`;

/** Docker's platform → GOOS/GOARCH (and GOARM for arm/v7). */
export function goPlatform(platform: Platform): Record<string, string> {
  const env: Record<string, string> = { GOOS: platform.os, GOARCH: platform.arch };
  if (platform.arch === 'arm' && platform.variant) env.GOARM = platform.variant.replace(/^v/, '');
  return env;
}

export function ldflagsWithVersion(build: BuildConfig, version: string | null): string {
  const stamp = build.versionVar && version ? `-X ${build.versionVar}=${version}` : '';
  return [build.ldflags, stamp].filter(Boolean).join(' ');
}

export function goBuildSpec(build: BuildConfig, mainPackage: string, output: string,
  platform: Platform, version: string | null): GoBuildSpec {
  const tags = build.tags.length ? ['-tags', build.tags.join(',')] : [];
  return {
    args: ['build', ...build.flags, ...tags, '-ldflags', ldflagsWithVersion(build, version), '-o', output, mainPackage],
    env: { ...build.env, ...goPlatform(platform) },
  };
}
