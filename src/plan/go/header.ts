/**
 * What a Go source file says about its own build: the package clause, build constraints, imports, embeds
 * and cgo include directories. Pure: source text in, plain data out. Only the parts that decide which files
 * go into a binary are read; nothing else of the Go grammar.
 */
import { posix } from 'node:path';
import { CodeTokens, indexOrEnd, interpretedStringEnd, scanTokens, unquoteInterpreted, type Token } from './tokens.js';

export interface GoFileHeader {
  /** The package clause's name; null when the file has none (go build refuses such a file). */
  readonly packageName: string | null;
  /** The `//go:build` expression; else the `// +build` lines joined as one expression; else null. */
  readonly constraint: string | null;
  /** Import paths, unquoted, in source order ("C" included when the file uses cgo). */
  readonly imports: readonly string[];
  /** `//go:embed` patterns, unquoted, in order; an `all:` prefix is kept. */
  readonly embeds: readonly string[];
  /**
   * Directories named by `#cgo CFLAGS/CPPFLAGS/CXXFLAGS: -I…` in the file's comments, relative to the file's
   * directory (`${SRCDIR}/../llama` → `../llama`, `${SRCDIR}` → `.`); absolute ones outside ${SRCDIR} are dropped.
   */
  readonly cgoIncludeDirs: readonly string[];
}

export function parseGoHeader(source: string): GoFileHeader {
  // Go ignores a leading byte order mark, so it must not hide a //go:build line.
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const code = new CodeTokens(scanTokens(text));
  const clause = readPackageClause(code);
  const imports = clause === null ? [] : readImports(code, clause.next);
  return {
    packageName: clause?.name ?? null,
    constraint: readConstraint(text),
    imports,
    embeds: readEmbeds(text),
    // Only the comments read so far, up to the end of the imports: the preamble of import "C" is among them.
    cgoIncludeDirs: readCgoIncludeDirs(code.comments),
  };
}

// Package clause and imports

function isWord(token: Token | undefined, text?: string): boolean {
  return token?.kind === 'word' && (text === undefined || token.text === text);
}

function isPunctuation(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punctuation' && token.text === text;
}

const KEYWORDS = new Set([
  'break', 'case', 'chan', 'const', 'continue', 'default', 'defer', 'else', 'fallthrough', 'for', 'func', 'go',
  'goto', 'if', 'import', 'interface', 'map', 'package', 'range', 'return', 'select', 'struct', 'switch', 'type',
  'var',
]);

function isIdentifier(token: Token | undefined): token is Token {
  return isWord(token) && !KEYWORDS.has(token?.text ?? '') && !/^\p{Nd}/u.test(token?.text ?? '');
}

/** The package clause must be the first code; `next` is where import declarations may start. */
function readPackageClause(code: CodeTokens): { name: string | null; next: number } | null {
  if (!isWord(code.at(0), 'package')) return null;
  const name = code.at(1);
  return isIdentifier(name) ? { name: name.text, next: 2 } : { name: null, next: 1 };
}

/** Import declarations follow the package clause; the first other declaration ends them. */
function readImports(code: CodeTokens, start: number): string[] {
  const paths: string[] = [];
  let position = skipSemicolons(code, start);
  while (isWord(code.at(position), 'import')) {
    const next = isPunctuation(code.at(position + 1), '(')
      ? readImportGroup(code, position + 2, paths)
      : readImportSpec(code, position + 1, paths);
    if (next === null) break;
    position = skipSemicolons(code, next);
  }
  return paths;
}

function skipSemicolons(code: CodeTokens, start: number): number {
  let position = start;
  while (isPunctuation(code.at(position), ';')) position++;
  return position;
}

/** `[name | .] "path"`; null when it is not one (a syntax error: stop reading imports). */
function readImportSpec(code: CodeTokens, start: number, paths: string[]): number | null {
  const hasName = isWord(code.at(start)) || isPunctuation(code.at(start), '.');
  const path = code.at(hasName ? start + 1 : start);
  if (path?.kind !== 'string') return null;
  paths.push(path.text);
  return hasName ? start + 2 : start + 1;
}

/** `( spec; spec … )`: every string inside is a path; anything that cannot be in a group ends it. */
function readImportGroup(code: CodeTokens, start: number, paths: string[]): number | null {
  for (let position = start; ; position++) {
    const token = code.at(position);
    if (isPunctuation(token, ')')) return position + 1;
    if (token?.kind === 'string') paths.push(token.text);
    else if (!isWord(token) && !isPunctuation(token, '.') && !isPunctuation(token, ';')) return null;
  }
}

