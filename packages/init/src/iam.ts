/**
 * The AWS side, per account: GitHub's OIDC provider, the read-only plan role and the apply role, with their
 * trust policies (`@gantry/guards`' `buildTrustPolicies`, the one source) and permissions. Written twice, for
 * whichever the user applies with: JSON documents for the AWS CLI, and one OpenTofu file that builds the same
 * policies from the provider it creates (so it needs no account id and serves every account).
 *
 * Permissions, as Gruntwork Pipelines grants them: the plan role reads (AWS's `ReadOnlyAccess`) and may take
 * OpenTofu's S3 state lock (`<key>.tflock` objects); the apply role administers (`AdministratorAccess`).
 * Narrowing the apply role to what your modules create is the checklist's advice, not something Gantry can know.
 */
import { buildTrustPolicies, GITHUB_OIDC_HOST, STS_AUDIENCE, type TrustPolicy } from "@gantry/guards";
import { header, type GeneratedFile } from "./render-shared.js";
import type { InitSettings } from "./settings.js";

/** GitHub's OIDC certificate thumbprints: AWS no longer checks them for GitHub, older tooling requires some. */
const GITHUB_OIDC_THUMBPRINTS = [
  "6938fd4d98bab03faadb97b34396831e3780aea1",
  "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
];

export const MANAGED_POLICIES = { plan: "ReadOnlyAccess", apply: "AdministratorAccess" } as const;

/** The plan role's one write: OpenTofu's S3 lock file beside each state (`use_lockfile`). */
export function planRoleInlinePolicy(): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "GantryPlanStateLocks",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: "arn:aws:s3:::*/*.tflock",
      },
    ],
  };
}

export function oidcProviderDocument(): Record<string, unknown> {
  return { Url: `https://${GITHUB_OIDC_HOST}`, ClientIDList: [STS_AUDIENCE], ThumbprintList: GITHUB_OIDC_THUMBPRINTS };
}

function trustPolicies(settings: InitSettings, accountId?: string): { plan: TrustPolicy; apply: TrustPolicy } {
  return buildTrustPolicies({
    repoOwner: settings.live.owner,
    repo: settings.live.name,
    pipelinesRepo: settings.pipelines.name,
    ...(accountId ? { accountId } : {}),
    applyEnvironment: settings.applyEnvironment,
    workflowInSubject: settings.subIncludesWorkflow,
  });
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export const IAM_DIRECTORY = "iam";

export function iamFiles(settings: InitSettings): GeneratedFile[] {
  const files: GeneratedFile[] = [
    { path: `${IAM_DIRECTORY}/oidc-provider.json`, content: json(oidcProviderDocument()) },
    { path: `${IAM_DIRECTORY}/plan-role-policy.json`, content: json(planRoleInlinePolicy()) },
  ];
  for (const account of settings.accounts) {
    const policies = trustPolicies(settings, account.accountId);
    files.push(
      { path: `${IAM_DIRECTORY}/${account.accountId}/plan-role-trust-policy.json`, content: json(policies.plan) },
      { path: `${IAM_DIRECTORY}/${account.accountId}/apply-role-trust-policy.json`, content: json(policies.apply) },
    );
  }
  files.push({ path: `${IAM_DIRECTORY}/main.tf`, content: openTofuFile(settings) });
  return files;
}

/** A raw HCL expression inside a value given to `hclValue`. */
class HclExpression {
  constructor(readonly text: string) {}
}

const hclKey = (key: string) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key));

/**
 * A JSON value as an HCL expression, laid out as `tofu fmt` lays it out (a test runs `tofu fmt -check`):
 * objects one item a line with the `=` of consecutive single-line items aligned; short lists of scalars on one line.
 */
