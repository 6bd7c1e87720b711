import { describe, expect, it } from 'vitest';
import { parseGoHeader } from '../../src/plan/go/header.js';

const lines = (...text: string[]) => text.join('\n');
const constraintOf = (...text: string[]) => parseGoHeader(lines(...text)).constraint;
const importsOf = (...text: string[]) => parseGoHeader(lines(...text)).imports;
const embedsOf = (...text: string[]) => parseGoHeader(lines(...text)).embeds;
const includeDirsOf = (...text: string[]) => parseGoHeader(lines(...text)).cgoIncludeDirs;

describe('parseGoHeader: package clause', () => {
  it('reads the package name after comments', () => {
    expect(parseGoHeader(lines('// Copyright 2024', '', '/* doc */', 'package server', '')).packageName).toBe('server');
    expect(parseGoHeader('package main').packageName).toBe('main');
  });

  it('gives null when there is no package clause', () => {
    expect(parseGoHeader('').packageName).toBeNull();
    expect(parseGoHeader('// just a comment\n').packageName).toBeNull();
    expect(parseGoHeader('func main() {}\npackage main').packageName).toBeNull();
  });

  it('is not fooled by package text in comments', () => {
    expect(parseGoHeader(lines('// package wrong', '/* package wrong */', 'package right')).packageName).toBe('right');
  });
});

describe('parseGoHeader: //go:build', () => {
  it('reads the //go:build expression in the header', () => {
    expect(constraintOf('//go:build linux && (amd64 || arm64)', '', 'package gpu')).toBe('linux && (amd64 || arm64)');
  });

  it('reads it after a copyright comment and with trailing spaces', () => {
    expect(constraintOf('// Copyright 2024 Ollama', '/* license */', '', '//go:build   cuda   ', 'package ml'))
      .toBe('cuda');
  });

  it('reads it even when attached to the package doc comment', () => {
    expect(constraintOf('//go:build windows', '// Package x does things.', 'package x')).toBe('windows');
  });

  it('wins over // +build lines', () => {
    expect(constraintOf('//go:build linux', '// +build darwin', '', 'package x')).toBe('linux');
    expect(constraintOf('// +build darwin', '//go:build linux', '', 'package x')).toBe('linux');
  });

  it('ignores constraints after the package clause', () => {
    expect(constraintOf('package x', '', '//go:build windows', '// +build windows', '', 'func f() {}')).toBeNull();
  });

  it('ignores a //go:build line inside a block comment', () => {
    expect(constraintOf('/*', '//go:build windows', '*/', '', 'package x')).toBeNull();
  });

  it('does not take //go:buildx or // go:build for the directive', () => {
    expect(constraintOf('//go:buildtag linux', '// go:build windows', '', 'package x')).toBeNull();
  });

  it('gives null when the file has no constraint', () => {
    expect(constraintOf('// Package x is great.', 'package x')).toBeNull();
  });
});

describe('parseGoHeader: // +build', () => {
  it('converts a detached +build line: spaces OR, commas AND, ! negates', () => {
    expect(constraintOf('// +build linux darwin,cgo !windows', '', 'package x'))
      .toBe('linux || (darwin && cgo) || !windows');
    expect(constraintOf('// +build linux,amd64', '', 'package x')).toBe('linux && amd64');
    expect(constraintOf('// +build !windows', '', 'package x')).toBe('!windows');
  });

  it('ANDs several +build lines', () => {
    expect(constraintOf('// +build A B,C !D', '// +build E', '', 'package x')).toBe('(A || (B && C) || !D) && (E)');
  });

  it('accepts //+build without the space', () => {
    expect(constraintOf('//+build linux', '', 'package x')).toBe('linux');
  });

  it('ignores a +build line attached to the package doc comment', () => {
    expect(constraintOf('// +build windows', 'package x')).toBeNull();
    expect(constraintOf('// +build windows', '// Package x works.', 'package x')).toBeNull();
  });

  it('keeps the detached lines and drops the attached ones', () => {
    expect(constraintOf('// +build linux', '', '// +build windows', '// Package x.', 'package x')).toBe('linux');
  });

  it('ignores +build lines after a block comment, as go/build does', () => {
    expect(constraintOf('/* license */', '// +build windows', '', 'package x')).toBeNull();
  });

  it('ignores +build lines after the package clause', () => {
    expect(constraintOf('package x', '', '// +build windows', '')).toBeNull();
  });

  it('reads an empty or malformed +build term as the never-set ignore tag', () => {
    expect(constraintOf('// +build', '', 'package x')).toBe('ignore');
    expect(constraintOf('// +build ignore', '', 'package main')).toBe('ignore');
    expect(constraintOf('// +build !!linux bad-tag', '', 'package x')).toBe('ignore || ignore');
  });

  it('does not take // +buildx for a +build line', () => {
    expect(constraintOf('// +builder linux', '', 'package x')).toBeNull();
  });
});

