import { describe, expect, it } from 'vitest';
import { configFlagOf } from '../../src/cli/help-defaults.js';
import { completionScript } from '../../src/cli/completion.js';

const commands = [
  { name: 'swap', description: "build and swap, now", flags: ['--if-changed', '--help'] },
  { name: 'logs', description: "the container's logs", flags: ['-n', '--lines', '--help'] },
];

describe('completionScript', () => {
  it('bash: one case per command with its flags; before a command, the commands and the shared flags', () => {
    const script = completionScript('bash', commands, ['--config']);
    expect(script).toContain("    swap) opts='--if-changed --help' ;;");
    expect(script).toContain("    *) opts='swap logs --config' ;;");
    expect(script).toMatch(/complete -F _hotswap hotswap\n$/);
  });

  it('fish: commands with descriptions (quotes escaped), flags per command, long and short', () => {
    const script = completionScript('fish', commands, ['--config']);
    expect(script).toContain("complete -c hotswap -n __fish_use_subcommand -a logs -d 'the container'\\''s logs'");
    expect(script).toContain("complete -c hotswap -n '__fish_seen_subcommand_from logs' -s n");
    expect(script).toContain("complete -c hotswap -n '__fish_seen_subcommand_from logs' -l lines");
    expect(script).toContain('complete -c hotswap -n __fish_use_subcommand -l config');
  });

  it('zsh: the bash function through bashcompinit', () => {
    const script = completionScript('zsh', commands, []);
    expect(script.indexOf('bashcompinit && bashcompinit')).toBeLessThan(script.indexOf('_hotswap() {'));
  });
});

describe('configFlagOf', () => {
  it('finds --config FILE and --config=FILE, else nothing', () => {
    expect(configFlagOf(['swap', '--config', 'a.json', '--help'])).toBe('a.json');
    expect(configFlagOf(['--config=b.json', 'watch', '-h'])).toBe('b.json');
    expect(configFlagOf(['watch', '--help'])).toBeUndefined();
  });
});
