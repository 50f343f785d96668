/**
 * The deployment record as the commands see it: which deploy branch (`--deploy-branch`, else
 * `GANTRY_DEPLOY_BRANCH`, else `main`: set by the pipelines side, never read from a job or a branch), where the
 * record lives (`--record-remote` / `GANTRY_RECORD_REMOTE`: a git URL such as the pipelines repository, token in
 * `GANTRY_RECORD_TOKEN`; default the repository's own git directory), whose record it is there (the
 * infrastructure-live repository: `--repository`, else the checkout's origin), and who is writing it. The
 * deploy branch is fetched from origin with `GANTRY_CODE_READ_TOKEN`, as the guards fetch it (or, with
 * `GANTRY_DEPLOY_BRANCH_FETCHED=true`, read as an earlier step fetched it).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  gitHistory,
  gitRecordStore,
  liveRepositoryOfOrigin,
  type CommitHistory,
  type DeploymentRecordStore,
} from "@gantry/dispatcher";
import { deployBranchFetchFrom, resolveDeployBranchTip } from "@gantry/guards";

export const recordOptions = {
  "deploy-branch": { type: "string" },
  "record-remote": { type: "string" },
  repository: { type: "string" },
} as const;

/** The options' help lines, descriptions starting at `column` (to line up with each command's own). */
export function recordOptionsHelp(column: number): string {
  const lines: [string, string[]][] = [
    ["--deploy-branch NAME", ["the deploy branch (default: GANTRY_DEPLOY_BRANCH, else main)"]],
    [
      "--record-remote URL",
      [
        "where the deployment record lives: a git URL or path (default: GANTRY_RECORD_REMOTE,",
        "else this repository's git directory); GANTRY_RECORD_TOKEN authenticates https",
      ],
    ],
    [
      "--repository O/R",
      [
        "infrastructure-live's OWNER/NAME, whose record a shared remote keeps apart from other",
        "repositories' (default: from the checkout's origin remote)",
      ],
    ],
  ];
  return lines
    .flatMap(([option, text]) =>
      text.map((line, index) => `${index === 0 ? `  ${option}`.padEnd(column) : " ".repeat(column)}${line}`),
    )
    .join("\n");
}

export interface DeploymentRecordSetting {
  readonly deployBranch: string;
  readonly store: DeploymentRecordStore;
  readonly history: CommitHistory;
  readonly tip: () => Promise<string>;
  /** Names this run in the lease and the record. */
  readonly holder: string;
}

export interface RecordOptionValues {
  "deploy-branch"?: string | undefined;
  "record-remote"?: string | undefined;
  repository?: string | undefined;
}

export async function deploymentRecordSetting(
  repo: string,
  values: RecordOptionValues,
  env: NodeJS.ProcessEnv,
): Promise<DeploymentRecordSetting> {
  const deployBranch = values["deploy-branch"] || env.GANTRY_DEPLOY_BRANCH || "main";
  const remote = values["record-remote"] || env.GANTRY_RECORD_REMOTE || undefined;
  const token = env.GANTRY_RECORD_TOKEN || undefined;
  const liveRepository = remote ? await liveRepositoryOf(repo, values) : undefined;
  return {
    deployBranch,
    store: gitRecordStore({
      repo,
      deployBranch,
      ...(remote ? { remote } : {}),
      ...(token ? { token } : {}),
      ...(liveRepository ? { liveRepository } : {}),
    }),
    history: gitHistory(repo),
    tip: async () => (await resolveDeployBranchTip(repo, deployBranch, deployBranchFetchFrom(env))).commit,
    holder: runIdentity(env),
  };
}

/** infrastructure-live's `owner/name`: `--repository`, else the checkout's origin remote (undefined when neither says). */
export async function liveRepositoryOf(
  repo: string,
  values: { repository?: string | undefined },
): Promise<string | undefined> {
  return values.repository || (await liveRepositoryOfOrigin(repo));
}

/** `acme/infrastructure-pipelines/actions/runs/123 attempt 2` in GitHub Actions, else `host:pid`; plus a nonce. */
function runIdentity(env: NodeJS.ProcessEnv): string {
  const nonce = randomBytes(3).toString("hex");
  if (env.GITHUB_ACTIONS === "true" && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return `${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID} attempt ${env.GITHUB_RUN_ATTEMPT ?? "1"} (${nonce})`;
  }
  return `${hostname()}:${process.pid} (${nonce})`;
}
