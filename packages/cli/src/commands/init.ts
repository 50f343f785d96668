import { resolve } from "node:path";
import { usageError } from "@gantry/errors";
import {
  applyInit,
  CHECKLIST_FILE,
  planInit,
  resolveActionRef,
  resolveInitSettings,
  type InitRepositoryPlan,
  type PlannedFile,
} from "@gantry/init";
import manifest from "../../package.json" with { type: "json" };
import { parseCommandArgs, requireOption } from "../args.js";
import type { Command } from "../io.js";

const help = `usage: gantry init --live-dir DIR --pipelines-dir DIR --live-repository OWNER/REPO
                   --pipelines-repository OWNER/REPO [--aws-account-id [ENVIRONMENT=]ID ...] [options]

Sets Gantry up in both repositories, as Gruntwork Pipelines' two-repository design needs them:
  infrastructure-live       .github/workflows/gantry-plan.yml (pull requests: plan, run the plans in the
                            pipelines repository, report), .github/workflows/gantry-deploy.yml (pushes: ask
                            for a deployment and follow it), .gantry/config.yml (with its JSON Schema),
                            .github/CODEOWNERS
  infrastructure-pipelines  .github/workflows/plan.yml and apply.yml (the only workflows with cloud
                            credentials), .github/CODEOWNERS, iam/ (the OIDC provider and the plan and apply
                            roles' trust and permission policies, as JSON and as an OpenTofu file),
                            ${CHECKLIST_FILE} (what init cannot do: branch protection, the apply environment,
                            tokens or a GitHub App, with the exact settings)
Every workflow runs the Gantry Action; every action is pinned by commit SHA with its version in a comment.
A file you changed since init wrote it (or that init did not write) is kept, and listed; --force replaces it.
Each repository's .gantry/init.json records what init wrote.

  --live-dir DIR              the checkout of infrastructure-live to write into
  --pipelines-dir DIR         the checkout of infrastructure-pipelines to write into
  --live-repository O/R       infrastructure-live on GitHub
  --pipelines-repository O/R  infrastructure-pipelines on GitHub (same owner)
  --aws-account-id [ENV=]ID   an AWS account: ENV=ID for the environment whose units are under ENV/, or one
                              bare ID for every unit; repeatable
  --deploy-branch NAME        infrastructure-live's branch that deploys (default main)
  --admin-team OWNER/TEAM     the code owners of workflows and configuration (default
                              OWNER/infrastructure-administrators)
  --github-app                authenticate Gantry's GitHub calls as a GitHub App (GANTRY_GITHUB_APP_ID and
                              GANTRY_GITHUB_APP_PRIVATE_KEY) instead of three fine-grained tokens
  --sub-includes-workflow     the apply role trusts apply.yml only (needs the OIDC sub customisation the
                              checklist gives)
  --action O/R@REF            the Gantry Action to pin (default gantry-iac/gantry@v${manifest.version}); a tag or
                              branch is resolved to its commit with git ls-remote (GITHUB_SERVER_URL, default
                              https://github.com)
  --dry-run                   print what would be written, write nothing
  --force                     replace files you changed too
  --json                      print the result (apiVersion gantry/v1, kind InitResult)`;

const describeAction: Record<PlannedFile["action"], string> = {
  create: "create",
  update: "update",
  unchanged: "same",
  keep: "keep",
  overwrite: "replace",
};

function listing(plan: readonly InitRepositoryPlan[], dryRun: boolean): string {
  const lines: string[] = [];
  for (const repository of plan) {
    lines.push(`${repository.repository} (${repository.dir})`);
    for (const file of repository.files) {
      lines.push(
        `  ${describeAction[file.action].padEnd(8)} ${file.path}${file.reason ? `: ${file.reason}${file.action === "keep" ? " (--force replaces it)" : ""}` : ""}`,
      );
    }
  }
  if (dryRun) {
    lines.push("", "Nothing was written (--dry-run). The files that would be:");
    for (const repository of plan) {
      for (const file of repository.files.filter(
        (candidate) =>
          candidate.action === "create" || candidate.action === "update" || candidate.action === "overwrite",
      )) {
        lines.push("", `==> ${repository.repository}: ${file.path} <==`, file.content.trimEnd());
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "init",
    argv,
    {
      "live-dir": { type: "string" },
      "pipelines-dir": { type: "string" },
      "live-repository": { type: "string" },
      "pipelines-repository": { type: "string" },
      "aws-account-id": { type: "string", multiple: true },
      "deploy-branch": { type: "string" },
      "admin-team": { type: "string" },
      "github-app": { type: "boolean" },
      "sub-includes-workflow": { type: "boolean" },
      action: { type: "string" },
      "dry-run": { type: "boolean" },
      force: { type: "boolean" },
      json: { type: "boolean" },
    },
    help,
  );
  const liveDir = resolve(io.cwd, requireOption("init", values["live-dir"], "live-dir"));
  const pipelinesDir = resolve(io.cwd, requireOption("init", values["pipelines-dir"], "pipelines-dir"));
  if (liveDir === pipelinesDir) {
    throw usageError("--live-dir and --pipelines-dir are the same directory", {
      hint: "they are two repositories: check out each and pass both",
    });
  }
  const liveRepository = requireOption("init", values["live-repository"], "live-repository");
  const pipelinesRepository = requireOption("init", values["pipelines-repository"], "pipelines-repository");
  const action = await resolveActionRef({
    ...(values.action ? { action: values.action } : {}),
    gantryVersion: manifest.version,
    ...(io.env.GITHUB_SERVER_URL ? { serverUrl: io.env.GITHUB_SERVER_URL } : {}),
  });
  const settings = resolveInitSettings({
    liveRepository,
    pipelinesRepository,
    awsAccountIds: values["aws-account-id"] ?? [],
    action,
    gantryVersion: manifest.version,
    ...(values["deploy-branch"] ? { deployBranch: values["deploy-branch"] } : {}),
    ...(values["admin-team"] ? { adminTeam: values["admin-team"] } : {}),
    githubApp: values["github-app"] ?? false,
    subIncludesWorkflow: values["sub-includes-workflow"] ?? false,
  });
  const dryRun = values["dry-run"] ?? false;
  const plan = planInit(settings, { liveDir, pipelinesDir, force: values.force ?? false });
  if (!dryRun) applyInit(plan, manifest.version);

  if (values.json) {
    const document = {
      apiVersion: "gantry/v1",
      kind: "InitResult",
      dryRun,
      action,
      repositories: plan.map((repository) => ({
        role: repository.role,
        repository: repository.repository,
        dir: repository.dir,
        files: repository.files.map((file) => ({
          path: file.path,
          action: file.action,
          ...(file.reason ? { reason: file.reason } : {}),
        })),
      })),
    };
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(listing(plan, dryRun));
  if (!dryRun) {
    const kept = plan.flatMap((repository) => repository.files.filter((file) => file.action === "keep"));
    if (kept.length > 0)
      io.stdout.write(
        `\n${kept.length} file(s) kept as they are: compare them with \`gantry init --dry-run --force\`.\n`,
      );
    io.stdout.write(
      `\nNext: ${resolve(pipelinesDir, CHECKLIST_FILE)} lists what init could not do (AWS roles, the apply environment, branch protection, credentials, the deployment record).\n`,
    );
  }
  return 0;
};
