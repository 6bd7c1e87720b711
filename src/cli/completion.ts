/**
 * `hotswap completion bash|zsh|fish`: a completion script for the commands and their flags, generated from
 * the command line's own definition so it never lists a flag that does not exist. Pure: spec in, text out.
 */
export interface CompletionCommand {
  readonly name: string;
  readonly description: string;
  /** Long and short flags, like `--container`, `-n`. */
  readonly flags: readonly string[];
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const words = (list: readonly string[]) => list.join(' ');
const single = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** bash: the first word that names a command picks its flags; before it, the commands and the shared flags. */
function bash(commands: readonly CompletionCommand[], shared: readonly string[]): string {
  const cases = commands.map((c) => `    ${c.name}) opts=${single(words(c.flags))} ;;`).join('\n');
  return `# hotswap completion for bash: source <(hotswap completion bash)
_hotswap() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd="" opts="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case " ${words(commands.map((c) => c.name))} " in *" \${COMP_WORDS[i]} "*) cmd=\${COMP_WORDS[i]}; break ;; esac
  done
  case $cmd in
${cases}
    *) opts=${single(words([...commands.map((c) => c.name), ...shared]))} ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _hotswap hotswap
`;
}

/** zsh runs the bash function through bashcompinit, so both shells complete the same words. */
const zsh = (commands: readonly CompletionCommand[], shared: readonly string[]): string =>
  `# hotswap completion for zsh: source <(hotswap completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bash(commands, shared).split('\n').slice(1).join('\n')}`;

function fish(commands: readonly CompletionCommand[], shared: readonly string[]): string {
  const flag = (f: string) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`);
  const lines = [
    '# hotswap completion for fish: hotswap completion fish | source',
    'complete -c hotswap -f',
    ...commands.map((c) => `complete -c hotswap -n __fish_use_subcommand -a ${c.name} -d ${single(c.description)}`),
    ...shared.map((f) => `complete -c hotswap -n __fish_use_subcommand ${flag(f)}`),
    ...commands.flatMap((c) => c.flags.map((f) => `complete -c hotswap -n ${single(`__fish_seen_subcommand_from ${c.name}`)} ${flag(f)}`)),
  ];
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: Shell, commands: readonly CompletionCommand[], shared: readonly string[]): string {
  return { bash, zsh, fish }[shell](commands, shared);
}
