/**
 * Checks of the arguments the GitHub functions take from their callers, made before any request: a bad
 * value fails with GITHUB_INPUT_INVALID naming the field, never with GitHub's 404 or 422.
 */
import { GantryError } from "@gantry/errors";

/** `value` must be a full commit SHA; `what` names the commit in the hint ("the pull request's head commit"). */
export function checkCommitSha(value: string, field: string, what: string): void {
  if (!/^[0-9a-f]{40}$/.test(value)) {
    throw new GantryError("GITHUB_INPUT_INVALID", `${field} "${value}" is not a full commit SHA.`, {
      hint: `Pass ${what} as 40 lowercase hex characters.`,
    });
  }
}

/** `value` must be a pull request number; `what` names it in the hint ("the merged pull request"). */
export function checkPullNumber(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new GantryError("GITHUB_INPUT_INVALID", `pullNumber ${value} is not a pull request number.`, {
      hint: `Pass the number of ${what} (a positive integer).`,
    });
  }
}

export function checkRepository(owner: string, repo: string): void {
  if (owner === "" || repo === "") {
    throw new GantryError("GITHUB_INPUT_INVALID", "owner and repo must not be empty.", {
      hint: "Pass the repository as owner and repo, e.g. acme and infrastructure-live.",
    });
  }
}
