/**
 * @gantry/init: what `gantry init` writes into infrastructure-live and infrastructure-pipelines, rendered from
 * one set of checked settings, and written without ever losing a user's edit.
 */
import { checklistFile } from "./checklist.js";
import { iamFiles } from "./iam.js";
import { liveWorkflows } from "./live-workflows.js";
import { pipelinesWorkflows } from "./pipelines-workflows.js";
import type { GeneratedFile } from "./render-shared.js";
import { configFile, liveCodeowners, pipelinesCodeowners } from "./repository-files.js";
import { repositoryName } from "./render-shared.js";
import type { InitSettings } from "./settings.js";
import { planWrites, writePlannedFiles, type PlannedFile } from "./write-files.js";

export { resolveActionRef, type ActionRef, type ResolveActionRefOptions } from "./action-ref.js";
export { ACTION_PINS, DEFAULT_ACTION_REPOSITORY, type ActionPin } from "./pins.js";
export {
  resolveInitSettings,
  type AwsAccount,
  type InitInput,
  type InitSettings,
  type Repository,
} from "./settings.js";
export { CHECKLIST_FILE, githubSetupRequests, type GitHubSetupRequest } from "./checklist.js";
export { CONFIG_FILE, CODEOWNERS_FILE, configSchemaUrl } from "./repository-files.js";
export { LIVE_DEPLOY_WORKFLOW, LIVE_PLAN_CHECK, LIVE_PLAN_WORKFLOW } from "./live-workflows.js";
export { PIPELINES_APPLY_WORKFLOW, PIPELINES_PLAN_WORKFLOW } from "./pipelines-workflows.js";
export { IAM_DIRECTORY } from "./iam.js";
export { MANIFEST_FILE, type FileAction, type InitManifest, type PlannedFile } from "./write-files.js";
export type { GeneratedFile } from "./render-shared.js";

export type RepositoryRole = "live" | "pipelines";

/** Every file of both repositories, by path relative to each repository's root. */
export function renderInit(settings: InitSettings): Record<RepositoryRole, GeneratedFile[]> {
  return {
    live: [...liveWorkflows(settings), configFile(settings), liveCodeowners(settings)],
    pipelines: [
      ...pipelinesWorkflows(settings),
      pipelinesCodeowners(settings),
      ...iamFiles(settings),
      checklistFile(settings),
    ],
  };
}

export interface InitRepositoryPlan {
  readonly role: RepositoryRole;
  /** `owner/name`. */
  readonly repository: string;
  readonly dir: string;
  readonly files: readonly PlannedFile[];
}

/** What init would do in each directory (nothing is written). */
export function planInit(
  settings: InitSettings,
  options: { liveDir: string; pipelinesDir: string; force?: boolean },
): InitRepositoryPlan[] {
  const rendered = renderInit(settings);
  const force = options.force ?? false;
  return [
    {
      role: "live",
      repository: repositoryName(settings.live),
      dir: options.liveDir,
      files: planWrites(options.liveDir, rendered.live, { force }),
    },
    {
      role: "pipelines",
      repository: repositoryName(settings.pipelines),
      dir: options.pipelinesDir,
      files: planWrites(options.pipelinesDir, rendered.pipelines, { force }),
    },
  ];
}

/** Writes what `planInit` planned, and each repository's manifest. */
export function applyInit(plan: readonly InitRepositoryPlan[], gantryVersion: string): void {
  for (const repository of plan) writePlannedFiles(repository.dir, repository.files, gantryVersion);
}
