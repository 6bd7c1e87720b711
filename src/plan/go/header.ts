/**
 * What a Go source file says about its own build: the package clause, build constraints, imports, embeds
 * and cgo include directories. Pure: source text in, plain data out. Only the parts that decide which files
 * go into a binary are read; nothing else of the Go grammar.
 */
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

export declare function parseGoHeader(source: string): GoFileHeader;
