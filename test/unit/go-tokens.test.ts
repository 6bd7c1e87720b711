import { describe, expect, it } from 'vitest';
import { CodeTokens, scanTokens } from '../../src/plan/go/tokens.js';

const kinds = (text: string) => [...scanTokens(text)].map((t) => `${t.kind}:${t.text}`);

describe('scanTokens', () => {
  it('splits words, punctuation, strings and comments, dropping white space', () => {
    expect(kinds('package main // hi\nimport "fmt"')).toEqual([
      'word:package', 'word:main', 'comment: hi', 'word:import', 'string:fmt',
    ]);
  });

  it('unquotes interpreted strings and keeps raw strings without carriage returns', () => {
    expect(kinds('"a\\tb\\x41\\u00e9" `r\r\naw`')).toEqual(['string:a\tbAé', 'string:r\naw']);
  });

  it('never mistakes a comment inside a string, or a string inside a comment, for code', () => {
    expect(kinds('"// not a comment" /* "not a string" */ x')).toEqual([
      'string:// not a comment', 'comment: "not a string" ', 'word:x',
    ]);
  });

  it('ends an unclosed string or block comment at the end of the text', () => {
    expect(kinds('/* open')).toEqual(['comment: open']);
    expect(kinds('"open\nx')).toEqual(['string:open', 'word:x']);
  });
});

describe('CodeTokens', () => {
  it('indexes code tokens only and collects the comments scanned so far', () => {
    const code = new CodeTokens(scanTokens('// a\npackage /* b */ p\n// c\nfunc'));
    expect(code.at(1)?.text).toBe('p');
    expect(code.comments).toEqual([' a', ' b ']);
    expect(code.at(5)).toBeUndefined();
    expect(code.comments).toEqual([' a', ' b ', ' c']);
  });
});
