/**
 * What `gantry init` cannot do for you (it writes files; these are settings of GitHub and AWS), with the exact
 * settings: `GANTRY_SETUP.md` in the pipelines repository, also printed when init finishes. The GitHub API
 * calls are data (`githubSetupRequests`) so a test checks each body against GitHub's published description.
 */
import {
  APPLY_WORKFLOW,
  GITHUB_APP_PERMISSIONS,
  PLAN_WORKFLOW,
  TOKEN_SETTINGS,
  type TokenRequirement,
} from "@gantry/guards";
import { IAM_DIRECTORY, MANAGED_POLICIES } from "./iam.js";
import { LIVE_PLAN_CHECK } from "./live-workflows.js";
import { header, repositoryName, type GeneratedFile } from "./render-shared.js";
import type { InitSettings } from "./settings.js";

export const CHECKLIST_FILE = "GANTRY_SETUP.md";

export interface GitHubSetupRequest {
  /** What it sets, for the checklist. */
  readonly purpose: string;
  readonly method: "PUT" | "POST";
  /** The REST path, without the API root. */
  readonly path: string;
  readonly body: Record<string, unknown>;
}

function branchProtection(repository: string, branch: string, checks: readonly string[]): GitHubSetupRequest {
  return {
    purpose: `protect ${branch} of ${repository}`,
    method: "PUT",
    path: `/repos/${repository}/branches/${branch}/protection`,
    body: {
      // strict: a pull request must be up to date with the branch, so what was planned is what merges.
      required_status_checks: checks.length > 0 ? { strict: true, contexts: [...checks] } : null,
      enforce_admins: true,
      required_pull_request_reviews: {
        required_approving_review_count: 1,
        require_code_owner_reviews: true,
        dismiss_stale_reviews: true,
      },
      restrictions: null,
      allow_force_pushes: false,
      allow_deletions: false,
      required_linear_history: false,
    },
  };
}

/** The GitHub settings, as REST calls (`gh api --method M PATH --input -` with the body). */
export function githubSetupRequests(settings: InitSettings): GitHubSetupRequest[] {
  const live = repositoryName(settings.live);
  const pipelines = repositoryName(settings.pipelines);
  const environment = `/repos/${pipelines}/environments/${settings.applyEnvironment}`;
  const requests: GitHubSetupRequest[] = [
    branchProtection(live, settings.deployBranch, [LIVE_PLAN_CHECK]),
    branchProtection(pipelines, "main", []),
    {
      purpose: `create the environment ${settings.applyEnvironment}, deployable only from chosen branches`,
      method: "PUT",
      path: environment,
      body: { deployment_branch_policy: { protected_branches: false, custom_branch_policies: true } },
    },
    {
      purpose: `allow only main to deploy to ${settings.applyEnvironment}`,
      method: "POST",
      path: `${environment}/deployment-branch-policies`,
      body: { name: "main", type: "branch" },
    },
  ];
  if (settings.subIncludesWorkflow) {
    requests.push({
      purpose: "put the workflow in the OIDC sub of the pipelines repository (the apply role trusts apply.yml only)",
      method: "PUT",
      path: `/repos/${pipelines}/actions/oidc/customization/sub`,
      body: { use_default: false, include_claim_keys: ["repo", "context", "job_workflow_ref"] },
    });
  }
  return requests;
}

function apiCall(request: GitHubSetupRequest): string {
  return `gh api --method ${request.method} ${request.path.slice(1)} --input - <<'EOF'\n${JSON.stringify(request.body, null, 2)}\nEOF`;
}

