/**
 * Which variables `terragrunt.env` may set for terragrunt and OpenTofu. It sets tool settings (`TG_*`,
 * `TF_*`, `TF_VAR_*`); variables that choose which program runs, where tools read their own configuration,
 * how git authenticates, which cloud credentials are used, or that belong to the runner and to Gantry are the
 * pipelines side's, never the repository's. The configuration refuses them (naming the key and line), and the
 * executor refuses a job that carries one.
 */
const reservedPrefixes: ReadonlyArray<[prefix: string, owner: string]> = [
  ["ACTIONS_", "the GitHub Actions runner (its runtime and OIDC tokens)"],
  ["GITHUB_", "the GitHub Actions runner"],
  ["RUNNER_", "the GitHub Actions runner"],
  ["INPUT_", "the GitHub Actions runner (action inputs)"],
  ["GANTRY_", "Gantry"],
  ["GIT_", "git (its configuration and credentials)"],
  ["AWS_", "the cloud credentials Gantry obtains for the job"],
  ["SSH_", "ssh (its agent and keys)"],
  ["LD_", "the dynamic loader"],
  ["DYLD_", "the dynamic loader"],
  ["TF_TOKEN_", "OpenTofu registry credentials"],
];

const reservedNames: Readonly<Record<string, string>> = {
  PATH: "decides which programs run",
  HOME: "decides where tools read their own configuration",
  SHELL: "decides which shell hooks run in",
  BASH_ENV: "names a script every bash runs first",
  ENV: "names a script every sh runs first",
  NODE_OPTIONS: "decides code node loads first",
  GH_TOKEN: "is a GitHub token",
  TF_CLI_CONFIG_FILE: "decides OpenTofu's CLI configuration (provider installation, credentials)",
  TERRAFORM_CONFIG: "decides OpenTofu's CLI configuration (provider installation, credentials)",
  TF_PLUGIN_CACHE_DIR: "decides where OpenTofu takes provider binaries from",
  TF_DATA_DIR: "decides where OpenTofu keeps a unit's working data",
  TG_TF_PATH: "decides which OpenTofu binary terragrunt runs",
  TERRAGRUNT_TFPATH: "decides which OpenTofu binary terragrunt runs",
};

/** Why `name` may not be set through `terragrunt.env`, or null when it may. */
export function reservedToolVariable(name: string): string | null {
  const upper = name.toUpperCase();
  const exact = reservedNames[upper];
  if (exact) return `${name} ${exact}`;
  const prefix = reservedPrefixes.find(([candidate]) => upper.startsWith(candidate));
  return prefix ? `${prefix[0]}* variables belong to ${prefix[1]}` : null;
}
