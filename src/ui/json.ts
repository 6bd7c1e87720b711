/** `--json` output: one document on stdout, nothing else there. */
export const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
