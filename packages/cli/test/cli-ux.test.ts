import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EXIT_CODE_RANGES } from "@gantry/errors";
import { COMMAND_EXIT_CODES, rangeText } from "../src/exit-codes.js";
import { commands } from "../src/main.js";
import { runGantry } from "./support/run-gantry.js";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const gantry = (...argv: string[]) => runGantry(packageDir, {}, ...argv);
// Node's own parseArgs wording, which must never reach a user.
const nodeParserText = /To specify a positional|argument is ambiguous|Unknown option|ERR_PARSE_ARGS/;

describe("the gantry command line", () => {
  it("suggests the command meant, for a command and for `gantry help`", async () => {
    const typo = await gantry("plna", "--repo", ".");
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("unknown command 'plna': did you mean 'gantry plan'?");
    expect((await gantry("help", "dispach")).stderr).toContain("did you mean 'gantry dispatch'?");
    expect((await gantry("iam", "lnt")).stderr).toContain("did you mean 'gantry iam lint'?");
    expect((await gantry("xyzzy")).stderr).not.toContain("did you mean");
  });

  it("names a mistyped option and the closest ones, in its own words, for every command", async () => {
    const typo = await gantry("plan", "--fromat", "json");
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("unknown option --fromat: did you mean --format VALUE?");
    expect(typo.stderr).toContain("see `gantry help plan`");
    expect((await gantry("iam", "trust-policy", "--rep", "x")).stderr).toContain(
      "did you mean --repo VALUE, --repo-id VALUE or --repo-owner VALUE?",
    );
    for (const name of Object.keys(commands)) {
      const argv = name === "iam" ? ["iam", "lint", "--nosuch"] : [name, "--nosuch"];
      const run = await gantry(...argv);
      expect(run.exitCode, name).toBe(2);
      expect(run.stderr, name).toContain("unknown option --nosuch");
      expect(run.stderr, name).not.toMatch(nodeParserText);
    }
  });

  it("reads OpenTofu's one-dash habit (-json) as the option meant, and suggests nothing for a stray letter", async () => {
    expect((await gantry("plan", "-json")).stderr).toContain("unknown option -json: did you mean --json?");
    expect((await gantry("plan", "-bsae=x")).stderr).toContain("unknown option -bsae: did you mean --base VALUE?");
    const letter = await gantry("plan", "-x");
    expect(letter.exitCode).toBe(2);
    expect(letter.stderr).toContain("unknown option -x\n");
    expect(letter.stderr).not.toContain("did you mean");
    // Node names `-h, --help` together; the message names the option once.
    expect((await gantry("dispatch", "--help=1")).stderr).toContain("error [USAGE]: --help takes no value\n");
  });

  it("suggests the subcommand and the top-level option meant", async () => {
    expect((await gantry("record", "shwo")).stderr).toContain(
      "unknown record subcommand 'shwo': did you mean 'gantry record show'?",
    );
    expect((await gantry("record")).stderr).toContain("name the subcommand: show or mark");
    expect((await gantry("--verison")).stderr).toContain(
      "unknown option '--verison': did you mean 'gantry --version'?",
    );
    expect((await gantry("-version")).stderr).toContain("did you mean 'gantry --version'?");
  });

  it("takes --json on every command that reports", async () => {
    const reporting = [
      "detect",
      "plan",
      "fetch-deploy-branch",
      "execute",
      "run",
      "record",
      "dispatch",
      "report",
      "init",
      "doctor",
    ];
    // completion prints a script; iam trust-policy prints the policy (JSON already), iam lint takes --json.
    expect(
      Object.keys(commands)
        .filter((name) => !reporting.includes(name))
        .sort(),
    ).toEqual(["completion", "iam"]);
    for (const name of reporting) expect((await gantry("help", name)).stdout, name).toMatch(/\n {2}--json +/);
    expect((await gantry("help", "iam", "lint")).stdout).toContain(
      "gantry iam lint FILE [--role plan|apply] [--pipelines-repository OWNER/REPO] [--json]",
    );
  });

  it("says which value is missing or unexpected", async () => {
    const missing = await gantry("plan", "--repo");
    expect(missing.stderr).toContain("--repo needs a value (--repo VALUE)");
    const ambiguous = await gantry("plan", "--repo", "--json");
    expect(ambiguous.stderr).toContain("--repo needs a value");
    expect(ambiguous.stderr).not.toMatch(nodeParserText);
    expect((await gantry("plan", "--json=yes")).stderr).toContain("--json takes no value");
    expect((await gantry("plan", "--base", "a", "--head", "b", "--event", "pull-request")).stderr).toContain(
      "did you mean 'pull_request'?",
    );
  });

  it("prints the same help for `gantry help COMMAND` and `gantry COMMAND --help`, ending with its exit codes from the one table", async () => {
    for (const name of Object.keys(commands)) {
      const help = await gantry("help", name);
      expect(help.exitCode, name).toBe(0);
      expect((await gantry(name, "--help")).stdout, name).toBe(help.stdout);
      expect(help.stdout.match(/Exit codes:/g), name).toHaveLength(1);
      const section = help.stdout.slice(help.stdout.indexOf("Exit codes:")).replace(/\n {3,}/g, " ");
      for (const row of [...COMMAND_EXIT_CODES[name]!, "internal" as const])
        expect(section, `${name}: ${row}`).toMatch(
          new RegExp(
            `\\n  ${rangeText(row)} +${EXIT_CODE_RANGES[row].meaning.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`,
          ),
        );
    }
    expect((await gantry("help", "iam", "lint")).stdout).toBe((await gantry("iam", "lint", "-h")).stdout);
  });

  it("prints its version, and the usage with no command", async () => {
    const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string };
    expect((await gantry("--version")).stdout).toBe(`${version}\n`);
    const bare = await gantry();
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toContain("gantry help COMMAND");
  });
});

