/**
 * Where Podman's Docker-compatible API (its service socket) answers differently from Docker's, as small
 * named adaptations that docker.ts applies. README "Podman" lists them with what remains different. Pure.
 */

/** Podman names itself among the version's components ("Podman Engine"); Docker's say "Engine". */
export const isPodman = (version: { readonly Components?: ReadonlyArray<{ readonly Name: string }> }): boolean =>
  !!version.Components?.some((component) => /podman/i.test(component.Name));

/**
 * An exec whose command cannot start: Docker ends it with exit 126 and the runtime's reason on stdout;
 * Podman 4.3 with exit 127 and the reason on stderr, followed by its own attach error ("Error: read
 * unixpacket …/attach: … connection reset by peer"). That line is dropped, so the reason stays one line
 * and the hint about the image's shell follows it.
 */
export const withoutAttachError = (stderr: string): string =>
  stderr.replace(/^Error: read unixpacket [^\n]*\/attach: [^\n]*(\n|$)/gm, '');
