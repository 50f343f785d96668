/**
 * Every action the generated workflows use, pinned by full commit SHA with its version (written as a
 * `# vX.Y.Z` comment, which Dependabot and Renovate read to propose updates). A tag can be moved to other
 * code; a commit cannot. Changing a pin means changing its SHA and version together in one reviewed commit.
 *
 * Where the SHAs come from (no network here to ask GitHub): checkout's is the one this repository's own
 * release workflow pins; the others are the commits their tags name, as pinned by many independent public
 * repositories that agree. Re-check them against the tags when you change a version.
 */
export interface ActionPin {
  /** `owner/name`, as written before the `@`. */
  readonly action: string;
  readonly sha: string;
  /** The tag the SHA is, for the comment. */
  readonly version: string;
}

export const ACTION_PINS = {
  checkout: { action: "actions/checkout", sha: "de0fac2e4500dabe0009e67214ff5f5447ce83dd", version: "v6.0.2" },
  cache: { action: "actions/cache", sha: "9255dc7a253b0ccc959486e2bca901246202afeb", version: "v5.0.1" },
  uploadArtifact: {
    action: "actions/upload-artifact",
    sha: "b7c566a772e6b6bfb58ed0dc250532a479d7789f",
    version: "v6.0.0",
  },
  createGithubAppToken: {
    action: "actions/create-github-app-token",
    sha: "bcd2ba49218906704ab6c1aa796996da409d3eb1",
    version: "v3.2.0",
  },
} as const satisfies Record<string, ActionPin>;

/** The Gantry Action's repository when `--action` does not name another (a fork, a mirror). */
export const DEFAULT_ACTION_REPOSITORY = "gantry-iac/gantry";

/** `uses:` text of a pin: `owner/name@sha # version`. */
export function usesLine(pin: ActionPin): string {
  return `${pin.action}@${pin.sha} # ${pin.version}`;
}
