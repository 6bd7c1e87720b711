/** What a Go build is for: the inputs of a binary depend on all of it. Plain data. */
export interface BuildContext {
  readonly goos: string;
  readonly goarch: string;
  /** CGO_ENABLED=1 */
  readonly cgo: boolean;
  /** -tags */
  readonly tags: readonly string[];
  /** The minor version of the Go release building it (24 for go1.24): go1.N tags up to it are satisfied. */
  readonly goMinor: number;
}
