/** Shared setup for the GitHub client tests: tokens with exactly the rights Gantry documents, and a job. */
import type { Job } from "@gantry/classifier";
import type { GitHubTokenSpec, GitHubEmulatorOptions } from "@gantry/testkit";

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
  { token: tokens.broadClassic, label: "broad", kind: "classic", scopes: ["repo", "workflow", "admin:org"], login: "gantry-ci" },
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

/** Everything a GantryError could print, to check a token never appears in it. */
export function printed(error: unknown): string {
  const value = error as { message?: string; hint?: string; format?: () => string; stack?: string };
  return [value.message, value.hint, value.format?.(), value.stack, JSON.stringify(error)].join("\n");
}
