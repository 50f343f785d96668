import { basename } from "node:path";
import { readDocument, type DocumentSpec } from "@gantry/documents";
import { formatDidYouMean, usageError } from "@gantry/errors";
import { buildTrustPolicies, inferTrustPolicyRole, lintTrustPolicy } from "@gantry/guards";
import { parseCommandArgs, requireOption, synopsis } from "../args.js";
import { HelpRequested, commandHelp } from "../help.js";
import type { CliIO, Command } from "../io.js";
import { z } from "zod";

const HELP = `usage:
  gantry iam trust-policy --repo-owner OWNER --repo NAME [--pipelines-repository OWNER/REPO] [--account-id ID]
                          [--apply-environment NAME] [--sub-includes-workflow]
                          [--immutable-sub --owner-id N --repo-id N [--pipelines-repo-id N]] [--role plan|apply]
  gantry iam lint FILE [--role plan|apply] [--pipelines-repository OWNER/REPO] [--json]

trust-policy prints the trust policies of the plan role (any ref or pull request of the repository, and the
pipelines repository's main, where plan.yml runs) and the apply role (only the apply workflow's job, which
runs in the GitHub environment --apply-environment, default gantry-apply: its OIDC sub is
repo:OWNER/PIPELINES:environment:gantry-apply). Restrict that environment's deployment branches to main.
--sub-includes-workflow: the pipelines repository's OIDC sub template includes job_workflow_ref
(PUT /repos/OWNER/PIPELINES/actions/oidc/customization/sub with
{"use_default": false, "include_claim_keys": ["repo", "context", "job_workflow_ref"]}), and the apply role is
pinned to .github/workflows/apply.yml on main as well (AWS evaluates only sub and aud of GitHub's token).
--pipelines-repository (default OWNER/NAME: one repository) must have the owner --repo-owner; the older
--pipelines-repo NAME (the name alone) still works.

lint finds trust-policy misconfigurations that let other repositories, branches, pull requests or plan runs
in, with a fix for each; exits 1 when it finds any. The role is --role, else the file's name (apply, plan),
else the policy's subjects (only GitHub environments: the apply role). --pipelines-repository (default
GANTRY_PIPELINES_REPOSITORY) flags any apply-role subject of another repository.
`;

function parseRole(value: string | undefined): "plan" | "apply" | undefined {
  if (value === undefined) return undefined;
  if (value === "plan" || value === "apply") return value;
  throw usageError(`--role must be plan or apply, not '${value}'`, { command: "iam" });
}

/**
 * The pipelines repository's name, from --pipelines-repository OWNER/REPO (as `gantry init` and `iam lint`
 * take it) or the older --pipelines-repo NAME. The policies name both repositories under --repo-owner, so an
 * OWNER/REPO of another owner would be silently rewritten: refuse it.
 */
function pipelinesRepoName(repoOwner: string, repository: string | undefined, name: string | undefined) {
  if (repository === undefined) return name;
  const [owner, repo, ...rest] = repository.split("/");
  if (!owner || !repo || rest.length > 0 || !/^[A-Za-z0-9_.-]+$/.test(`${owner}${repo}`))
    throw usageError(`--pipelines-repository must be OWNER/REPO, not '${repository}'`, {
      command: "iam",
      hint: `e.g. --pipelines-repository ${repoOwner}/infrastructure-pipelines`,
    });
  if (owner.toLowerCase() !== repoOwner.toLowerCase())
    throw usageError(`--pipelines-repository ${repository} is not owned by --repo-owner ${repoOwner}`, {
      command: "iam",
      hint: "the trust policies name both repositories under one owner; keep infrastructure-pipelines beside infrastructure-live",
    });
  if (name !== undefined && name !== repo)
    throw usageError(`--pipelines-repo ${name} and --pipelines-repository ${repository} disagree`, {
      command: "iam",
      hint: "pass only --pipelines-repository (--pipelines-repo is its older, name-only form)",
    });
  return repo;
}

