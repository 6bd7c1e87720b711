/**
 * Go's build constraints, as go/build decides them: `//go:build` expressions (&&, ||, !, parentheses),
 * old `// +build` lines, and the _GOOS/_GOARCH filename suffixes. Pure.
 */
import type { BuildContext } from './context.js';

// go/build's syslist.go (plus wasip1, added in Go 1.21). Used only for file names: a suffix that is not
// a known OS or arch is just part of the name.
const KNOWN_OS = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl',
  'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos',
]);
const KNOWN_ARCH = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'loong64', 'mips', 'mipsle', 'mips64',
  'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'ppc64', 'ppc64le', 'riscv', 'riscv64', 's390', 's390x',
  'sparc', 'sparc64', 'wasm',
]);
const UNIX_OS = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'linux', 'netbsd', 'openbsd',
  'solaris',
]);
/** GOOS values that also satisfy an older OS's tag (an android build uses _linux.go files). */
const IMPLIED_OS: Readonly<Record<string, string>> = { android: 'linux', illumos: 'solaris', ios: 'darwin' };
/** hotswap always builds with the gc toolchain. */
const COMPILER = 'gc';
/** Deeper nesting than any real file has; it keeps a hostile expression from overflowing the stack. */
const MAX_DEPTH = 1000;

/** Does a constraint expression (as GoFileHeader.constraint holds it) hold for this build? null → true. */
export function constraintHolds(expression: string | null, context: BuildContext): boolean {
  if (expression === null) return true;
  try {
    return new ExpressionEvaluator(expression, context).evaluate();
  } catch (error) {
    // go build refuses a malformed //go:build line. Saying "holds" means hotswap rebuilds and lets the
    // compiler report it: an unneeded rebuild is cheap, a wrongly skipped one serves stale code.
    if (error instanceof MalformedExpression) return true;
    throw error;
  }
}

/** go/build's file-name rule: `_` or `.` prefixes are never built, then the _GOOS, _GOARCH suffixes. */
export function fileNameMatches(fileName: string, context: BuildContext): boolean {
  const base = fileName.split(/[/\\]/).pop() ?? '';
  if (base.startsWith('_') || base.startsWith('.')) return false;
  const stem = base.split('.')[0] ?? '';
  const underscore = stem.indexOf('_');
  // Only a suffix after a first `_` counts: "linux.go" is built everywhere since Go 1.4.
  if (underscore < 0) return true;
  const parts = stem.slice(underscore).split('_');
  if (parts.at(-1) === 'test') parts.pop();
  const last = parts.at(-1) ?? '';
  const beforeLast = parts.at(-2);
  if (beforeLast !== undefined && KNOWN_OS.has(beforeLast) && KNOWN_ARCH.has(last)) {
    return matchTag(last, context) && matchTag(beforeLast, context);
  }
  if (KNOWN_OS.has(last) || KNOWN_ARCH.has(last)) return matchTag(last, context);
  return true;
}

/** go/build's matchTag: is this one tag set for the build? */
function matchTag(tag: string, context: BuildContext): boolean {
  if (tag === context.goos || tag === context.goarch || tag === COMPILER) return true;
  if (tag === 'cgo') return context.cgo;
  if (tag === IMPLIED_OS[context.goos]) return true;
  if (tag === 'unix' && UNIX_OS.has(context.goos)) return true;
  return isReleaseTag(tag, context.goMinor) || context.tags.includes(tag);
}

/** go1.1 … go1.<goMinor> are set, as go/build's ReleaseTags. */
function isReleaseTag(tag: string, goMinor: number): boolean {
  const match = /^go1\.([1-9]\d*)$/.exec(tag);
  return match !== null && Number(match[1]) <= goMinor;
}

class MalformedExpression extends Error {}

/**
 * go/build/constraint's recursive-descent parser (`!` binds tighter than `&&`, which binds tighter than
 * `||`), evaluating as it parses. Every part is parsed (no short circuit) so a syntax error anywhere counts.
 */
class ExpressionEvaluator {
  private readonly tokens: string[];
  private position = 0;

  constructor(
    expression: string,
    private readonly context: BuildContext,
  ) {
    this.tokens = tokenize(expression);
  }

  evaluate(): boolean {
    const value = this.or(0);
    if (this.position < this.tokens.length) throw new MalformedExpression(`unexpected ${this.peek()}`);
    return value;
  }

  private or(depth: number): boolean {
    let value = this.and(depth);
    while (this.accept('||')) value = this.and(depth) || value;
    return value;
  }

  private and(depth: number): boolean {
    let value = this.not(depth);
    while (this.accept('&&')) value = this.not(depth) && value;
    return value;
  }

  private not(depth: number): boolean {
    if (!this.accept('!')) return this.atom(depth);
    if (this.peek() === '!') throw new MalformedExpression('double negation not allowed');
    return !this.atom(depth);
  }

  private atom(depth: number): boolean {
    if (depth > MAX_DEPTH) throw new MalformedExpression('expression nested too deeply');
    if (this.accept('(')) {
      const value = this.or(depth + 1);
      if (!this.accept(')')) throw new MalformedExpression('missing close paren');
      return value;
    }
    const tag = this.peek();
    if (tag === undefined || !isTag(tag)) throw new MalformedExpression(`unexpected ${tag ?? 'end'}`);
    this.position++;
    return matchTag(tag, this.context);
  }

  private peek(): string | undefined {
    return this.tokens[this.position];
  }

  private accept(token: string): boolean {
    if (this.peek() !== token) return false;
    this.position++;
    return true;
  }
}

const TAG = /^[\p{L}\p{Nd}_.]+$/u;

function isTag(token: string): boolean {
  return TAG.test(token);
}

/** Operators and tags; go/build/constraint skips only spaces and tabs between them. */
function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  const rest = expression.replace(/[ \t]+$/, '');
  const token = /[ \t]*(?:(\(|\)|!|&&|\|\|)|([\p{L}\p{Nd}_.]+))/uy;
  while (token.lastIndex < rest.length) {
    const match = token.exec(rest);
    if (match === null) throw new MalformedExpression(`invalid syntax in ${expression}`);
    tokens.push(match[1] ?? match[2] ?? '');
  }
  return tokens;
}
