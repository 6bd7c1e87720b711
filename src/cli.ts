#!/usr/bin/env node
/**
 * The entry point. `--version` answers before the command line loads (scripts and shells call it most);
 * a swap's `go build` starts before it loads (cli/early-swap.ts); everything else is program.ts (through
 * cli/load-program.ts). The version is read here, from hotswap's own package.json beside dist/
 * (or src/): never from npm's environment, which names whatever package `npm run` started in.
 */
import { readFileSync } from 'node:fs';
import { earlyHeadStart } from './cli/early-swap.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${version}\n`);
} else {
  const early = await earlyHeadStart(argv, process.cwd(), process.env);
  const program = await (await import('./cli/load-program.js')).loadProgram(argv);
  const code = await program.main(argv, version, early);
  program.done();
  // Docker's keep-alive sockets would hold the process open; everything is written synchronously by now.
  process.stdout.write('', () => process.exit(code));
}
