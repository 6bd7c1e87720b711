/**
 * The old PowerShell script's switches (-ForceBuilder, -NoWSL, …) still work: muscle memory should not
 * cost an error. Pure: argv in, argv out.
 */
const LEGACY: Record<string, string> = {
  '-forcebuilder': '--force-builder',
  '-nowsl': '--no-local',
  '-restart': '--restart',
  '-verify': '--verify',
  '-rollbackonfail': '--rollback-on-fail',
  '-keepbackup': '--keep-backup',
  '-containername': '--container',
  '-imagename': '--image',
  '-quiet': '--quiet',
};

export const translateLegacyFlags = (argv: readonly string[]): string[] =>
  argv.map((arg) => LEGACY[arg.toLowerCase()] ?? arg);