describe("gantry completion", () => {
  /** What bash offers after the words typed so far (the last one being completed). */
  function complete(script: string, ...words: string[]): string[] {
    const line = `COMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _gantry; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync("bash", ["-c", `${script}\n${line}`], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
  }

  it("completes commands, subcommands and each command's options in bash", async () => {
    const { stdout: script, exitCode } = await gantry("completion", "bash");
    expect(exitCode).toBe(0);
    expect(complete(script, "gantry", "pl")).toEqual(["plan"]);
    expect(complete(script, "gantry", "help", "di")).toEqual(["dispatch"]);
    expect(complete(script, "gantry", "plan", "--fo")).toEqual(["--format"]);
    expect(complete(script, "gantry", "iam", "")).toEqual(["trust-policy", "lint", "--help"]);
    expect(complete(script, "gantry", "iam", "lint", "--")).toEqual([
      "--role",
      "--pipelines-repository",
      "--json",
      "--help",
    ]);
    // After an option that takes a value, bash falls back to file names (`complete -o default`).
    expect(complete(script, "gantry", "plan", "--repo", "")).toEqual([]);
  });

  it("writes zsh and fish scripts with the same commands and options", async () => {
    const zsh = (await gantry("completion", "zsh")).stdout;
    expect(zsh).toContain("bashcompinit");
    expect(zsh).toContain("complete -o default -F _gantry gantry");
    const fish = (await gantry("completion", "fish")).stdout;
    for (const name of Object.keys(commands)) expect(fish).toContain(`-a ${name} -d`);
    expect(fish).toContain("complete -c gantry -n '__fish_seen_subcommand_from plan' -l format -r -F");
    expect(fish).toContain("-n '__fish_seen_subcommand_from iam; and __fish_seen_subcommand_from lint' -l role -r -F");
    expect((await gantry("completion", "bsh")).stderr).toContain("did you mean 'bash'");
  });
});
