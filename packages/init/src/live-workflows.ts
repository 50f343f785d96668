/**
 * infrastructure-live's two workflows. Neither has cloud credentials, and anyone who can push a branch can
 * edit them: they only decide what to ask for, and the pipelines side re-derives and checks everything.
 *
 * - `gantry-plan.yml` (pull requests): plan the jobs, have the pipelines repository's plan workflow run them,
 *   report on the pull request. One job, whose check is the one to require in branch protection.
 * - `gantry-deploy.yml` (pushes to the deploy branch): ask the apply workflow for a deployment and follow it.
 *   No checkout, no plan, no range: the apply workflow deploys from the deployment record to the tip, so any
 *   push's request is as good as any other's (see @gantry/dispatcher, "Continuous delivery that loses nothing").
 */
import { APPLY_WORKFLOW, PLAN_WORKFLOW, TOKEN_SETTINGS } from "@gantry/guards";
import { ACTION_PINS, usesLine } from "./pins.js";
import {
  appTokenStep,
  argsBlock,
  gantryUses,
  githubCredentialEnv,
  header,
  repositoryName,
  type GeneratedFile,
} from "./render-shared.js";
import type { InitSettings } from "./settings.js";

export const LIVE_PLAN_WORKFLOW = ".github/workflows/gantry-plan.yml";
export const LIVE_DEPLOY_WORKFLOW = ".github/workflows/gantry-deploy.yml";
/** The check to require on the deploy branch of infrastructure-live (the plan workflow's job name). */
export const LIVE_PLAN_CHECK = "gantry-plan";

const dispatchToken = TOKEN_SETTINGS.dispatch.variable;
const infraLiveToken = TOKEN_SETTINGS["infra-live-write"].variable;

function pullRequestWorkflow(settings: InitSettings): string {
  const gantry = gantryUses(settings);
  const pipelines = repositoryName(settings.pipelines);
  const headSha = "${{ github.event.pull_request.head.sha }}";
  const pullNumber = "${{ github.event.pull_request.number }}";
  const resultsToken = settings.githubApp
    ? appTokenStep({
        id: "results-token",
        name: "A token to read the plans' results",
        if: "always() && hashFiles('outcome.json') != ''",
        repository: settings.pipelines,
        permissions: { actions: "read" },
      })
    : "";
  const ghToken = settings.githubApp ? "${{ steps.results-token.outputs.token }}" : `\${{ secrets.${dispatchToken} }}`;
  return `${header(settings, "#", [
    "",
    "Gantry in infrastructure-live, for pull requests: plans which jobs the change needs, has the pipelines",
    `repository's plan workflow run them (read-only plan role), and reports on the pull request. It holds no`,
    "cloud credentials, and anyone who can push a branch can edit it: the pipelines side trusts nothing it sends.",
  ])}
name: Gantry plan

on:
  pull_request:
    branches: [${settings.deployBranch}]

permissions:
  contents: read

# A newer push makes the pull request's older plans moot; plans change nothing, so cancelling them is safe.
concurrency:
  group: gantry-plan-\${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  gantry-plan:
    # Require this check on ${settings.deployBranch}: it fails unless every planned job succeeded.
    name: ${LIVE_PLAN_CHECK}
    runs-on: ubuntu-24.04
    timeout-minutes: 90
    steps:
      - name: Check out the pull request's head
        uses: ${usesLine(ACTION_PINS.checkout)}
        with:
          ref: ${headSha}
          # Full history: detection compares the pull request's base and head.
          fetch-depth: 0
          # No token is kept in .git/config, where code the pull request brings could read it.
          persist-credentials: false
      - name: Restore the detection cache
        # What every unit reads, keyed by git blob ids: detection re-reads only the units whose reads changed.
        # Caches are branch-scoped: a pull request starts from ${settings.deployBranch}'s.
        uses: ${usesLine(ACTION_PINS.cache)}
        with:
          path: .git/gantry
          key: gantry-detect-${headSha}
          restore-keys: gantry-detect-
      - name: Plan
        id: plan
        uses: ${gantry}
        env:
          # Where a failing gantry command writes its error, for the next step.
          GANTRY_ERROR_FILE: plan-error.json
        with:
          command: plan
          plan-file: plan.json
      - name: Report why planning failed
        if: failure() && steps.plan.outcome == 'failure' && hashFiles('plan-error.json') != ''
        uses: ${gantry}
        env:
${githubCredentialEnv(settings, infraLiveToken, "          ")}
        with:
          command: report
${argsBlock(["--error=plan-error.json", `--head=${headSha}`, `--publish-pr=${pullNumber}`], "          ")}
      - name: Run the plans in the pipelines repository
        if: steps.plan.outputs.has-changes == 'true'
        uses: ${gantry}
        env:
${githubCredentialEnv(settings, dispatchToken, "          ")}
        with:
          command: dispatch
${argsBlock([`--plan=plan.json`, `--repository=${pipelines}`, `--plan-workflow=${PLAN_WORKFLOW}`, "--poll-interval=30", "--timeout=3600", "--output=outcome.json"], "          ")}
${resultsToken}      - name: Collect the plans' results
        if: always() && steps.plan.outcome == 'success'
        env:
          GH_TOKEN: ${ghToken}
          PIPELINES_REPOSITORY: ${pipelines}
        run: |
          mkdir -p results
          [ -f outcome.json ] || exit 0
          jq -r '.jobs[] | select(.run != null) | "\\(.run.runId) \\(.job.id)"' outcome.json |
            while read -r run job; do
              gh run download "$run" --repo "$PIPELINES_REPOSITORY" --name "gantry-result-$job" --dir "results/$job" ||
                echo "::warning::no result for $job (run $run)"
            done
      - name: Report
        # Also the step summary. Fails unless every job succeeded: the roll-up check.
        if: always() && steps.plan.outcome == 'success'
        uses: ${gantry}
        env:
${githubCredentialEnv(settings, infraLiveToken, "          ")}
        with:
          command: report
${argsBlock(["--plan=plan.json", "--results=results", `--publish-pr=${pullNumber}`], "          ")}
`;
}

function deployWorkflow(settings: InitSettings): string {
  return `${header(settings, "#", [
    "",
    `Gantry in infrastructure-live, for pushes to ${settings.deployBranch}: asks the pipelines repository's apply workflow for a`,
    "deployment and follows it. The apply workflow deploys from the deployment record to the deploy branch's tip,",
    "so this needs no checkout and no range, and a cancelled or late run of it loses nothing.",
  ])}
name: Gantry deploy

on:
  push:
    branches: [${settings.deployBranch}]

permissions: {}

# No concurrency group: every push's request goes out, and the apply workflow's own group runs one deployment
# at a time and folds pending requests into the newest. Cancelling this run never cancels a deployment.
jobs:
  gantry-deploy:
    name: gantry-deploy
    runs-on: ubuntu-24.04
    timeout-minutes: 135
    steps:
      - name: Ask for a deployment and follow it
        uses: ${gantryUses(settings)}
        env:
${githubCredentialEnv(settings, dispatchToken, "          ")}
        with:
          command: dispatch
${argsBlock(["--deploy", `--repository=${repositoryName(settings.pipelines)}`, `--apply-workflow=${APPLY_WORKFLOW}`, "--poll-interval=30", "--timeout=7200"], "          ")}
`;
}

export function liveWorkflows(settings: InitSettings): GeneratedFile[] {
  return [
    { path: LIVE_PLAN_WORKFLOW, content: pullRequestWorkflow(settings) },
    { path: LIVE_DEPLOY_WORKFLOW, content: deployWorkflow(settings) },
  ];
}
