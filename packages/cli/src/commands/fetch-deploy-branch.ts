import { resolve } from "node:path";
import { resolveDeployBranchTip, readToken, trustedDeployBranch } from "@gantry/guards";
import { parseCommandArgs } from "../args.js";
import type { Command } from "../io.js";

const help = `usage: gantry fetch-deploy-branch [--repo DIR] [--deploy-branch NAME] [--json]

Fetches the deploy branch from origin into refs/remotes/origin/NAME, with GANTRY_CODE_READ_TOKEN, and does
nothing else: the guards' trusted fetch, as its own workflow step. The step after it runs \`gantry execute\`
(or \`gantry run\`) with GANTRY_DEPLOY_BRANCH_FETCHED=true and no token, so no process of the step that runs
terragrunt, and pull requests' hooks, ever held the token.

  --repo DIR         the repository (default: the current directory)
  --deploy-branch B  the branch that deploys (default GANTRY_DEPLOY_BRANCH, else main)
  --json             print {"branch", "commit", "source"} instead of one line`;

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "fetch-deploy-branch",
    argv,
    { repo: { type: "string" }, "deploy-branch": { type: "string" }, json: { type: "boolean" } },
    help,
  );
  const repo = resolve(io.cwd, values.repo ?? ".");
  const tip = await resolveDeployBranchTip(repo, trustedDeployBranch(values["deploy-branch"], io.env), {
    fetch: true,
    token: readToken(io.env, "code-read"),
  });
  io.stdout.write(
    values.json
      ? `${JSON.stringify(tip)}\n`
      : tip.source === "origin"
        ? `fetched ${tip.branch} from origin: ${tip.commit}\n`
        : `no remote origin: the local branch ${tip.branch} is at ${tip.commit}\n`,
  );
  return 0;
};