async function printTrustPolicy(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    "iam trust-policy",
    argv,
    {
      "repo-owner": { type: "string" },
      repo: { type: "string" },
      "pipelines-repository": { type: "string" },
      "pipelines-repo": { type: "string" },
      "account-id": { type: "string" },
      "immutable-sub": { type: "boolean" },
      "owner-id": { type: "string" },
      "repo-id": { type: "string" },
      "pipelines-repo-id": { type: "string" },
      "issuer-host": { type: "string" },
      "apply-environment": { type: "string" },
      "sub-includes-workflow": { type: "boolean" },
      role: { type: "string" },
    },
    HELP,
  );
  const repoOwner = requireOption("iam trust-policy", values["repo-owner"], "repo-owner");
  const repo = requireOption("iam trust-policy", values.repo, "repo");
  const pipelinesRepo = pipelinesRepoName(repoOwner, values["pipelines-repository"], values["pipelines-repo"]);
  const accountId = values["account-id"];
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) {
    throw usageError(`--account-id must be 12 digits, not '${accountId}'`, {
      hint: "pass the AWS account id the roles live in",
    });
  }
  let immutableSubject: { ownerId: string; repoId: string; pipelinesRepoId?: string } | undefined;
  if (values["immutable-sub"]) {
    const ownerId = requireOption("iam trust-policy", values["owner-id"], "owner-id");
    const repoId = requireOption("iam trust-policy", values["repo-id"], "repo-id");
    for (const [name, value] of [
      ["owner-id", ownerId],
      ["repo-id", repoId],
      ["pipelines-repo-id", values["pipelines-repo-id"]],
    ] as const) {
      if (value !== undefined && !/^\d+$/.test(value))
        throw usageError(`--${name} must be a number, not '${value}'`, {
          hint: "GitHub's numeric id: `gh api repos/OWNER/REPO --jq .id`",
        });
    }
    const pipelinesRepoId = values["pipelines-repo-id"];
    if (pipelinesRepo && pipelinesRepo !== repo && !pipelinesRepoId) {
      throw usageError(
        "missing required option --pipelines-repo-id (the immutable sub of the pipelines repository needs its id)",
        { command: "iam" },
      );
    }
    immutableSubject = { ownerId, repoId, ...(pipelinesRepoId ? { pipelinesRepoId } : {}) };
  }
  const role = parseRole(values.role);
  const policies = buildTrustPolicies({
    repoOwner,
    repo,
    ...(pipelinesRepo ? { pipelinesRepo } : {}),
    ...(accountId ? { accountId } : {}),
    ...(immutableSubject ? { immutableSubject } : {}),
    ...(values["issuer-host"] ? { issuerHost: values["issuer-host"] } : {}),
    ...(values["apply-environment"] ? { applyEnvironment: values["apply-environment"] } : {}),
    ...(values["sub-includes-workflow"] ? { workflowInSubject: true } : {}),
  });
  io.stdout.write(`${JSON.stringify(role ? policies[role] : policies, null, 2)}\n`);
  if (!accountId) io.stderr.write("note: ACCOUNT_ID is a placeholder; pass --account-id to fill it in\n");
  return 0;
}

/** A trust policy as `gantry iam lint` reads it: any JSON; the lint itself reports what is wrong in it. */
const trustPolicyDocument = {
  kind: "trust policy",
  schema: z.unknown(),
  code: "IAM_POLICY_INVALID",
  hint: "a trust policy is a JSON document; print a correct one with `gantry iam trust-policy`",
} as const satisfies DocumentSpec<z.ZodUnknown>;

async function lint(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "iam lint",
    argv,
    { role: { type: "string" }, "pipelines-repository": { type: "string" }, json: { type: "boolean" } },
    HELP,
  );
  const pipelinesRepository = values["pipelines-repository"] ?? (io.env["GANTRY_PIPELINES_REPOSITORY"] || undefined);
  if (pipelinesRepository !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(pipelinesRepository)) {
    throw usageError(`--pipelines-repository must be OWNER/REPO, not '${pipelinesRepository}'`, {
      command: "iam",
      hint: "e.g. --pipelines-repository acme/infrastructure-pipelines",
    });
  }
  const file = positionals[0];
  if (!file)
    throw usageError("missing the trust policy FILE to lint", { hint: "gantry iam lint apply-role-trust.json" });
  const document = await readDocument(file, trustPolicyDocument, io);
  // Which role the file is for decides whether a wildcard ref, or another repository, is a finding.
  const named =
    parseRole(values.role) ??
    (/apply/i.test(basename(file)) ? "apply" : /plan/i.test(basename(file)) ? "plan" : undefined);
  const role = named ?? inferTrustPolicyRole(document);
  const findings = lintTrustPolicy(document, role, pipelinesRepository ? { pipelinesRepository } : {});
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ apiVersion: "gantry/v1", kind: "TrustPolicyLint", file, role, pipelinesRepository: pipelinesRepository ?? null, findings }, null, 2)}\n`,
    );
  } else {
    for (const finding of findings) {
      io.stdout.write(
        `${file}: ${finding.statement === null ? "" : `Statement[${finding.statement}]: `}${finding.code}: ${finding.message}\n  fix: ${finding.fix}\n`,
      );
    }
    const roleNote =
      role === "unknown"
        ? " (role unknown: pass --role apply to check refs too)"
        : ` (checked as the ${role} role${named ? "" : ", from its subjects"})`;
    io.stdout.write(
      findings.length === 0
        ? `${file}: no problems found${roleNote}\n`
        : `${findings.length} problem(s) found${roleNote}\n`,
    );
    if (role === "apply" && !pipelinesRepository)
      io.stdout.write(
        `note: pass --pipelines-repository OWNER/REPO to check that its subjects are the pipelines repository's\n`,
      );
  }
  return findings.length === 0 ? 0 : 1;
}

export const command: Command = async (argv, io) => {
  const [subcommand, ...rest] = argv;
  if (subcommand === "trust-policy") return printTrustPolicy(rest, io);
  if (subcommand === "lint") return lint(rest, io);
  if (subcommand === "--help" || subcommand === "-h") throw new HelpRequested(commandHelp("iam", HELP));
  if (subcommand === undefined)
    throw usageError("name the subcommand: trust-policy or lint", { command: "iam", hint: synopsis(HELP) });
  const suggestion = formatDidYouMean(subcommand, ["trust-policy", "lint"], (name) => `'gantry iam ${name}'`);
  throw usageError(`unknown iam subcommand '${subcommand}'${suggestion ? `: ${suggestion}` : ""}`, {
    command: "iam",
    hint: synopsis(HELP),
  });
};
