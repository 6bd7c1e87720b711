import { describe, expect, it } from 'vitest';
import { constraintHolds, fileNameMatches } from '../../src/plan/go/constraints.js';
import type { BuildContext } from '../../src/plan/go/context.js';

const LINUX_AMD64: BuildContext = { goos: 'linux', goarch: 'amd64', cgo: true, tags: [], goMinor: 22 };
const context = (overrides: Partial<BuildContext> = {}): BuildContext => ({ ...LINUX_AMD64, ...overrides });
const holds = (expression: string | null, overrides: Partial<BuildContext> = {}) =>
  constraintHolds(expression, context(overrides));
const builds = (fileName: string, overrides: Partial<BuildContext> = {}) =>
  fileNameMatches(fileName, context(overrides));

describe('constraintHolds', () => {
  it('holds when there is no constraint', () => {
    expect(holds(null)).toBe(true);
  });

  it('matches GOOS and GOARCH', () => {
    expect(holds('linux')).toBe(true);
    expect(holds('amd64')).toBe(true);
    expect(holds('windows')).toBe(false);
    expect(holds('arm64')).toBe(false);
    expect(holds('linux && arm64', { goarch: 'arm64' })).toBe(true);
  });

  it('binds ! tighter than &&, and && tighter than ||', () => {
    // a || (b && !c)
    expect(holds('linux || windows && !amd64')).toBe(true);
    expect(holds('windows || linux && !amd64')).toBe(false);
    expect(holds('windows || linux && !arm64')).toBe(true);
    // (!a) && b, not !(a && b)
    expect(holds('!windows && linux')).toBe(true);
    expect(holds('!linux && windows')).toBe(false);
  });

  it('lets parentheses override precedence', () => {
    expect(holds('(linux || windows) && !amd64')).toBe(false);
    expect(holds('!(windows || darwin)')).toBe(true);
    expect(holds('((linux))')).toBe(true);
    expect(holds('(darwin || (linux && (amd64 || arm64)))')).toBe(true);
  });

  it('sets cgo only when cgo is enabled', () => {
    expect(holds('cgo', { cgo: true })).toBe(true);
    expect(holds('cgo', { cgo: false })).toBe(false);
    expect(holds('!cgo', { cgo: false })).toBe(true);
  });

  it('sets the gc compiler tag, not gccgo', () => {
    expect(holds('gc')).toBe(true);
    expect(holds('gccgo')).toBe(false);
  });

  it('sets unix for Unix-like systems only', () => {
    expect(holds('unix')).toBe(true);
    expect(holds('unix', { goos: 'darwin' })).toBe(true);
    expect(holds('unix', { goos: 'android' })).toBe(true);
    expect(holds('unix', { goos: 'windows' })).toBe(false);
    expect(holds('unix', { goos: 'js' })).toBe(false);
    expect(holds('unix', { goos: 'plan9' })).toBe(false);
  });

  it('treats android as linux, illumos as solaris and ios as darwin, not the other way round', () => {
    expect(holds('linux', { goos: 'android' })).toBe(true);
    expect(holds('android', { goos: 'linux' })).toBe(false);
    expect(holds('solaris', { goos: 'illumos' })).toBe(true);
    expect(holds('darwin', { goos: 'ios' })).toBe(true);
    expect(holds('ios', { goos: 'darwin' })).toBe(false);
  });

  it('sets custom tags only when they are in -tags', () => {
    expect(holds('cuda')).toBe(false);
    expect(holds('cuda', { tags: ['cuda', 'rocm'] })).toBe(true);
    expect(holds('!cuda', { tags: ['cuda'] })).toBe(false);
    expect(holds('my_feature.v2', { tags: ['my_feature.v2'] })).toBe(true);
  });

  it('gives ignore no special meaning: it is simply never set', () => {
    expect(holds('ignore')).toBe(false);
    expect(holds('!ignore')).toBe(true);
    expect(holds('ignore', { tags: ['ignore'] })).toBe(true);
  });

  it('sets go1.N for every release up to the building one', () => {
    expect(holds('go1.1', { goMinor: 21 })).toBe(true);
    expect(holds('go1.18', { goMinor: 21 })).toBe(true);
    expect(holds('go1.21', { goMinor: 21 })).toBe(true);
    expect(holds('go1.22', { goMinor: 21 })).toBe(false);
    expect(holds('!go1.22', { goMinor: 21 })).toBe(true);
    expect(holds('go1.0', { goMinor: 21 })).toBe(false);
    expect(holds('go1', { goMinor: 21 })).toBe(false);
  });

  it('holds for a malformed expression, so hotswap rebuilds rather than skips', () => {
    for (const malformed of ['', 'linux &&', '&& linux', 'linux || || amd64', '(linux', 'linux)', 'linux & amd64',
      'linux | amd64', '!!linux', 'linux amd64', 'linux-amd64', '()', '!', 'windows,amd64']) {
      expect(holds(malformed), malformed).toBe(true);
    }
  });

  it('survives absurdly deep nesting', () => {
    expect(holds(`${'('.repeat(100_000)}windows${')'.repeat(100_000)}`)).toBe(true);
    expect(holds(`${'('.repeat(50)}windows${')'.repeat(50)}`)).toBe(false);
  });

  it('reads the expressions that // +build lines are converted into', () => {
    expect(holds('(linux || (darwin && cgo) || !windows) && (amd64)')).toBe(true);
    expect(holds('(linux || darwin) && (arm64)')).toBe(false);
  });

  it('allows spaces and tabs anywhere between tokens', () => {
    expect(holds('  linux\t&&amd64  ')).toBe(true);
    expect(holds('!( windows )')).toBe(true);
  });
});