function hclValue(value: unknown, indent: string): string {
  if (value instanceof HclExpression) return value.text;
  if (typeof value === "string") return JSON.stringify(value).replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => hclValue(item, `${indent}  `));
    const oneLine = `[${items.join(", ")}]`;
    if (items.every((item) => !item.includes("\n")) && oneLine.length <= 60) return oneLine;
    return `[\n${items.map((item) => `${indent}  ${item},`).join("\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => ({
    key: hclKey(key),
    text: hclValue(item, `${indent}  `),
  }));
  const lines: string[] = [];
  let run: typeof entries = [];
  const flush = () => {
    const width = Math.max(...run.map((entry) => entry.key.length));
    for (const entry of run) lines.push(`${indent}  ${entry.key.padEnd(width)} = ${entry.text}`);
    run = [];
  };
  for (const entry of entries) {
    if (entry.text.includes("\n")) {
      if (run.length > 0) flush();
      lines.push(`${indent}  ${entry.key} = ${entry.text}`);
    } else run.push(entry);
  }
  if (run.length > 0) flush();
  return `{\n${lines.join("\n")}\n${indent}}`;
}

/** The trust policy with its principal as a reference to the provider the file creates. */
function trustPolicyExpression(policy: TrustPolicy, provider: string): unknown {
  return {
    ...policy,
    Statement: policy.Statement.map((statement) => ({
      ...statement,
      Principal: { Federated: new HclExpression(provider) },
    })),
  };
}

/** One role of the OpenTofu file: the role, its trust policy naming the provider the file creates, its managed policy. */
function roleResources(
  role: keyof typeof MANAGED_POLICIES,
  name: string,
  comment: string,
  description: string,
  policy: TrustPolicy,
  attachment: string,
): string {
  return `# ${comment}
resource "aws_iam_role" "${role}" {
  name                 = "${name}"
  description          = "${description}"
  max_session_duration = 3600
  assume_role_policy = jsonencode(${hclValue(trustPolicyExpression(policy, "aws_iam_openid_connect_provider.github.arn"), "  ")})
}

resource "aws_iam_role_policy_attachment" "${attachment}" {
  role       = aws_iam_role.${role}.name
  policy_arn = "arn:\${data.aws_partition.current.partition}:iam::aws:policy/${MANAGED_POLICIES[role]}"
}`;
}

function openTofuFile(settings: InitSettings): string {
  const policies = trustPolicies(settings);
  return `${header(settings, "#", [
    "",
    "GitHub's OIDC provider and Gantry's two roles, in the AWS account of the credentials you apply it with. Apply it",
    "once in every account of .gantry/config.yml (see GANTRY_SETUP.md): tofu init && tofu apply.",
    "The JSON files beside it hold the same documents for the AWS CLI.",
  ])}

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

data "aws_partition" "current" {}

resource "aws_iam_openid_connect_provider" "github" {
  url             = ${hclValue(oidcProviderDocument()["Url"], "  ")}
  client_id_list  = ${hclValue([STS_AUDIENCE], "  ")}
  thumbprint_list = [${GITHUB_OIDC_THUMBPRINTS.map((thumbprint) => JSON.stringify(thumbprint)).join(", ")}]
}

${roleResources("plan", settings.planRoleName, `Plans: any branch or pull request of ${settings.live.owner}/${settings.live.name}, and the pipelines repository's workflows.`, "Gantry plans (read-only), assumed through GitHub OIDC", policies.plan, "plan_read_only")}

resource "aws_iam_role_policy" "plan_state_locks" {
  name = "gantry-plan-state-locks"
  role = aws_iam_role.plan.id
  policy = jsonencode(${hclValue(planRoleInlinePolicy(), "  ")})
}

${roleResources("apply", settings.applyRoleName, `Applies: only the job of ${settings.pipelines.owner}/${settings.pipelines.name}'s apply workflow, in the environment ${settings.applyEnvironment}.`, "Gantry applies, assumed only by the pipelines repository's apply workflow", policies.apply, "apply_administrator")}

output "plan_role_arn" {
  value = aws_iam_role.plan.arn
}

output "apply_role_arn" {
  value = aws_iam_role.apply.arn
}
`;
}
