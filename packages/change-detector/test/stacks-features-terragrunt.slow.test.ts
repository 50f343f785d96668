/**
 * Stack-file features beyond `unit`/`stack` blocks, against the real terragrunt (v1.1.3): which units each stack
 * file generates (`terragrunt stack generate`, then its directories holding a terragrunt.hcl) and what a change
 * reaches (`terragrunt find --filter`). `include` is evaluated as Terragrunt does; what Gantry does not evaluate
 * (`autoinclude` of the stack-dependencies experiment, `expansion` of block-iteration, an include Terragrunt
 * refuses) is reported conservatively: the unit, or the stack's units, with a problem, never dropped. Each
 * disagreement is listed with who is right.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { listUnits } from "../src/index.js";
import { createTempGitRepo, detect } from "./helpers.js";

const root = resolve(import.meta.dirname, "../../..");
const terragrunt = () =>
  process.env.GANTRY_TERRAGRUNT ??
  join(execFileSync("bash", [join(root, "scripts/ensure-iac-tools.sh")], { encoding: "utf8" }).trim(), "terragrunt");
const TG_ENV = { ...process.env, TG_LOG_LEVEL: "error", TG_NON_INTERACTIVE: "true", TG_NO_TIPS: "true" };

const FILES = {
  "catalog/unit/terragrunt.hcl": "inputs = {\n  a = values.a\n}\n",
  "common.stack.hcl":
    'unit "extra" {\n  source = "${get_repo_root()}/catalog/unit"\n  path   = "extra"\n  values = { a = local.a }\n}\n',
  "live/include/terragrunt.stack.hcl":
    'locals {\n  a = 1\n}\ninclude "common" {\n  path = "${get_repo_root()}/common.stack.hcl"\n}\nunit "own" {\n  source = "../../catalog/unit"\n  path   = "own"\n  values = { a = 2 }\n}\n',
  "with-locals.stack.hcl":
    'locals {\n  b = 1\n}\nunit "x" {\n  source = "${get_repo_root()}/catalog/unit"\n  path   = "x"\n}\n',
  "live/include-refused/terragrunt.stack.hcl":
    'include "w" {\n  path = "${get_repo_root()}/with-locals.stack.hcl"\n}\nunit "own" {\n  source = "../../catalog/unit"\n  path   = "own"\n  values = { a = 2 }\n}\n',
  "live/autoinclude/terragrunt.stack.hcl":
    'unit "own" {\n  source = "../../catalog/unit"\n  path   = "own"\n  values = { a = 2 }\n  autoinclude {\n    inputs = { b = 1 }\n  }\n}\n',
  "live/expansion/terragrunt.stack.hcl":
    'unit "own" {\n  source = "../../catalog/unit"\n  path   = "own"\n  values = { a = 2 }\n  expansion {\n    for_each = toset(["a", "b"])\n  }\n}\n',
};

/** The units `terragrunt stack generate` writes for one stack directory of a checkout of `dir`. */
function terragruntGenerated(dir: string, stackDir: string): { units: string[]; error: string } {
  const copy = mkdtempSync(join(tmpdir(), "gantry-tg-generate-"));
  try {
    execFileSync("git", ["clone", "-q", dir, copy]);
    const run = spawnSync(terragrunt(), ["stack", "generate", "--no-color", "--working-dir", join(copy, stackDir)], {
      encoding: "utf8",
      env: TG_ENV,
    });
    const units: string[] = [];
    const walk = (path: string) => {
      for (const name of readdirSync(path)) {
        const full = join(path, name);
        if (name === "terragrunt.hcl") units.push(relative(copy, path));
        else if (statSync(full).isDirectory() && name !== ".git") walk(full);
      }
    };
    walk(join(copy, stackDir));
    return {
      units: units.filter((unit) => unit.includes(".terragrunt-stack")).sort(),
      error: run.status === 0 ? "" : run.stderr,
    };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

describe("stack-file features, against terragrunt stack generate and find", () => {
  test("include is evaluated; autoinclude, expansion and a refused include are reported, never dropped", async () => {
    await using repo = createTempGitRepo(FILES);
    const listed = await listUnits({ repo: repo.dir, commit: "HEAD" });
    const gantry = (stackDir: string) =>
      listed.filter((unit) => unit.generatedBy?.stackFile === `${stackDir}/terragrunt.stack.hcl`);

    // include: the same units, evaluated with the including file's locals.
    const include = terragruntGenerated(repo.dir, "live/include");
    expect(include).toEqual({
      units: ["live/include/.terragrunt-stack/extra", "live/include/.terragrunt-stack/own"],
      error: "",
    });
    expect(gantry("live/include").map((unit) => [unit.path, unit.generatedBy!.problem])).toEqual(
      include.units.map((unit) => [unit, undefined]),
    );

    // An include Terragrunt refuses (the included file has locals): it generates nothing and fails; Gantry reports
    // the stack's units as unknown with Terragrunt's reason. Both are right: nothing can be deployed from it.
    const refused = terragruntGenerated(repo.dir, "live/include-refused");
    expect(refused.units).toEqual([]);
    expect(refused.error).toContain('included stack file "w" must not define locals');
    expect(gantry("live/include-refused").map((unit) => [unit.path, unit.generatedBy!.problem])).toEqual([
      ["live/include-refused/.terragrunt-stack", 'included stack file "w" must not define locals'],
    ]);

    // autoinclude: Terragrunt v1.1.3 generates the unit with a terragrunt.autoinclude.hcl it includes. Gantry does
    // not evaluate it: the same unit, marked unknown (any change reports it). Terragrunt is more precise.
    const autoinclude = terragruntGenerated(repo.dir, "live/autoinclude");
    expect(autoinclude).toEqual({ units: ["live/autoinclude/.terragrunt-stack/own"], error: "" });
    expect(gantry("live/autoinclude").map((unit) => [unit.path, unit.generatedBy!.problem])).toEqual([
      [
        "live/autoinclude/.terragrunt-stack/own",
        expect.stringContaining("autoinclude blocks (a Terragrunt experiment) are not evaluated"),
      ],
    ]);

    // expansion: refused without the block-iteration experiment; with it, one unit per element. Gantry: the
    // block's unit, marked unknown (which experiment is on is not in the repository).
    const expansion = terragruntGenerated(repo.dir, "live/expansion");
    expect(expansion.units).toEqual([]);
    expect(expansion.error).toContain("requires the 'block-iteration' experiment");
    expect(gantry("live/expansion").map((unit) => [unit.path, unit.generatedBy!.problem])).toEqual([
      [
        "live/expansion/.terragrunt-stack/own",
        expect.stringContaining("expansion blocks (a Terragrunt experiment) are not evaluated"),
      ],
    ]);
  });

  test("a change to an included stack file reaches the units it feeds, as terragrunt find reports", async () => {
    await using repo = createTempGitRepo({
      "catalog/unit/terragrunt.hcl": FILES["catalog/unit/terragrunt.hcl"],
      "common.stack.hcl": FILES["common.stack.hcl"],
      "live/include/terragrunt.stack.hcl": FILES["live/include/terragrunt.stack.hcl"],
    });
    const base = repo.sha();
    const head = repo.commit({ "common.stack.hcl": FILES["common.stack.hcl"].replace("local.a", "local.a + 10") });
    const found = JSON.parse(
      execFileSync(terragrunt(), ["find", "--json", "--no-color", "--filter", `[${base}...${head}]`], {
        cwd: repo.dir,
        encoding: "utf8",
        env: TG_ENV,
      }),
    ) as Array<{ type: string; path: string }>;
    const terragruntUnits = found.filter((entry) => entry.type === "unit").map((entry) => entry.path);
    const result = await detect(repo.dir, base, head);
    expect(terragruntUnits).toEqual(["live/include/.terragrunt-stack/extra"]);
    expect(result.units.map((unit) => [unit.path, unit.status])).toEqual([
      ["live/include/.terragrunt-stack/extra", "changed"],
    ]);
  });
});
