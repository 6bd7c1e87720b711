/**
 * The shell steps run inside the container. Every value arrives as a positional argument ("$1"…),
 * never spliced into the script, so no config value ever reaches a shell as code.
 */

import { operationError, type Phase } from '../errors.js';

/**
 * A container step that failed, as an error: the action, then its stderr (or exit code). Exit 127 is the
 * shell's "not found": the image lacks the tools these steps use.
 */
export const execFailure = (action: string, container: string, r: { exitCode: number; stderr: string }, phase?: Phase) =>
  operationError(`${action} in ${container}: ${r.stderr.trim() || `exit ${r.exitCode}`}`, {
    phase,
    hint: r.exitCode === 127 ? 'the image has no sh, sha256sum or mv: hotswap needs a shell and coreutils or busybox' : undefined,
  });

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
 * One exec for the whole swap on disk. $1 binary, $2 backup, $3 the uploaded temp file, $4 the expected
 * sha256 ('' skips the check), $5 the backups' prefix, $6 how many backups to keep ('' keeps all).
 * - The upload is hashed BEFORE the rename, so a corrupt copy never reaches the binary path (it is
 *   removed, exit 3).
 * - The current file is kept as the backup: a hard link costs nothing and still holds the old inode after
 *   the rename (a copy across file systems). Older backups beyond $6 are removed (names sort by time).
 * - The rename is atomic: the path holds the whole old or the whole new file.
 * The old file's hash is not taken here: that is work for after the restart (the backup has the bytes).
 * Prints `backup` when it made one, then `installed <sha256>`.
 */
export const INSTALL = `set -e; ${HASH_FN}; h=; if [ -n "$4" ]; then h=$(hash "$3"); h=\${h%% *}; if [ "$h" != "$4" ]; then rm -f "$3"; echo "mismatch $h"; exit 3; fi; fi; ` +
  `if [ -e "$1" ]; then ln -f "$1" "$2" 2>/dev/null || cp -p "$1" "$2"; echo backup; fi; ` +
  `if [ -n "$6" ]; then n=0; for f in "$5"*; do [ -f "$f" ] && n=$((n+1)); done; for f in "$5"*; do [ "$n" -le "$6" ] && break; [ -f "$f" ] && rm -f "$f" && n=$((n-1)); done; fi; ` +
  `chmod 0755 "$3"; mv -f "$3" "$1"; echo "installed $h"`;

/**
 * INSTALL started ahead of time (a prepared exec): it waits on stdin for `go` and its six arguments, one
 * per line, so the exec's start-up (~60–90 ms here) is paid during the build. EOF or anything but `go`
 * exits 125 having done nothing.
 */
export const INSTALL_ON_GO = `read -r go && [ "$go" = go ] || exit 125; read -r a1 && read -r a2 && read -r a3 && read -r a4 && read -r a5 && read -r a6 || exit 125; set -- "$a1" "$a2" "$a3" "$a4" "$a5" "$a6"; ${INSTALL}`;
/** What INSTALL_ON_GO reads: `go`, then the arguments one per line (paths never hold a newline). */
export const installInput = (args: readonly string[]) => `go\n${args.join('\n')}\n`;
export const CANCELLED = 125;

/** $1 binary, $2 backup, $3 temp. Copies (keeping the backup) and renames into place. */
export const RESTORE = `set -e; ${HASH_FN}; cp -p "$2" "$3"; chmod 0755 "$3"; mv -f "$3" "$1"; hash "$1"`;

/** $1 file: its hash by the image's own sha256sum. */
export const HASH_FILE = `${HASH_FN}; hash "$1"`;

/** $1 backup prefix. One line per backup: size, mtime, path. */
export const LIST_BACKUPS = 'for f in "$1"*; do [ -f "$f" ] && stat -c "%s %Y %n" "$f"; done; true';

/** First field of `sha256sum` output. */
export const parseSha256 = (stdout: string): string | null => /^([0-9a-f]{64})\b/m.exec(stdout)?.[1] ?? null;

/** INSTALL's output: whether it backed the old file up, what it installed, or the hash it refused. */
export function parseInstallOutput(stdout: string): { backedUp: boolean; installed: string | null; mismatch: string | null } {
  return {
    backedUp: /^backup$/m.test(stdout),
    installed: /^installed ([0-9a-f]{64})$/m.exec(stdout)?.[1] ?? null,
    mismatch: /^mismatch (\S*)$/m.exec(stdout)?.[1] ?? null,
  };
}