describe('parseGoHeader: imports', () => {
  it('reads a single import and a grouped one with aliases, dot, blank and comments', () => {
    const source = lines(
      'package server',
      '',
      'import "context"',
      '',
      'import (',
      '\t"fmt" // printing',
      '',
      '\t/* an alias */ api "github.com/ollama/ollama/api"',
      '\t. "math"',
      '\t_ "embed"',
      '\t// "commented/out"',
      '\tfs `io/fs`',
      ')',
      '',
      'func f() {}',
    );
    expect(parseGoHeader(source).imports).toEqual([
      'context', 'fmt', 'github.com/ollama/ollama/api', 'math', 'embed', 'io/fs',
    ]);
  });

  it('reads aliased, dot, blank and raw-string single imports', () => {
    expect(importsOf('package x', 'import alias "a/b"', 'import . "c"', 'import _ "d"', 'import `e/f`'))
      .toEqual(['a/b', 'c', 'd', 'e/f']);
  });

  it('reads imports separated by semicolons', () => {
    expect(importsOf('package x; import "a"; import ("b"; "c")')).toEqual(['a', 'b', 'c']);
  });

  it('stops at the first declaration that is not an import', () => {
    expect(importsOf('package x', 'import "a"', 'var s = "b"', 'import "c"')).toEqual(['a']);
    expect(importsOf('package x', 'func main() { println("fmt") }')).toEqual([]);
  });

  it('is not fooled by import text in comments', () => {
    expect(importsOf('// import "wrong"', 'package x // import "x"', '/* import "no" */', 'import "yes"'))
      .toEqual(['yes']);
  });

  it('reads import "C" and the cgo preamble before it', () => {
    const source = lines(
      'package llama',
      '',
      '/*',
      '#cgo CFLAGS: -I${SRCDIR}/../include -DX=1',
      '#include "x.h"',
      '*/',
      'import "C"',
      '',
      'import (',
      '\t"unsafe"',
      ')',
    );
    expect(parseGoHeader(source)).toMatchObject({ imports: ['C', 'unsafe'], cgoIncludeDirs: ['../include'] });
  });

  it('unquotes escapes in interpreted import strings', () => {
    expect(importsOf('package x', 'import "a\\x2fb"')).toEqual(['a/b']);
  });

  it('reads no imports without a package clause', () => {
    expect(importsOf('import "fmt"')).toEqual([]);
  });
});

describe('parseGoHeader: embeds', () => {
  it('reads //go:embed patterns anywhere in the file', () => {
    const source = lines(
      'package web',
      '',
      'import "embed"',
      '',
      '//go:embed static/*.html templates',
      'var files embed.FS',
      '',
      'func f() {',
      '\t//go:embed version.txt',
      '}',
    );
    expect(parseGoHeader(source).embeds).toEqual(['static/*.html', 'templates', 'version.txt']);
  });

  it('unquotes double-quoted and backquoted patterns and keeps all:', () => {
    expect(embedsOf('package x', '//go:embed "my file.txt" `raw dir/*` all:assets "say \\"hi\\".txt"'))
      .toEqual(['my file.txt', 'raw dir/*', 'all:assets', 'say "hi".txt']);
  });

  it('ignores // go:embed and //go:embedded', () => {
    expect(embedsOf('package x', '// go:embed a', '//go:embedded b', 'var s = "//go:embed c"')).toEqual([]);
  });
});

