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
 * $1 binary, $2 backup. Prints the current hash, then keeps the current file as the backup. A hard link
 * costs nothing and still holds the old inode after the rename; across file systems it copies.
 */
export const BACKUP = 'set -e; sha256sum "$1"; ln -f "$1" "$2" 2>/dev/null || cp -p "$1" "$2"';

/** $1 binary, $2 uploaded temp file. The rename is atomic: the path holds the whole old or whole new file. */
export const INSTALL = 'set -e; chmod 0755 "$2"; mv -f "$2" "$1"';

/** $1 binary, $2 backup, $3 temp. Copies (keeping the backup) and renames into place. */
export const RESTORE = 'set -e; cp -p "$2" "$3"; chmod 0755 "$3"; mv -f "$3" "$1"; sha256sum "$1"';

/** $1 backup prefix. One line per backup: size, mtime, path. */
export const LIST_BACKUPS = 'for f in "$1"*; do [ -f "$f" ] && stat -c "%s %Y %n" "$f"; done; true';

/** First field of `sha256sum` output. */
export const parseSha256 = (stdout: string): string | null => /^([0-9a-f]{64})\b/m.exec(stdout)?.[1] ?? null;
