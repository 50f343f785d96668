/**
 * Route 4: symlinks that leave the repository, wherever terragrunt and OpenTofu would follow them: a module
 * source directory, a file inside a local module, a nested local module, a dependency's directory, and a path
 * only known at run time (`run_cmd`). Each is refused by `path-containment` (41); the same layouts with
 * symlinks that stay inside pass.
 */
import { describe, expect, it } from "vitest";
import { planChange } from "@gantry/classifier";
import { checkJob } from "../../src/index.js";
import { checkout, gantryConfig, include, infrastructureLive, refusal } from "./support.js";
import type { FileMap } from "@gantry/testkit";

const moduleSource = (source: string) => `${include}terraform {\n  source = ${source}\n}\n`;
const tf = 'resource "terraform_data" "x" {}\n';

async function pushAndCheck(change: FileMap, already: FileMap = {}) {
  const origin = infrastructureLive({ "modules/app/main.tf": tf, ...already });
  const base = origin.sha("main");
  const head = origin.commit(change);
  const job = (await planChange({ repo: origin.dir, base, head, event: "push", branch: "main" })).jobs.find(
    (candidate) => candidate.units.includes("prod/app"),
  )!;
  const pipelines = checkout(origin, head);
  const result = checkJob(job, { repo: pipelines.dir, env: {}, dryRun: false });
  return {
    result,
    async [Symbol.asyncDispose]() {
      await result.catch(() => undefined);
      pipelines.remove();
      origin.remove();
    },
  };
}

describe("route 4: symlinks leaving the repository", () => {
  it.each<[string, FileMap, string, FileMap?]>([
    [
      "a module source directory",
      { "modules/evil": { symlink: "/etc" }, "prod/app/terragrunt.hcl": moduleSource('"../../modules/evil"') },
      "modules/evil",
    ],
    [
      "a file inside a local module",
      {
        "modules/app/passwd": { symlink: "/etc/passwd" },
        "prod/app/terragrunt.hcl": moduleSource('"../../modules/app"'),
      },
      "modules/app/passwd",
    ],
    [
      "a nested local module",
      {
        "modules/app/main.tf": `${tf}module "inner" {\n  source = "./inner"\n}\n`,
        "modules/app/inner": { symlink: "../../../outside" },
        "prod/app/terragrunt.hcl": moduleSource('"../../modules/app"'),
      },
      "modules/app/inner",
    ],
    [
      "a dependency's directory (the dependency in a job of its own)",
      {
        "prod/app/terragrunt.hcl": `${include}dependency "db" {\n  config_path = "../db"\n  mock_outputs = { id = "x" }\n}\n`,
      },
      "prod/db/secrets.tfvars",
      {
        "prod/db/secrets.tfvars": { symlink: "/run/secrets/db" },
        ".gantry/config.yml": `${gantryConfig()}consolidation: unit\n`,
      },
    ],
    [
      "a path computed by run_cmd",
      {
        "modules/link": { symlink: "/tmp" },
        "prod/app/terragrunt.hcl": moduleSource('run_cmd("echo", "../../modules/link")'),
      },
      "modules/link",
    ],
  ])("refuses %s", async (_name, change, link, already) => {
    await using attempt = await pushAndCheck(change, already);
    const error = await refusal(attempt.result);
    expect([error.guard, error.exitCode, error.unit]).toEqual(["path-containment", 41, "prod/app"]);
    expect(error.message).toContain(link);
  });

  it("passes the same layouts when every symlink stays inside the repository", async () => {
    await using attempt = await pushAndCheck({
      "modules/shared": { symlink: "app" },
      "modules/app/variables.tf": { symlink: "../common/variables.tf" },
      "modules/common/variables.tf": 'variable "x" {\n  default = 1\n}\n',
      "prod/app/terragrunt.hcl": moduleSource('"../../modules/shared"'),
    });
    await expect(attempt.result).resolves.toMatchObject({ action: "apply" });
  });
});
