/**
 * Files that editors and the Go tool create for a moment and delete again. A save must not plan a run for
 * them, and nobody puts them in a .gitignore. The list follows docker/compose `pkg/watch/ephemeral.go`; each
 * entry names where the pattern comes from. Matched on the base name only. Pure.
 */

/** vim checks that it may create files in a directory by writing `4913`, then `5036`, `5159`, … while the
 * previous name exists (vim src/bufwrite.c, `for (i = 4913; ; i += 123)`). */
const isVimProbe = (name: string): boolean => {
  if (!/^\d{4,9}$/.test(name)) return false;
  const n = Number(name);
  return n >= 4913 && (n - 4913) % 123 === 0;
};

const PATTERNS: readonly RegExp[] = [
  // vim swap files `.name.swp`; when that is taken vim counts down `.swo`, `.swn`, … (vim src/memline.c).
  // `.swx` is the probe vim writes to test the swap directory. Further letters (.swf, .swi) are real formats.
  /\.sw[pxon]$/,
  // vim and emacs backup files `name~` (vim 'backupext', emacs `make-backup-files`).
  /~$/,
  // JetBrains "safe write": write `name___jb_tmp___`, rename the old file to `name___jb_old___`, swap.
  /___jb_(tmp|old)___$/,
  // emacs lock files `.#name` (a dangling symlink) and auto-save files `#name#`.
  /^\.#/,
  /^#.*#$/,
  // kate's swap files `.name.kate-swp`.
  /\.kate-swp$/,
  // GNU sed -i writes the new content to `sedXXXXXX` beside the file, then renames it over
  // (sed/execute.c, `ck_mkstemp (…, "sed", …)`).
  /^sed[A-Za-z0-9]{6}$/,
  // GLib/GIO safe saves (gedit, GNOME apps) write `.goutputstream-XXXXXX` (gio/glocalfileoutputstream.c).
  /^\.goutputstream-[A-Za-z0-9]{6}$/,
  // Atomic writers (VS Code extensions, formatters, write-file-atomic style tools) use `name.tmp`,
  // `name.tmp.<pid>` or `name.tmp.<pid>.<time>`, in any case.
  /\.[Tt][Mm][Pp](\.\d+)*$/,
  // `go build` probes the umask with `<dir>/<name>-go-tmp-umask` and deletes it at once
  // (cmd/go/internal/work/exec.go).
  /-go-tmp-umask$/,
];

/** One expression for all: the watcher asks about every path at start, and one test is cheaper than ten. */
const ANY = new RegExp(PATTERNS.map((re) => `(?:${re.source})`).join('|'));

export function isEphemeral(basename: string): boolean {
  return isVimProbe(basename) || ANY.test(basename);
}