function credentialsSection(settings: InitSettings): string {
  const live = repositoryName(settings.live);
  const pipelines = repositoryName(settings.pipelines);
  if (settings.githubApp) {
    const permissions = Object.entries(GITHUB_APP_PERMISSIONS)
      .map(([name, level]) => `${name}: ${level}`)
      .join(", ");
    return `## 3. A GitHub App for Gantry's GitHub calls

Create a GitHub App owned by ${settings.live.owner} (Settings → Developer settings → GitHub Apps → New): no webhook,
repository permissions **${permissions}** (and metadata: read, always granted), nothing else. Install it
on ${live}, ${pipelines} and the module repositories only. Gantry asks for each token narrowed to one of these
permissions and one repository, and renews it while it waits for a run.

\`\`\`sh
for repository in ${live} ${pipelines}; do
  gh variable set GANTRY_GITHUB_APP_ID --repo "$repository" --body APP_ID
  gh secret set GANTRY_GITHUB_APP_PRIVATE_KEY --repo "$repository" < the-app.private-key.pem
done
\`\`\`

Anyone who can push a branch to ${live} can read that repository's secrets, as with tokens: give the App
nothing beyond the permissions above (issues: write only lets \`${APPLY_WORKFLOW}\` open an issue when a deployment
failed). In ${pipelines} the key only mints one-hour tokens: the checkout's (contents: read) and the apply
report's (pull requests and issues: write, on ${live}). An apply that runs longer has its later jobs refused by
the guards' fetch (exit 40) and deployed by the next run, and its report is not commented (a warning).`;
  }
  const codeRead = TOKEN_SETTINGS["code-read"];
  const dispatch = TOKEN_SETTINGS.dispatch;
  const infraLive = TOKEN_SETTINGS["infra-live-write"];
  const repositories = (setting: TokenRequirement) =>
    setting.repositories.replace("infrastructure-live", live).replace("the pipelines repository", pipelines);
  // The repositories column says where; the permissions column only what.
  const permissions = (setting: TokenRequirement) => setting.fineGrained.replace(/ on .*/, "");
  const secrets: { setting: TokenRequirement; in: string; for: string; permissions: string }[] = [
    {
      setting: codeRead,
      in: pipelines,
      for: `checking out ${live}; the guards' fetch of ${settings.deployBranch}`,
      permissions: permissions(codeRead),
    },
    {
      setting: dispatch,
      in: live,
      for: `\`gantry dispatch\` to ${PLAN_WORKFLOW} and ${APPLY_WORKFLOW}; downloading the plans' results`,
      permissions: permissions(dispatch),
    },
    { setting: infraLive, in: live, for: "the plan report on each pull request", permissions: permissions(infraLive) },
    {
      setting: infraLive,
      in: pipelines,
      for: `${APPLY_WORKFLOW}: the apply report on each merged pull request, an issue when a deployment failed`,
      permissions: `${permissions(infraLive)}, ${infraLive.optInFineGrained}`,
    },
  ];
  const rows = secrets.map(
    (secret) =>
      `| \`${secret.setting.variable}\` | ${secret.in} | ${secret.for} | ${secret.permissions} | ${repositories(secret.setting)} |`,
  );
  return `## 3. Fine-grained tokens (of a machine user), each with the least rights

| secret | in | used for | permissions | repositories |
| --- | --- | --- | --- | --- |
${rows.join("\n")}

The two \`${infraLive.variable}\` secrets are two tokens: any workflow of a branch of ${live} can read that
repository's secrets, so its token cannot open issues.

\`\`\`sh
${secrets.map((secret) => `gh secret set ${secret.setting.variable} --repo ${secret.in}`).join("\n")}
\`\`\`

Or use a GitHub App instead: \`gantry init ... --github-app\`.`;
}

