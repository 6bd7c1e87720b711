/**
 * The Go tokenizer the header parser reads: comments, strings (unquoted), words and punctuation, enough to
 * never mistake a comment or a string for code. Pure: text in, tokens out, scanned lazily.
 */

/** `text` is a comment's body, a string's unquoted value, or the source text of anything else. */
export interface Token {
  readonly kind: 'comment' | 'string' | 'word' | 'punctuation';
  readonly text: string;
}

interface Scanned {
  readonly token: Token | null;
  readonly end: number;
}

/** Comments, strings, words and punctuation: enough to never mistake a comment or a string for code. */
export function* scanTokens(text: string): Generator<Token> {
  for (let position = 0; position < text.length; ) {
    const { token, end } = scanToken(text, position);
    if (token !== null) yield token;
    position = end;
  }
}

/** The code tokens, scanned only as far as they are read (the header of a big file is at its start). */
export class CodeTokens {
  /** The comments scanned so far, in order. */
  readonly comments: string[] = [];
  private readonly code: Token[] = [];

  constructor(private readonly tokens: Iterator<Token>) {}

  at(index: number): Token | undefined {
    while (this.code.length <= index) {
      const next = this.tokens.next();
      if (next.done === true) return undefined;
      if (next.value.kind === 'comment') this.comments.push(next.value.text);
      else this.code.push(next.value);
    }
    return this.code[index];
  }
}

function scanToken(text: string, start: number): Scanned {
  const char = text.charAt(start);
  if (/\s/.test(char)) return { token: null, end: start + 1 };
  if (text.startsWith('//', start)) return scanLineComment(text, start);
  if (text.startsWith('/*', start)) return scanBlockComment(text, start);
  if (char === '"') {
    const close = interpretedStringEnd(text, start);
    return { token: { kind: 'string', text: unquoteInterpreted(text.slice(start + 1, close)) }, end: close + 1 };
  }
  if (char === '`') {
    const close = indexOrEnd(text, '`', start + 1);
    // Go drops carriage returns from raw strings.
    return { token: { kind: 'string', text: text.slice(start + 1, close).replace(/\r/g, '') }, end: close + 1 };
  }
  if (char === "'") {
    const close = quotedEnd(text, start, "'");
    return { token: { kind: 'punctuation', text: text.slice(start, close + 1) }, end: close + 1 };
  }
  const wordPattern = /[\p{L}\p{N}_]+/uy;
  wordPattern.lastIndex = start;
  const word = wordPattern.exec(text);
  if (word !== null) return { token: { kind: 'word', text: word[0] }, end: start + word[0].length };
  return { token: { kind: 'punctuation', text: char }, end: start + 1 };
}

function scanLineComment(text: string, start: number): Scanned {
  const end = indexOrEnd(text, '\n', start);
  return { token: { kind: 'comment', text: text.slice(start + 2, end) }, end };
}

function scanBlockComment(text: string, start: number): Scanned {
  const close = text.indexOf('*/', start + 2);
  const bodyEnd = close < 0 ? text.length : close;
  return { token: { kind: 'comment', text: text.slice(start + 2, bodyEnd) }, end: close < 0 ? text.length : close + 2 };
}

export function indexOrEnd(text: string, search: string, from: number): number {
  const index = text.indexOf(search, from);
  return index < 0 ? text.length : index;
}

/** Index of the quote closing the "…" string opened at `open`; at a newline or the end when it is unclosed. */
export function interpretedStringEnd(text: string, open: number): number {
  return quotedEnd(text, open, '"');
}

function quotedEnd(text: string, open: number, quote: string): number {
  let index = open + 1;
  while (index < text.length && text[index] !== quote && text[index] !== '\n') {
    index += text[index] === '\\' ? 2 : 1;
  }
  return Math.min(index, text.length);
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"',
};

/** Go's escapes in an interpreted string body; an escape Go would reject is kept as written. */
export function unquoteInterpreted(body: string): string {
  return body.replace(
    /\\(?:([abfnrtv\\'"])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3}))/g,
    (escape, simple?: string, hex?: string, u4?: string, u8?: string, octal?: string) => {
      if (simple !== undefined) return ESCAPES[simple] ?? escape;
      const digits = hex ?? u4 ?? u8;
      const code = digits === undefined ? parseInt(octal ?? '0', 8) : parseInt(digits, 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : escape;
    },
  );
}
