/**
 * The shell steps run inside the container. Every value arrives as a positional argument ("$1"…),
 * never spliced into the script, so no config value ever reaches a shell as code.
 */

/** Names beside and behind the target: `/usr/bin/.ollama.hotswap-new`, `/tmp/ollama.backup_<ts>`. */
export function swapPaths(binaryPath: string, now: Date) {
  const slash = binaryPath.lastIndexOf('/');
  const dir = binaryPath.slice(0, slash) || '/';
  const base = binaryPath.slice(slash + 1);
  return {
    dir, base,
    tempName: `.${base}.hotswap-new`,
    temp: `${dir === '/' ? '' : dir}/.${base}.hotswap-new`,
    backup: `/tmp/${base}.backup_${backupStamp(now)}`,
    backupPrefix: `/tmp/${base}.backup_`,
  };
}

/** 20261126_004512_123: sorts by time as text, unique per millisecond. */
export function backupStamp(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_` +
    `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}_${p(now.getUTCMilliseconds(), 3)}`;
}

/**
 * The image's own sha256sum, found on PATH. A bare `sha256sum` in busybox's shell runs its built-in applet
 * whatever PATH says; a path with a slash runs the file found.
 */
const HASH_FN = 'hash() { local IFS=:; for d in $PATH; do if [ -x "$d/sha256sum" ]; then "$d/sha256sum" "$1"; return; fi; done; sha256sum "$1"; }';

/**
 * One exec for the whole swap on disk (an exec costs ~60 ms on Docker 20.10). $1 binary, $2 backup,
 * $3 the uploaded temp file. The current file is kept as the backup: a hard link costs nothing and still
 * holds the old inode after the rename (a copy across file systems). The rename is atomic: the path holds
 * the whole old or the whole new file. Prints the hash of the old file (when there was one), then the hash
 * of what landed.
 */
export const INSTALL = `set -e; ${HASH_FN}; if [ -e "$1" ]; then hash "$1"; ln -f "$1" "$2" 2>/dev/null || cp -p "$1" "$2"; fi; chmod 0755 "$3"; mv -f "$3" "$1"; hash "$1"`;

/** $1 binary, $2 backup, $3 temp. Copies (keeping the backup) and renames into place. */
export const RESTORE = `set -e; ${HASH_FN}; cp -p "$2" "$3"; chmod 0755 "$3"; mv -f "$3" "$1"; hash "$1"`;

/** $1 file: its hash by the image's own sha256sum. */
export const HASH_FILE = `${HASH_FN}; hash "$1"`;

/** $1 backup prefix. One line per backup: size, mtime, path. */
export const LIST_BACKUPS = 'for f in "$1"*; do [ -f "$f" ] && stat -c "%s %Y %n" "$f"; done; true';

/** First field of `sha256sum` output. */
export const parseSha256 = (stdout: string): string | null => /^([0-9a-f]{64})\b/m.exec(stdout)?.[1] ?? null;

/** INSTALL's output: the old hash (if the path held a file) and the new one, one line each. */
export function parseInstallOutput(stdout: string): { previous: string | null; installed: string | null } {
  const hashes = [...stdout.matchAll(/^([0-9a-f]{64})\b/gm)].map((m) => m[1]!);
  return hashes.length >= 2 ? { previous: hashes[0]!, installed: hashes[1]! } : { previous: null, installed: hashes[0] ?? null };
}
