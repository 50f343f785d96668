/**
 * infrastructure-pipelines' two workflows, the only ones that get cloud credentials. Written only by its
 * administrators; started only by `gantry dispatch` (workflow_dispatch on main).
 *
 * - `plan.yml`: one plan or plan-destroy job, typically a pull request's, with the read-only plan role. It runs
 *   code nobody reviewed yet, so it gets nothing that writes: no GitHub environment, no write permission.
 * - `apply.yml`: deploys from the deployment record to the deploy branch's tip, in the GitHub environment the
 *   apply role trusts, one deployment at a time, never cancelled once started.
 */
import { APPLY_WORKFLOW, PLAN_WORKFLOW, TOKEN_SETTINGS } from "@gantry/guards";
import { ACTION_PINS, usesLine } from "./pins.js";
import { appTokenStep, argsBlock, gantryUses, header, repositoryName, type GeneratedFile } from "./render-shared.js";
import type { InitSettings } from "./settings.js";

const codeReadToken = TOKEN_SETTINGS["code-read"].variable;
const infraLiveWrite = TOKEN_SETTINGS["infra-live-write"];

/** The pipelines side's own settings, written out: a copy of the workflow elsewhere must not trust itself. */
function trustedSettings(settings: InitSettings, role: "plan" | "apply"): string {
  return `env:
  # The pipelines side's settings, written out (a copy of this file elsewhere must not trust itself): the branch
  # that deploys (its tip's .gantry/config.yml decides environments and roles), this repository, and which jobs
  # the guards accept here.
  GANTRY_DEPLOY_BRANCH: ${settings.deployBranch}
  GANTRY_PIPELINES_REPOSITORY: ${repositoryName(settings.pipelines)}
  GANTRY_WORKFLOW_ROLE: ${role}`;
}

/**
 * Steps giving access to infrastructure-live's code: a token step (GitHub App), the checkout, then the guards'
 * fetch of the deploy branch. Only these steps hold the code-read token: the step that runs the tools (and so a
 * pull request's hooks, which can read their ancestors' /proc/<pid>/environ) is given
 * GANTRY_DEPLOY_BRANCH_FETCHED instead. No actions/cache: code a plan runs can write cache entries (the
 * runner's ACTIONS_RUNTIME_TOKEN is within its reach) that any run on main restores, and a restore extracts
 * files anywhere the runner user can write; the Action downloads the pinned tools and verifies them instead.
 */
function checkoutLive(settings: InitSettings, ref: string): { steps: string; token: string } {
  const tokenStep = settings.githubApp
    ? appTokenStep({
        id: "code-read",
        name: "A token to read infrastructure-live (one hour, contents read only)",
        repository: settings.live,
        permissions: TOKEN_SETTINGS["code-read"].fineGrainedPermissions,
      })
    : "";
  const token = settings.githubApp ? "${{ steps.code-read.outputs.token }}" : `\${{ secrets.${codeReadToken} }}`;
  const steps = `${tokenStep}      - name: Check out infrastructure-live
        uses: ${usesLine(ACTION_PINS.checkout)}
        with:
          repository: ${repositoryName(settings.live)}
          ref: ${ref}
          token: ${token}
          # No token left in .git/config for the code the tools run.
          persist-credentials: false
          fetch-depth: 0
          path: infrastructure-live
      - name: Fetch the deploy branch for the guards (the last step holding ${codeReadToken})
        uses: ${gantryUses(settings)}
        env:
          ${codeReadToken}: ${token}
        with:
          command: fetch-deploy-branch
${argsBlock(["--repo=infrastructure-live"], "          ")}
`;
  return { steps, token };
}

function dispatchInput(name: string, description: string): string {
  return `      ${name}:
        description: ${description}
        required: true
        type: string`;
}

const correlationInput = dispatchInput("correlation", "Set by gantry dispatch, to tell this run from the others");

function planWorkflow(settings: InitSettings): string {
  const live = checkoutLive(settings, "${{ fromJSON(inputs.job).ref }}");
  return `${header(settings, "#", [
    "",
    "Gantry's plan workflow: runs ONE plan or plan-destroy job dispatched from infrastructure-live (`gantry dispatch",
    "--plan-workflow plan.yml`), with the read-only plan role. It runs code nobody reviewed yet (the pull request's),",
    "so it gets nothing that writes: no GitHub environment (its OIDC sub is this repository's ref, which the apply",
    "role does not trust), and the guards refuse any apply or destroy here.",
  ])}
name: Gantry plan
# Names each run after its job and correlation id, so \`gantry dispatch\` finds its own run.
run-name: gantry \${{ fromJSON(inputs.job).id }} \${{ inputs.correlation }}

on:
  workflow_dispatch:
    inputs:
${dispatchInput("job", "One gantry/v1 plan or plan-destroy job (an element of the jobs of gantry plan --json), as JSON")}
${correlationInput}

permissions:
  id-token: write # GitHub OIDC to AWS STS: the read-only plan role
  contents: read

