/** Shared setup for the GitHub client tests: tokens with exactly the rights Gantry documents, and a job. */
import type { Job } from "@gantry/classifier";
import type { GitHubTokenSpec, GitHubEmulatorOptions, GitHubWorkflowSpec } from "@gantry/testkit";

// GitHub's pacing (writes a second apart, retries after 1, 4 and 9 s) at test speed: the same code paths, in
// milliseconds. A test that needs the defaults passes `timing` itself.
process.env.GANTRY_GITHUB_WRITE_INTERVAL_MS ??= "0";
process.env.GANTRY_GITHUB_RETRY_BASE_MS ??= "5";

export const headSha = "1".repeat(40);
export const baseSha = "2".repeat(40);

export const tokens = {
  codeRead: "ghp_codeRead000000000000000000000000000",
  broadClassic: "ghp_broadClassic00000000000000000000000",
  report: "github_pat_11report_000000000000000000000000",
  dispatch: "github_pat_11dispatch_0000000000000000000000",
  readOnly: "github_pat_11readonly_0000000000000000000000",
  actionsRead: "github_pat_11actionsread_00000000000000000000",
};

export const tokenSpecs: GitHubTokenSpec[] = [
  { token: tokens.codeRead, label: "code-read", kind: "classic", scopes: ["repo"], login: "gantry-ci" },
  {
    token: tokens.broadClassic,
    label: "broad",
    kind: "classic",
    scopes: ["repo", "workflow", "admin:org"],
    login: "gantry-ci",
  },
  // Exactly `gantryTokenRequirements["infra-live-write"]` and `["dispatch"]`.
  {
    token: tokens.report,
    label: "infra-live-write",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-live"],
    permissions: { pull_requests: "write" },
    login: "gantry-ci",
  },
  {
    token: tokens.dispatch,
    label: "dispatch",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-pipelines"],
    permissions: { actions: "write" },
    login: "gantry-ci",
  },
  {
    token: tokens.readOnly,
    label: "read-only",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-live"],
    permissions: { pull_requests: "read" },
    login: "gantry-ci",
  },
  {
    token: tokens.actionsRead,
    label: "actions-read",
    kind: "fine-grained",
    repositories: ["acme/infrastructure-pipelines"],
    permissions: { actions: "read" },
    login: "gantry-ci",
  },
];

export function emulatorOptions(overrides: Partial<GitHubEmulatorOptions> = {}): GitHubEmulatorOptions {
  return {
    tokens: tokenSpecs,
    repositories: [
      { owner: "acme", name: "infrastructure-live", pullRequests: [{ number: 42, headSha }] },
      {
        owner: "acme",
        name: "infrastructure-pipelines",
        workflows: [
          {
            file: "gantry-execute.yml",
            name: "Gantry execute",
            inputs: { job: { required: true } },
            runName: (inputs) => `gantry ${(JSON.parse(String(inputs.job)) as { id: string }).id}`,
          },
        ],
      },
    ],
    ...overrides,
  };
}

export function sampleJob(overrides: Partial<Job> = {}): Job {
  return {
    apiVersion: "gantry/v1",
    kind: "Job",
    id: "apply-prod-1",
    action: "apply",
    units: ["prod/us-east-1/app"],
    ref: headSha,
    needs: [],
    environment: "prod",
    changes: ["ModuleChanged"],
    source: { event: "push", base: baseSha, head: headSha, branch: "main", deployBranch: "main" },
    authentication: null,
    terragrunt: { flags: [], env: {}, parallelism: 10 },
    ...overrides,
  };
}

/** The pipelines repository with the split workflows: `plan.yml` (job + correlation) and `apply.yml` (commit + correlation, one at a time). */
export function splitWorkflowOptions(apply: Partial<GitHubWorkflowSpec> = {}): GitHubEmulatorOptions {
  return emulatorOptions({
    repositories: [
      { owner: "acme", name: "infrastructure-live", pullRequests: [{ number: 42, headSha }] },
      {
        owner: "acme",
        name: "infrastructure-pipelines",
        workflows: [
          {
            file: "plan.yml",
            name: "Gantry plan",
            inputs: { job: { required: true }, correlation: { required: true } },
            runName: (inputs) =>
              `gantry ${(JSON.parse(String(inputs.job)) as { id: string }).id} ${String(inputs.correlation)}`,
          },
          {
            file: "apply.yml",
            name: "Gantry apply",
            inputs: { commit: { required: true }, correlation: { required: true } },
            runName: (inputs) => `gantry deploy ${String(inputs.commit).slice(0, 12)} ${String(inputs.correlation)}`,
            concurrency: { group: () => "gantry-apply" },
            ...apply,
          },
        ],
      },
    ],
  });
}

/** Everything a GantryError could print, to check a token never appears in it. */
export function printed(error: unknown): string {
  const value = error as { message?: string; hint?: string; format?: () => string; stack?: string };
  return [value.message, value.hint, value.format?.(), value.stack, JSON.stringify(error)].join("\n");
}