// Build constraints

function readConstraint(text: string): string | null {
  const header = readHeaderLines(text);
  return header.goBuild ?? plusBuildExpression(header.plusBuildArguments);
}

/**
 * go/build's parseFileHeader: the leading blank lines and comments, up to the first code (the package
 * clause). A //go:build line anywhere in it counts (not inside a block comment). A // +build line counts
 * only in the leading run of // comments and blank lines, and only when a blank line follows it, so that
 * the package's doc comment is never read as a constraint.
 */
function readHeaderLines(text: string): { goBuild: string | null; plusBuildArguments: string[] } {
  let goBuild: string | null = null;
  let sinceBlankLine: string[] = [];
  const beforeBlankLine: string[] = [];
  let onlyLineComments = true;
  let inBlockComment = false;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' && onlyLineComments) {
      beforeBlankLine.push(...sinceBlankLine);
      sinceBlankLine = [];
      continue;
    }
    if (!line.startsWith('//')) onlyLineComments = false;
    if (onlyLineComments) sinceBlankLine.push(line);
    // go build rejects a second //go:build line; the first one is as good a guess as any.
    if (!inBlockComment) goBuild ??= directiveArguments(line, '//go:build');
    const state = commentStateAfter(line, inBlockComment);
    if (state === 'code') break;
    inBlockComment = state === 'in-block-comment';
  }
  return { goBuild, plusBuildArguments: beforeBlankLine.flatMap((line) => plusBuildArguments(line) ?? []) };
}

/** Reads one trimmed line's comments: does code start on it, or does a block comment continue past it? */
function commentStateAfter(line: string, inBlockComment: boolean): 'code' | 'in-block-comment' | 'outside' {
  let rest = line;
  let inBlock = inBlockComment;
  while (rest !== '') {
    if (inBlock) {
      const close = rest.indexOf('*/');
      if (close < 0) return 'in-block-comment';
      inBlock = false;
      rest = rest.slice(close + 2).trim();
    } else if (rest.startsWith('//')) {
      return 'outside';
    } else if (rest.startsWith('/*')) {
      inBlock = true;
      rest = rest.slice(2).trim();
    } else {
      return 'code';
    }
  }
  return inBlock ? 'in-block-comment' : 'outside';
}

/** The text after `prefix` when the line is that directive (prefix then a space, or nothing), else null. */
function directiveArguments(line: string, prefix: string): string | null {
  if (!line.startsWith(prefix)) return null;
  const rest = line.slice(prefix.length);
  return rest === '' || /^\s/.test(rest) ? rest.trim() : null;
}

/** `// +build …` (also `//+build …`) → its arguments; null for any other line. */
function plusBuildArguments(line: string): string | null {
  return line.startsWith('//') ? directiveArguments(line.slice(2).trim(), '+build') : null;
}

/** Several +build lines are ANDed; on each, spaces mean OR and commas mean AND. */
function plusBuildExpression(lines: readonly string[]): string | null {
  if (lines.length === 0) return null;
  const expressions = lines.map(plusBuildLineExpression);
  if (expressions.length === 1) return expressions[0] ?? null;
  return expressions.map((expression) => `(${expression})`).join(' && ');
}

function plusBuildLineExpression(line: string): string {
  const clauses = line.split(/\s+/).filter((clause) => clause !== '');
  // go/build/constraint reads an empty +build line, and any malformed term, as the never-set "ignore" tag.
  if (clauses.length === 0) return 'ignore';
  const terms = clauses.map((clause) => clause.split(',').map(plusBuildAtom));
  if (terms.length === 1) return terms[0]?.join(' && ') ?? 'ignore';
  return terms.map((atoms) => (atoms.length === 1 ? atoms[0] : `(${atoms.join(' && ')})`)).join(' || ');
}

function plusBuildAtom(atom: string): string {
  if (atom.startsWith('!!') || atom === '!') return 'ignore';
  const negated = atom.startsWith('!');
  const tag = negated ? atom.slice(1) : atom;
  const valid = /^[\p{L}\p{Nd}_.]+$/u.test(tag) ? tag : 'ignore';
  return negated ? `!${valid}` : valid;
}

// Embeds