describe('fileNameMatches', () => {
  it('builds files for the target OS and arch, and skips the others', () => {
    expect(builds('server_linux.go')).toBe(true);
    expect(builds('server_windows.go')).toBe(false);
    expect(builds('cpu_amd64.go')).toBe(true);
    expect(builds('cpu_arm64.go')).toBe(false);
  });

  it('needs both parts of an _OS_ARCH suffix to match', () => {
    expect(builds('cpu_linux_amd64.go')).toBe(true);
    expect(builds('cpu_linux_arm64.go')).toBe(false);
    expect(builds('cpu_linux_arm64.go', { goarch: 'arm64' })).toBe(true);
    expect(builds('cpu_darwin_amd64.go')).toBe(false);
  });

  it('reads the suffix before _test, judging test files by their name alone', () => {
    expect(builds('routes_test.go')).toBe(true);
    expect(builds('routes_linux_test.go')).toBe(true);
    expect(builds('routes_windows_test.go')).toBe(false);
    expect(builds('routes_linux_arm64_test.go')).toBe(false);
  });

  it('only reads a suffix after the first underscore: linux.go is built everywhere', () => {
    expect(builds('linux.go', { goos: 'windows' })).toBe(true);
    expect(builds('windows.go')).toBe(true);
    expect(builds('amd64.s', { goarch: 'arm64' })).toBe(true);
    expect(builds('windows_test.go')).toBe(true);
  });

  it('never builds files whose name starts with _ or .', () => {
    expect(builds('_x.go')).toBe(false);
    expect(builds('.x.go')).toBe(false);
    expect(builds('pkg/_linux.go')).toBe(false);
    expect(builds('.#routes.go')).toBe(false);
  });

  it('applies the same rule to assembly and cgo C files', () => {
    expect(builds('x_amd64.s')).toBe(true);
    expect(builds('x_amd64.s', { goarch: 'arm64' })).toBe(false);
    expect(builds('x_linux.c')).toBe(true);
    expect(builds('x_linux.c', { goos: 'darwin' })).toBe(false);
  });

  it('cuts the extension at the first dot', () => {
    expect(builds('x_windows.pb.go')).toBe(false);
    expect(builds('x.pb_windows.go')).toBe(true);
  });

  it('treats android as linux and ios as darwin in suffixes', () => {
    expect(builds('x_linux.go', { goos: 'android' })).toBe(true);
    expect(builds('x_linux_arm64.go', { goos: 'android', goarch: 'arm64' })).toBe(true);
    expect(builds('x_android.go', { goos: 'linux' })).toBe(false);
    expect(builds('x_darwin.go', { goos: 'ios' })).toBe(true);
    expect(builds('x_solaris.go', { goos: 'illumos' })).toBe(true);
  });

  it('ignores suffixes that are not a known OS or arch', () => {
    expect(builds('x_unix.go', { goos: 'windows' })).toBe(true);
    expect(builds('x_cuda.go')).toBe(true);
    expect(builds('x_cgo.go', { cgo: false })).toBe(true);
    expect(builds('x_amd64_linux.go', { goarch: 'arm64' })).toBe(true);
  });

  it('reads only the last two elements', () => {
    expect(builds('x_windows_foo.go')).toBe(true);
    expect(builds('x_windows_linux.go')).toBe(true);
    expect(builds('x_linux_windows.go')).toBe(false);
  });

  it('uses only the base name of a path', () => {
    expect(builds('cmd/windows_tools/main.go')).toBe(true);
    expect(builds('server/routes_windows.go')).toBe(false);
    expect(builds('_build/routes.go')).toBe(true);
  });

  it('knows wasip1, loong64 and the other listed platforms', () => {
    expect(builds('x_wasip1.go')).toBe(false);
    expect(builds('x_wasip1_wasm.go', { goos: 'wasip1', goarch: 'wasm' })).toBe(true);
    expect(builds('x_loong64.go')).toBe(false);
    expect(builds('x_zos_s390x.go')).toBe(false);
  });
});

describe('constraintHolds, as go/build reads the edges', () => {
  it('sets unix on every system go/build counts as Unix', () => {
    for (const goos of ['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'linux', 'netbsd', 'openbsd', 'solaris']) {
      expect(holds('unix', { goos }), goos).toBe(true);
    }
  });

  it('sets only exact release tags: go1.21rc1 or mygo1.21 is a custom tag', () => {
    expect(holds('go1.21rc1', { goMinor: 22 })).toBe(false);
    expect(holds('mygo1.21', { goMinor: 22 })).toBe(false);
    expect(holds('go1.21rc1', { goMinor: 22, tags: ['go1.21rc1'] })).toBe(true);
  });

  it('holds for a malformed line even when the part before the error does not', () => {
    expect(holds('windows linux')).toBe(true);
    expect(holds('windows)')).toBe(true);
  });

  it('ignores any run of trailing spaces and tabs', () => {
    expect(holds('windows \t ')).toBe(false);
  });
});
