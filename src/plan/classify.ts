/**
 * Which changed paths can change the binary. Pure, by path alone; the exact import-closure analysis can
 * replace it behind the same signature. When unsure it says "binary": a wrong skip is the worst error.
 */
import type { FileClass } from '../report.js';

export interface Classified {
  readonly class: FileClass;
  readonly why: string;
}

export interface Target {
  readonly goos: string;
  readonly goarch: string;
}

const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js',
  'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos']);
const KNOWN_ARCH = new Set(['386', 'amd64', 'amd64p32', 'arm', 'arm64', 'arm64be', 'armbe', 'loong64', 'mips',
  'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'mipsle', 'ppc', 'ppc64', 'ppc64le', 'riscv', 'riscv64',
  's390', 's390x', 'sparc', 'sparc64', 'wasm']);

const IMAGE_FILE = /(^|\/)(Dockerfile[^/]*|[^/]*\.dockerfile|CMakeLists\.txt|[^/]*\.cmake|[^/]*_VERSION)$|(^|\/)cmake\/|\.(cu|cuh|metal|comp|glsl|wgsl|cl)$/i;
const DOC_FILE = /\.(md|markdown|rst|adoc)$|(^|\/)(docs?|\.github)\//i;
const CGO_SOURCE = /\.(c|cc|cpp|cxx|h|hh|hpp|s|S|m)$/;

/** Go's filename rule: name_GOOS_GOARCH.go, name_GOOS.go, name_GOARCH.go (after dropping _test). */
export function goFileMatchesTarget(path: string, target: Target): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\.go$/, '');
  const parts = base.split('_');
  const last = parts[parts.length - 1] ?? '';
  const before = parts[parts.length - 2] ?? '';
  if (parts.length >= 3 && KNOWN_OS.has(before) && KNOWN_ARCH.has(last)) {
    return before === target.goos && last === target.goarch;
  }
  if (parts.length >= 2 && KNOWN_OS.has(last)) return last === target.goos || (last === 'linux' && target.goos === 'android');
  if (parts.length >= 2 && KNOWN_ARCH.has(last)) return last === target.goarch;
  return true;
}

export function classifyPath(path: string, target: Target): Classified {
  if (/(^|\/)(testdata|vendor\/[^/]+\/testdata)\//.test(path)) return { class: 'ignored', why: 'test data' };
  if (path.endsWith('_test.go')) return { class: 'ignored', why: 'test file' };
  if (path.endsWith('.go')) {
    return goFileMatchesTarget(path, target)
      ? { class: 'binary', why: 'Go source' }
      : { class: 'ignored', why: `built only for another platform than ${target.goos}/${target.goarch}` };
  }
  if (/(^|\/)go\.(mod|sum|work|work\.sum)$/.test(path)) return { class: 'binary', why: 'module definition' };
  if (IMAGE_FILE.test(path)) return { class: 'image', why: 'goes into the image, not the Go binary' };
  if (CGO_SOURCE.test(path)) return { class: 'binary', why: 'C source or header (cgo)' };
  if (DOC_FILE.test(path)) return { class: 'ignored', why: 'documentation' };
  // Anything else could be a //go:embed input: rebuild rather than risk serving stale code.
  return { class: 'binary', why: 'may be embedded (unsure, so rebuild)' };
}
