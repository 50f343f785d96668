/**
 * Test helpers: job documents as `gantry plan` would write them, and an independent re-derivation from
 * git (units whose terragrunt.hcl changed between the job's base and head) so the re-derive guard can be
 * exercised with a real repository before and besides the classifier.
 */
import { execFileSync } from "node:child_process";
import type { Job } from "@gantry/classifier";
import { GuardRefusedError, type RederiveJobs } from "../src/index.js";

export const ACCOUNT = "111122223333";
export const PLAN_ROLE = `arn:aws:iam::${ACCOUNT}:role/gantry-plan`;
export const APPLY_ROLE = `arn:aws:iam::${ACCOUNT}:role/gantry-apply`;

/** The deploy branch's configuration that gives every unit the environment and roles of `makeJob`. */
export const CONFIG = `environments:
  - name: prod
    paths: ["**"]
    aws:
      accountId: "${ACCOUNT}"
      planRoleArn: ${PLAN_ROLE}
      applyRoleArn: ${APPLY_ROLE}
      region: eu-west-1
      sessionDuration: 900
`;

export function makeJob(
  fields: Pick<Job, "action" | "units" | "ref"> & {
    source: Partial<Job["source"]> & Pick<Job["source"], "base" | "head">;
  } & Partial<Omit<Job, "source">>,
): Job {
  const { source, ...rest } = fields;
  return {
    apiVersion: "gantry/v1",
    kind: "Job",
    id: `${fields.action}-prod-1`,
    needs: [],
    environment: "prod",
    changes: ["ModuleChanged"],
    authentication: {
      accountId: ACCOUNT,
      planRoleArn: PLAN_ROLE,
      applyRoleArn: APPLY_ROLE,
      region: "eu-west-1",
      sessionDurationSeconds: 900,
    },
    terragrunt: { flags: [], env: {}, parallelism: 10 },
    ...rest,
    source: { event: "push", branch: "main", deployBranch: "main", ...source },
  };
}

/** Units whose terragrunt.hcl was added/modified (apply or plan at head) or deleted (destroy or plan-destroy at base). */
export function rederiveFromGit(repo: string): RederiveJobs {
  return async (job) => {
    const diff = execFileSync(
      "git",
      ["diff", "--name-status", "--no-renames", job.source.base, job.source.head, "--", "*terragrunt.hcl"],
      { cwd: repo, encoding: "utf8" },
    );
    const changed: string[] = [];
    const deleted: string[] = [];
    for (const line of diff.split("\n").filter(Boolean)) {
      const [status, path = ""] = line.split("\t");
      const unit = path.replace(/\/terragrunt\.hcl$/, "");
      (status === "D" ? deleted : changed).push(unit);
    }
    const push = job.source.event === "push";
    const jobs: Job[] = [];
    const source = { event: job.source.event, base: job.source.base, head: job.source.head, branch: job.source.branch };
    if (changed.length > 0)
      jobs.push(makeJob({ action: push ? "apply" : "plan", units: changed, ref: job.source.head, source }));
    if (deleted.length > 0)
      jobs.push(makeJob({ action: push ? "destroy" : "plan-destroy", units: deleted, ref: job.source.base, source }));
    return jobs;
  };
}

export const unit = (name: string) => `# unit ${name}\nterraform {\n  source = "../../modules/null"\n}\n`;

/** The refusal a check ends in (anything else thrown is rethrown; passing fails the test). */
export async function refusal(promise: Promise<unknown>): Promise<GuardRefusedError> {
  const error = await promise.then(
    () => new Error("expected the job to be refused, but it passed"),
    (caught: unknown) => caught,
  );
  if (!GuardRefusedError.isGuardRefusal(error)) throw error;
  return error;
}