# A dispatch sent again after its answer was lost shares the correlation id: the copies of one job wait for
# each other, and \`gantry dispatch\` cancels the one still waiting, so the job runs (and comments) once.
concurrency:
  group: gantry-plan-\${{ inputs.correlation }}
  cancel-in-progress: false

${trustedSettings(settings, "plan")}

jobs:
  plan:
    name: \${{ fromJSON(inputs.job).action }} \${{ fromJSON(inputs.job).id }}
    runs-on: ubuntu-24.04
    timeout-minutes: 60
    steps:
${live.steps}      - name: Guards, then the plan role, then terragrunt
        uses: ${gantryUses(settings)}
        env:
          # The step before fetched it: this step, which runs the pull request's code, holds no token.
          GANTRY_DEPLOY_BRANCH_FETCHED: "true"
        with:
          command: execute
          # The job is written to a file for --job: it never reaches a shell.
          job: \${{ inputs.job }}
${argsBlock(["--repo=infrastructure-live", "--workflow-role=plan", "--result=result.json"], "          ")}
      - name: Upload the result
        if: always()
        uses: ${usesLine(ACTION_PINS.uploadArtifact)}
        with:
          name: gantry-result-\${{ fromJSON(inputs.job).id }}
          path: result.json
          if-no-files-found: error
`;
}

/**
 * The credential `gantry run --publish-merged-prs --open-issue-on-failure` uses on infrastructure-live: the
 * secret of that name, or a token the App mints for that repository with those two permissions only (the
 * App's key never reaches the step that runs terragrunt).
 */
function reportToken(settings: InitSettings): { step: string; token: string } {
  if (!settings.githubApp) return { step: "", token: `\${{ secrets.${infraLiveWrite.variable} }}` };
  const step = appTokenStep({
    id: "infra-live-write",
    name: "A token to report on infrastructure-live's merged pull requests (one hour, pull requests and issues write)",
    repository: settings.live,
    permissions: { ...infraLiveWrite.fineGrainedPermissions, ...infraLiveWrite.optInPermissions },
  });
  return { step, token: "${{ steps.infra-live-write.outputs.token }}" };
}

function applyWorkflow(settings: InitSettings): string {
  const live = checkoutLive(settings, settings.deployBranch);
  const report = reportToken(settings);
  const recordRemote = `https://github.com/${repositoryName(settings.pipelines)}.git`;
  return `${header(settings, "#", [
    "",
    "Gantry's apply workflow: deploys every change merged to infrastructure-live's deploy branch, from the",
    "deployment record (the commit each unit is deployed as of) to the branch's tip, and advances the record by",
    "what succeeded. Only this workflow's job can assume the apply role: it runs in the GitHub environment",
    `\`${settings.applyEnvironment}\` (deployment branches: main only), which the role's trust policy names in the OIDC sub.`,
  ])}
name: Gantry apply
run-name: gantry deploy \${{ inputs.commit }} \${{ inputs.correlation }}

on:
  workflow_dispatch:
    inputs:
${dispatchInput("commit", "The pushed commit asking for a deployment (the run deploys the deploy branch's tip, which contains it)")}
${correlationInput}

permissions:
  id-token: write # GitHub OIDC to AWS STS: the apply role
  contents: write # the deployment record, a ref of this repository

# One deployment at a time. A started one is never cancelled; GitHub keeps one pending run and cancels older
# pending ones, whose commits the pending run's tip contains.
concurrency:
  group: gantry-apply
  cancel-in-progress: false

${trustedSettings(settings, "apply")}
  # Where the deployment record lives: a ref of this repository, written only by this workflow.
  GANTRY_RECORD_REMOTE: ${recordRemote}

jobs:
  deploy:
    name: deploy
    runs-on: ubuntu-24.04
    environment: ${settings.applyEnvironment}
    timeout-minutes: 120
    steps:
${live.steps}${report.step}      - name: Deploy from the deployment record to the deploy branch's tip
        uses: ${gantryUses(settings)}
        env:
          # The step before fetched it (the guards' and the range's deploy branch): no code-read token here.
          GANTRY_DEPLOY_BRANCH_FETCHED: "true"
          # Reads and writes the record's ref in this repository.
          GANTRY_RECORD_TOKEN: \${{ github.token }}
          # The report on every pull request merged in the deployed range, and an issue when a job failed
          # (pull requests and issues write on infrastructure-live only); the tools never see it.
          ${infraLiveWrite.variable}: ${report.token}
        with:
          command: run
          repo: infrastructure-live
          event: push
          branch: ${settings.deployBranch}
${argsBlock(["--publish-merged-prs", "--open-issue-on-failure", `--repository=${repositoryName(settings.live)}`], "          ")}
`;
}

export const PIPELINES_PLAN_WORKFLOW = `.github/workflows/${PLAN_WORKFLOW}`;
export const PIPELINES_APPLY_WORKFLOW = `.github/workflows/${APPLY_WORKFLOW}`;

export function pipelinesWorkflows(settings: InitSettings): GeneratedFile[] {
  return [
    { path: PIPELINES_PLAN_WORKFLOW, content: planWorkflow(settings) },
    { path: PIPELINES_APPLY_WORKFLOW, content: applyWorkflow(settings) },
  ];
}