export function checklistFile(settings: InitSettings): GeneratedFile {
  const live = repositoryName(settings.live);
  const pipelines = repositoryName(settings.pipelines);
  const requests = githubSetupRequests(settings);
  const accounts =
    settings.accounts.length === 0
      ? "No AWS account was given: run `gantry init` again with `--aws-account-id ENVIRONMENT=ID` for each account."
      : settings.accounts.map((account) => `- \`${account.environment}\`: account ${account.accountId}`).join("\n");
  const awsCli = settings.accounts
    .map(
      (account) => `# account ${account.accountId} (${account.environment}), with its administrator's credentials:
aws iam create-open-id-connect-provider --cli-input-json file://${IAM_DIRECTORY}/oidc-provider.json
aws iam create-role --role-name ${settings.planRoleName} --assume-role-policy-document file://${IAM_DIRECTORY}/${account.accountId}/plan-role-trust-policy.json
aws iam attach-role-policy --role-name ${settings.planRoleName} --policy-arn arn:aws:iam::aws:policy/${MANAGED_POLICIES.plan}
aws iam put-role-policy --role-name ${settings.planRoleName} --policy-name gantry-plan-state-locks --policy-document file://${IAM_DIRECTORY}/plan-role-policy.json
aws iam create-role --role-name ${settings.applyRoleName} --assume-role-policy-document file://${IAM_DIRECTORY}/${account.accountId}/apply-role-trust-policy.json
aws iam attach-role-policy --role-name ${settings.applyRoleName} --policy-arn arn:aws:iam::aws:policy/${MANAGED_POLICIES.apply}`,
    )
    .join("\n\n");
  const content = `${header(settings, "html")}
# Setting up Gantry: what \`gantry init\` could not do

\`gantry init\` wrote the workflows of ${live} and ${pipelines}, \`.gantry/config.yml\`, CODEOWNERS and the IAM
documents. These settings live in GitHub and AWS; do each once, in order. \`gantry doctor\` checks the
credentials and the configuration afterwards.

## 1. The AWS roles, in every account

${accounts}

With OpenTofu, in \`${IAM_DIRECTORY}/\`, once per account with that account's administrator credentials: \`tofu init && tofu apply\`.
It creates GitHub's OIDC provider, \`${settings.planRoleName}\` (${MANAGED_POLICIES.plan}, and OpenTofu's S3 state lock files) and
\`${settings.applyRoleName}\` (${MANAGED_POLICIES.apply}). Or with the AWS CLI and the JSON files:

\`\`\`sh
${awsCli || "# (no account given)"}
\`\`\`

\`gantry iam lint ${IAM_DIRECTORY}/ACCOUNT/apply-role-trust-policy.json --pipelines-repository ${repositoryName(settings.pipelines)}\` checks a trust policy you already have. Using a DynamoDB
lock table? Give \`${settings.planRoleName}\` dynamodb:GetItem, PutItem and DeleteItem on that table. Narrow
\`${settings.applyRoleName}\` to what your modules manage when you can.

## 2. GitHub: the apply environment and branch protection

\`${settings.applyEnvironment}\` in ${pipelines} is the only OIDC subject the apply role trusts; only \`main\` may deploy to it
(add required reviewers if every apply needs a person's approval). Branch protection keeps unreviewed code off
the branches that deploy; \`${LIVE_PLAN_CHECK}\` is the check that fails unless every planned job succeeded. Teams named in
CODEOWNERS (\`@${settings.adminTeam}\`) must exist and have write access. With \`gh\` as an administrator:

\`\`\`sh
${requests.map((request) => `# ${request.purpose}\n${apiCall(request)}`).join("\n\n")}
\`\`\`

${credentialsSection(settings)}

## 4. The deployment record

\`${APPLY_WORKFLOW}\` deploys from the record (the commit each unit is deployed as of) to ${settings.deployBranch}'s tip. Say once which
commit is deployed today, from a checkout of ${live}, with a token that may write ${pipelines}'s contents:

\`\`\`sh
GANTRY_RECORD_TOKEN=... gantry record mark --repo . --commit "$(git rev-parse origin/${settings.deployBranch})" \\
  --deploy-branch ${settings.deployBranch} --record-remote https://github.com/${pipelines}.git
\`\`\`

## 5. Check

\`\`\`sh
gantry doctor --repo .     # credentials set and no broader than needed, terragrunt and tofu, .gantry/config.yml
\`\`\`

Then open a pull request in ${live}: \`gantry-plan.yml\` plans it through ${pipelines}'s \`${PLAN_WORKFLOW}\`, and merging it
runs \`gantry-deploy.yml\`, which asks \`${APPLY_WORKFLOW}\` to deploy.
`;
  return { path: CHECKLIST_FILE, content };
}
