/**
 * What `gantry init` is told, checked once: every value that ends up in a generated file is validated here,
 * so the templates can write it as it is (no quoting surprises in YAML, HCL or JSON, no injection).
 */
import { GantryError } from "@gantry/errors";
import { APPLY_ENVIRONMENT } from "@gantry/guards";
import { DEFAULT_ACTION_REPOSITORY } from "./pins.js";

export interface Repository {
  readonly owner: string;
  readonly name: string;
}

export interface AwsAccount {
  /** The environment of `.gantry/config.yml` whose units deploy to this account. */
  readonly environment: string;
  readonly accountId: string;
  /** Globs over unit directories: `<environment>/**`, or `**` for a single unnamed account. */
  readonly paths: readonly string[];
}

export interface InitSettings {
  readonly live: Repository;
  readonly pipelines: Repository;
  readonly accounts: readonly AwsAccount[];
  /** The Gantry Action every workflow uses: repository, the commit pinned, and the version for the comment. */
  readonly action: { readonly repository: string; readonly sha: string; readonly version: string };
  /** The Gantry version writing the files (headers, the manifest). */
  readonly gantryVersion: string;
  readonly deployBranch: string;
  /** `owner/team`: the code owners of what decides privilege. */
  readonly adminTeam: string;
  /** A GitHub App instead of the three fine-grained tokens. */
  readonly githubApp: boolean;
  /** The pipelines repository's OIDC `sub` includes `job_workflow_ref` (the apply role then names apply.yml). */
  readonly subIncludesWorkflow: boolean;
  readonly applyEnvironment: string;
  readonly planRoleName: string;
  readonly applyRoleName: string;
}

export interface InitInput {
  /** `OWNER/REPO`. */
  liveRepository: string;
  pipelinesRepository: string;
  /** `ID` (one account for every unit) or `ENVIRONMENT=ID`, one per account. */
  awsAccountIds?: readonly string[];
  /** `OWNER/REPO@SHA`; resolved by the caller when it names a tag (see `resolveActionRef`). */
  action: { repository: string; sha: string; version: string };
  gantryVersion: string;
  deployBranch?: string;
  adminTeam?: string;
  githubApp?: boolean;
  subIncludesWorkflow?: boolean;
}

const namePattern = /^[A-Za-z0-9_.-]+$/;
const repositoryPattern = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;
const environmentPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function invalidOption(option: string, message: string, hint: string): GantryError {
  return new GantryError("INIT_INVALID_OPTION", `--${option}: ${message}`, { hint });
}

export function parseRepository(option: string, value: string): Repository {
  const match = repositoryPattern.exec(value);
  if (!match || match[1] === "." || match[1] === ".." || match[2] === "." || match[2] === "..") {
    throw invalidOption(
      option,
      `must be OWNER/REPO, not '${value}'`,
      `e.g. --${option} acme/${option.startsWith("live") ? "infrastructure-live" : "infrastructure-pipelines"}`,
    );
  }
  return { owner: match[1]!, name: match[2]! };
}

function parseAccounts(values: readonly string[]): AwsAccount[] {
  const accounts = values.map((value) => {
    const [environment, accountId] = value.includes("=")
      ? (value.split("=", 2) as [string, string])
      : [undefined, value];
    if (!/^\d{12}$/.test(accountId))
      throw invalidOption(
        "aws-account-id",
        `'${value}': an AWS account id is 12 digits`,
        "e.g. --aws-account-id dev=111122223333",
      );
    if (environment !== undefined && !environmentPattern.test(environment)) {
      throw invalidOption(
        "aws-account-id",
        `'${value}': the environment name '${environment}' must start with a letter or digit and use only letters, digits, '.', '_', '-'`,
        "e.g. --aws-account-id dev=111122223333",
      );
    }
    return { environment, accountId };
  });
  if (accounts.length === 1 && accounts[0]!.environment === undefined) {
    return [{ environment: "default", accountId: accounts[0]!.accountId, paths: ["**"] }];
  }
  const unnamed = accounts.find((account) => account.environment === undefined);
  if (unnamed) {
    throw invalidOption(
      "aws-account-id",
      `with several accounts, name the environment of each: '${unnamed.accountId}' has none`,
      "write ENVIRONMENT=ID, where ENVIRONMENT is the top-level directory of that account's units, e.g. --aws-account-id dev=111122223333 --aws-account-id prod=444455556666",
    );
  }
  const seen = new Set<string>();
  for (const { environment } of accounts) {
    if (seen.has(environment!))
      throw invalidOption(
        "aws-account-id",
        `the environment '${environment}' is named twice`,
        "one --aws-account-id ENVIRONMENT=ID per environment",
      );
    seen.add(environment!);
  }
  return accounts.map(({ environment, accountId }) => ({
    environment: environment!,
    accountId,
    paths: [`${environment}/**`],
  }));
}

export function resolveInitSettings(input: InitInput): InitSettings {
  const live = parseRepository("live-repository", input.liveRepository);
  const pipelines = parseRepository("pipelines-repository", input.pipelinesRepository);
  if (live.owner.toLowerCase() !== pipelines.owner.toLowerCase()) {
    throw invalidOption(
      "pipelines-repository",
      `'${input.pipelinesRepository}' is not owned by '${live.owner}', the owner of --live-repository`,
      "keep both repositories in one organisation: the roles' trust policies and the tokens are scoped to it",
    );
  }
  if (live.name.toLowerCase() === pipelines.name.toLowerCase()) {
    throw invalidOption(
      "pipelines-repository",
      "must be another repository than --live-repository",
      "the two-repository design keeps the workflows that deploy away from the many writers of infrastructure-live",
    );
  }
  const deployBranch = input.deployBranch ?? "main";
  if (
    !/^[A-Za-z0-9._/-]+$/.test(deployBranch) ||
    deployBranch.includes("..") ||
    deployBranch.startsWith("/") ||
    deployBranch.endsWith("/")
  ) {
    throw invalidOption(
      "deploy-branch",
      `'${deployBranch}' is not a branch name Gantry writes into workflows`,
      "letters, digits, '.', '_', '-', '/'",
    );
  }
  const adminTeam = input.adminTeam ?? `${live.owner}/infrastructure-administrators`;
  if (!repositoryPattern.test(adminTeam))
    throw invalidOption(
      "admin-team",
      `must be OWNER/TEAM, not '${adminTeam}'`,
      `e.g. --admin-team ${live.owner}/infrastructure-administrators`,
    );
  const actionRepository = parseRepository("action", input.action.repository);
  if (!/^[0-9a-f]{40}$/.test(input.action.sha))
    throw invalidOption(
      "action",
      `the commit '${input.action.sha}' is not a full commit SHA`,
      `e.g. --action ${DEFAULT_ACTION_REPOSITORY}@<40 hex digits>`,
    );
  if (!namePattern.test(input.action.version))
    throw invalidOption("action", `the version '${input.action.version}' is not a tag name`, "e.g. v0.1.0");
  return {
    live,
    pipelines,
    accounts: parseAccounts(input.awsAccountIds ?? []),
    action: {
      repository: `${actionRepository.owner}/${actionRepository.name}`,
      sha: input.action.sha,
      version: input.action.version,
    },
    gantryVersion: input.gantryVersion,
    deployBranch,
    adminTeam,
    githubApp: input.githubApp ?? false,
    subIncludesWorkflow: input.subIncludesWorkflow ?? false,
    applyEnvironment: APPLY_ENVIRONMENT,
    planRoleName: "gantry-plan",
    applyRoleName: "gantry-apply",
  };
}
