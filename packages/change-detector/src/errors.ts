/**
 * Detection error codes and their exit codes (range 10-19). Errors that stop detection are thrown as
 * `GantryError`; problems that concern one unit (bad HCL, include cycles, escaping symlinks) are reported in
 * the result and mapped to an exit code by `exitCodeForResult`, so the document is still printed.
 */
import { GantryError } from "@gantry/errors";

export const DETECT_EXIT_CODES = {
  DETECT_NOT_A_REPO: 10,
  DETECT_UNKNOWN_REF: 11,
  DETECT_SHALLOW_CLONE: 12,
  DETECT_NO_MERGE_BASE: 13,
  DETECT_GIT_FAILED: 14,
  /** Unit problems (the document is still produced). */
  HCL_SYNTAX: 15,
  HCL_EVAL: 16,
  INCLUDE_CYCLE: 17,
  SYMLINK_ESCAPES_REPO: 18,
  UNREADABLE_CONFIG: 19,
} as const;

export type DetectErrorCode = keyof typeof DETECT_EXIT_CODES;

export function detectError(
  code: DetectErrorCode,
  message: string,
  options: { hint?: string; cause?: unknown; file?: string } = {},
): GantryError {
  return new GantryError(code, message, {
    hint: options.hint,
    cause: options.cause,
    exitCode: DETECT_EXIT_CODES[code],
    ...(options.file ? { location: { file: options.file } } : {}),
  });
}