describe('parseGoHeader: cgo include directories', () => {
  it('reads -I dir from a // preamble with constraints, relative to the file', () => {
    const source = lines(
      'package ggml',
      '',
      '// #cgo linux CPPFLAGS: -I ${SRCDIR}/inc',
      '// #cgo darwin,arm64 CXXFLAGS: -std=c++17 -I${SRCDIR}',
      '// #cgo CFLAGS: -I./vendor/ -Iinclude/ -I. -I/usr/include -isystem /opt -DNDEBUG',
      '// #cgo LDFLAGS: -L${SRCDIR}/lib -Inot/a/cflag',
      '// #cgo pkg-config: -Inot/either',
      'import "C"',
    );
    expect(parseGoHeader(source).cgoIncludeDirs).toEqual(['inc', '.', 'vendor', 'include']);
  });

  it('normalizes ${SRCDIR} paths and removes duplicates', () => {
    const preamble = ['/*', '#cgo CFLAGS: -I${SRCDIR}/../llama -I${SRCDIR}/a/../b/', '#cgo CPPFLAGS: -I../llama', '*/'];
    expect(includeDirsOf('package x', ...preamble, 'import "C"')).toEqual(['../llama', 'b']);
  });

  it('reads quoted flags', () => {
    expect(includeDirsOf('package x', '// #cgo CFLAGS: "-I${SRCDIR}/with space" -I \'quoted\'', 'import "C"'))
      .toEqual(['with space', 'quoted']);
  });

  it('reads #cgo lines only in the comments before the end of the imports, where the preamble is', () => {
    expect(includeDirsOf('package x', '// #cgo CFLAGS: -Ibefore', 'import "C"', 'func f() {}', '// #cgo CFLAGS: -Iafter'))
      .toEqual(['before']);
  });

  it('ignores #cgo text in strings and lines that are not directives', () => {
    const source = ['var s = "#cgo CFLAGS: -Iin/string"', '// #cgoCFLAGS: -Ino', '// #cgo CFLAGS -Ino'];
    expect(includeDirsOf('package x', ...source)).toEqual([]);
  });
});

describe('parseGoHeader: robustness', () => {
  it('reads files with CRLF line endings', () => {
    const source = [
      '// +build linux', '', 'package x', '', 'import (', '\t"fmt"', '\tb `bytes`', ')', '',
      '//go:embed a.txt "b c"', '// #cgo CFLAGS: -I${SRCDIR}/inc', 'import "C"',
    ].join('\r\n');
    expect(parseGoHeader(source)).toEqual({
      packageName: 'x',
      constraint: 'linux',
      imports: ['fmt', 'bytes', 'C'],
      embeds: ['a.txt', 'b c'],
      cgoIncludeDirs: ['inc'],
    });
    expect(parseGoHeader('//go:build linux\r\n\r\npackage x\r\n').constraint).toBe('linux');
  });

  it('skips a byte order mark', () => {
    expect(parseGoHeader('\uFEFF//go:build linux\n\npackage x\nimport "fmt"\n')).toMatchObject({
      packageName: 'x', constraint: 'linux', imports: ['fmt'],
    });
  });

  it('reads what it can of a file with syntax errors', () => {
    expect(parseGoHeader('package x\nimport (\n"fmt"\nfunc main() {'))
      .toMatchObject({ packageName: 'x', imports: ['fmt'] });
    expect(parseGoHeader('package x\nimport "unterminated\nfunc f() {}').packageName).toBe('x');
    expect(parseGoHeader('package x /* unterminated').packageName).toBe('x');
    expect(parseGoHeader('package\nimport "fmt"').packageName).toBeNull();
    expect(parseGoHeader('package 9lives').packageName).toBeNull();
  });

  it('is not confused by comment markers inside strings', () => {
    const source = lines(
      'package x',
      'import (',
      '\t"a/*b" // "not/an/import"',
      '\t`c//d` /* #cgo CFLAGS: -Ia */',
      '\t"e\\"*/"',
      ')',
    );
    expect(parseGoHeader(source)).toMatchObject({ imports: ['a/*b', 'c//d', 'e"*/'], cgoIncludeDirs: ['a'] });
  });

  it('never throws on garbage', () => {
    const samples = ['', '\0\0\0', '"', '`', "'", '/*', '//', 'package', 'import (', '\uFEFF', '\\U0011ffff',
      'package x\nimport "\\U0011ffff"', '//go:embed "unterminated', '//go:embed `unterminated', '// #cgo CFLAGS: -I',
      '// #cgo CFLAGS: "-Iunterminated', '\uD800\uDC00\uD800', 'package 日本\nimport ( 名 "パス" )'];
    let seed = 7;
    const randomByte = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let sample = 0; sample < 200; sample++) {
      samples.push(String.fromCharCode(...Array.from({ length: 200 }, randomByte)));
    }
    for (const source of samples) expect(() => parseGoHeader(source), JSON.stringify(source)).not.toThrow();
    expect(parseGoHeader('package 日本\nimport ( 名 "パス" )')).toMatchObject({ packageName: '日本', imports: ['パス'] });
  });
});
