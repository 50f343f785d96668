/**
 * The commit the workflows pin the Gantry Action to. `--action OWNER/REPO@SHA` is taken as it is; a tag or
 * branch (`@v0.1.0`, the default being this version's tag) is resolved to its commit with `git ls-remote`
 * (no API, no token: the Action's repository is public), preferring a tag's peeled commit.
 */
import { tmpdir } from "node:os";
import { git } from "@gantry/git";
import { GantryError } from "@gantry/errors";
import { DEFAULT_ACTION_REPOSITORY } from "./pins.js";
import { invalidOption, parseRepository } from "./settings.js";

export interface ActionRef {
  readonly repository: string;
  readonly sha: string;
  /** The `# version` comment: the tag resolved, else the Gantry version. */
  readonly version: string;
}

export interface ResolveActionRefOptions {
  /** `OWNER/REPO@REF`; default `gantry-iac/gantry@v<gantryVersion>`. */
  readonly action?: string;
  readonly gantryVersion: string;
  /** Where repositories are cloned from (GitHub Enterprise Server, or a test's directory); default https://github.com. */
  readonly serverUrl?: string;
  readonly signal?: AbortSignal;
}

async function lsRemote(url: string, ref: string, signal: AbortSignal | undefined): Promise<string> {
  const timeout = AbortSignal.timeout(60_000);
  // Outside any repository: no repository's configuration (url.*.insteadOf) applies to the listing.
  return git(tmpdir(), ["ls-remote", "--", url, ref, `${ref}^{}`], {
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
}

export async function resolveActionRef(options: ResolveActionRefOptions): Promise<ActionRef> {
  const value = options.action ?? `${DEFAULT_ACTION_REPOSITORY}@v${options.gantryVersion}`;
  const at = value.lastIndexOf("@");
  if (at < 0)
    throw invalidOption(
      "action",
      `'${value}' names no commit or tag`,
      `e.g. --action ${DEFAULT_ACTION_REPOSITORY}@v${options.gantryVersion}`,
    );
  const repository = parseRepository("action", value.slice(0, at));
  const ref = value.slice(at + 1);
  const name = `${repository.owner}/${repository.name}`;
  if (/^[0-9a-f]{40}$/.test(ref)) return { repository: name, sha: ref, version: `v${options.gantryVersion}` };
  if (!/^[A-Za-z0-9._/-]+$/.test(ref) || ref.startsWith("-"))
    throw invalidOption(
      "action",
      `'${ref}' is not a tag, branch or commit SHA`,
      `e.g. --action ${name}@v${options.gantryVersion}`,
    );
  const url = `${(options.serverUrl ?? "https://github.com").replace(/\/+$/, "")}/${name}.git`;
  let listed: string;
  try {
    listed = await lsRemote(url, ref, options.signal);
  } catch (error) {
    throw new GantryError(
      "INIT_ACTION_UNRESOLVED",
      `cannot list ${url} to find the commit of '${ref}': ${(error as Error).message}`,
      {
        hint: `pin the Action's commit yourself: --action ${name}@<40-hex commit SHA>`,
      },
    );
  }
  const lines = listed
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t") as [string, string]);
  const pick =
    lines.find(([, refName]) => refName.endsWith("^{}")) ??
    lines.find(([, refName]) => refName === `refs/tags/${ref}`) ??
    lines[0];
  if (!pick || !/^[0-9a-f]{40}$/.test(pick[0])) {
    throw new GantryError("INIT_ACTION_UNRESOLVED", `${url} has no tag or branch '${ref}'`, {
      hint: `check the version, or pin the Action's commit yourself: --action ${name}@<40-hex commit SHA>`,
    });
  }
  return { repository: name, sha: pick[0], version: ref };
}
