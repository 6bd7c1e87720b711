/** How the artifact builder names and stamps its images: pure. */

export const ARTIFACT_REPOSITORY = 'hotswap-artifact';

/** `<base>-hotswap.<tree8>` → `hotswap-artifact:<tree8>`: one tag per built tree. */
export function artifactTag(version: string | null): string {
  const tree8 = version?.match(/hotswap\.([0-9a-f]{8})$/)?.[1];
  return `${ARTIFACT_REPOSITORY}:${tree8 ?? 'unstamped'}`;
}

/** Does the Dockerfile take the version stamp (`ARG HOTSWAP_LDFLAGS`, with or without a default)? */
export const declaresLdflagsArg = (dockerfile: string): boolean => /^\s*ARG\s+HOTSWAP_LDFLAGS(\s*=|\s|$)/im.test(dockerfile);
