/**
 * Pure decisions of the builders: which one `auto` picks, which local failures are the toolchain's
 * (fall back to the container) rather than the code's (report them), and when the source is synced.
 */
import { goVersionAtLeast, type HostTools } from '../toolchain/go-version.js';

export interface Choice {
  readonly builder: 'local' | 'container';
  readonly reason: string;
}

export function chooseBuilder(tools: HostTools, cgo: boolean): Choice {
  if (!tools.go) return { builder: 'container', reason: 'auto: `go` is not on PATH, using the builder container' };
  // Go before 1.21 does not check go.mod's line and fails with confusing compile errors instead.
  if (tools.goVersion && tools.goModVersion && !goVersionAtLeast(tools.goVersion, tools.goModVersion)) {
    return { builder: 'container', reason: `auto: the local Go ${tools.goVersion} is older than go.mod's go ${tools.goModVersion}, using the builder container` };
  }
  if (cgo && !tools.cc) {
    return { builder: 'container', reason: `auto: cgo is on and no C compiler (${tools.ccName}) is on PATH, using the builder container` };
  }
  return { builder: 'local', reason: 'auto: the local Go toolchain' };
}

/**
 * Output of a failed local build that says the toolchain, not the code, is wrong. Compile errors in the
 * user's code must never match: the container would fail the same way, only slower.
 */
const TOOLCHAIN_FAILURES: readonly [RegExp, string][] = [
  [/no Go toolchain: `go` is not on PATH/, '`go` is not on PATH'],
  [/go\.mod requires go >= ?\S+/, 'the local Go is older than go.mod requires'],
  [/note: module requires Go \S+/, 'the local Go is older than the module requires'],
  [/toolchain not available|go: downloading go\d/, 'the Go toolchain go.mod asks for is not available'],
  [/cgo: C compiler "[^"]*" not found|exec: "[^"]*(gcc|cc|clang)[^"]*": executable file not found/, 'no C compiler for cgo'],
  [/fatal error: [^:\n]+\.(h|hpp|hh): No such file or directory/, 'a C header is missing on this host'],
  [/cannot find GOROOT|go: cannot find main module.*GOROOT/, 'the local Go installation is broken'],
];

/** Why a failed local build is the toolchain's fault, or null when it is the code's. */
export function toolchainFailure(output: string): string | null {
  for (const [pattern, why] of TOOLCHAIN_FAILURES) {
    const match = output.match(pattern);
    if (match) return `${why} (${match[0]})`;
  }
  return null;
}

/** Sync instead of a bind mount when asked to, or when the engine is remote (tcp/ssh: its disk is not ours). */
export function useSync(sync: boolean, dockerHost: string | undefined): boolean {
  return sync || (dockerHost !== undefined && dockerHost !== '' && !/^(unix|npipe):\/\//.test(dockerHost));
}