/** Every `//go:embed` line of the file, even in files that do not import "embed": extra inputs are harmless. */
function readEmbeds(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    const args = directiveArguments(line.trim(), '//go:embed');
    return args === null ? [] : embedPatterns(args);
  });
}

/** go/build's parseGoEmbed: space-separated patterns, each maybe a "…" or `…` Go string. */
function embedPatterns(args: string): string[] {
  const patterns: string[] = [];
  let position = 0;
  while (position < args.length) {
    if (/\s/.test(args.charAt(position))) {
      position++;
      continue;
    }
    const { pattern, end } = embedPattern(args, position);
    patterns.push(pattern);
    position = end;
  }
  return patterns;
}

function embedPattern(args: string, start: number): { pattern: string; end: number } {
  const char = args.charAt(start);
  if (char === '"') {
    const close = interpretedStringEnd(args, start);
    return { pattern: unquoteInterpreted(args.slice(start + 1, close)), end: close + 1 };
  }
  if (char === '`') {
    const close = indexOrEnd(args, '`', start + 1);
    return { pattern: args.slice(start + 1, close), end: close + 1 };
  }
  const pattern = /^\S+/.exec(args.slice(start))?.[0] ?? char;
  return { pattern, end: start + pattern.length };
}

// cgo include directories

const COMPILER_FLAG_VERBS = new Set(['CFLAGS', 'CPPFLAGS', 'CXXFLAGS']);
const SRCDIR = '${SRCDIR}';

/** From every comment given, not just the preamble of import "C": a spare directory only costs a look. */
function readCgoIncludeDirs(comments: readonly string[]): string[] {
  const dirs = comments
    .flatMap((comment) => comment.split('\n'))
    .flatMap((line) => includeFlagValues(compilerFlags(line.trim())))
    .map(relativeIncludeDir)
    .filter((dir): dir is string => dir !== null);
  return [...new Set(dirs)];
}

/** `#cgo [constraints] VERB: flags` → the flags, when VERB sets C/C++ compiler flags (any constraints). */
function compilerFlags(line: string): string[] {
  if (!/^#cgo[ \t]/.test(line)) return [];
  const colon = line.indexOf(':');
  if (colon < 0) return [];
  const verb = line.slice(4, colon).trim().split(/\s+/).pop() ?? '';
  return COMPILER_FLAG_VERBS.has(verb) ? splitQuoted(line.slice(colon + 1)) : [];
}

/** `-Idir` and `-I dir`. */
function includeFlagValues(flags: readonly string[]): string[] {
  const values: string[] = [];
  for (let index = 0; index < flags.length; index++) {
    const flag = flags[index] ?? '';
    if (flag === '-I') values.push(flags[++index] ?? '');
    else if (flag.startsWith('-I')) values.push(flag.slice(2));
  }
  return values;
}

/** `${SRCDIR}` is the file's directory; a relative -I is relative to it too (cgo runs there). */
function relativeIncludeDir(dir: string): string | null {
  const local = dir.startsWith(SRCDIR) ? `.${dir.slice(SRCDIR.length)}` : dir;
  if (local === '' || posix.isAbsolute(local)) return null;
  return posix.normalize(local).replace(/\/+$/, '') || '.';
}

/** cgo's splitQuoted: fields split on spaces, with '…' and "…" quoting and backslash escapes. */
function splitQuoted(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let quote: string | null = null;
  let escaped = false;
  for (const char of text) {
    if (escaped) {
      escaped = false;
      field += char;
    } else if (char === '\\') {
      escaped = true;
    } else if (quote !== null) {
      if (char === quote) quote = null;
      else field += char;
    } else if (char === '"' || char === "'") {
      quoted = true;
      quote = char;
    } else if (/\s/.test(char)) {
      if (quoted || field !== '') fields.push(field);
      quoted = false;
      field = '';
    } else {
      field += char;
    }
  }
  if (quoted || field !== '') fields.push(field);
  return fields;
}

// #include lines (C sources and cgo preambles)

const INCLUDE_LINE = /^[ \t]*(?:(?:\/\/|\*)[ \t]*)?#[ \t]*(?:include|import)[ \t]*[<"]([^>"\n]+)[>"]/gm;

/**
 * What a C, C++, Objective-C or assembly file, or a cgo preamble (also in `//` comments), #includes, as
 * written. Conditional includes count too: a header only some builds include is still worth a rebuild.
 */
export function parseIncludes(source: string): string[] {
  return [...new Set([...source.matchAll(INCLUDE_LINE)].map((match) => match[1]!))];
}
