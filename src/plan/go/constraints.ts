/**
 * Go's build constraints, as go/build decides them: `//go:build` expressions (&&, ||, !, parentheses),
 * old `// +build` lines, and the _GOOS/_GOARCH filename suffixes. Pure.
 */
import type { BuildContext } from './context.js';

/** Does a constraint expression (as GoFileHeader.constraint holds it) hold for this build? null → true. */
export declare function constraintHolds(expression: string | null, context: BuildContext): boolean;

/** go/build's file-name rule: `_` or `.` prefixes are never built, then the _GOOS, _GOARCH suffixes. */
export declare function fileNameMatches(fileName: string, context: BuildContext): boolean;
