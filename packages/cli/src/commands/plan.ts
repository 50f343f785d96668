import { appendFile } from "node:fs/promises";
import { resolve } from "node:path";
import { githubOutputLine, planChange, planFormats, renderPlan, type PlanFormat } from "@gantry/classifier";
import { GantryError } from "@gantry/errors";
import { changeRangeOptions, parseCommandArgs, parseEvent, requireOption } from "../args.js";
import type { Command } from "../io.js";

const help = `usage: gantry plan --repo DIR --base REF --head REF --event pull_request|push [options]

Classifies the change between two commits and prints the ordered jobs to run.

options:
  --repo DIR          the git repository (default: current directory)
  --base REF          the commit compared against (the deploy branch on a pull request, the push's "before")
  --head REF          the commit planned (the pull request head, or the pushed commit)
  --event EVENT       pull_request (plan / plan-destroy) or push (apply / destroy on the deploy branch)
  --branch NAME       the event's branch (default: from GitHub Actions, else the deploy branch)
  --format FORMAT     json | text | mermaid | github-matrix (default: text; github-matrix appends
                      matrix=<json> to $GITHUB_OUTPUT when set)
  --json              same as --format json
  --no-cache          do not use detection's parse cache
`;

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "plan",
    argv,
    {
      ...changeRangeOptions,
      format: { type: "string" },
      json: { type: "boolean" },
      "no-cache": { type: "boolean" },
    },
    help,
  );
  const event = parseEvent("plan", values.event);
  const format = (values.json ? "json" : (values.format ?? "text")) as PlanFormat;
  if (!planFormats.includes(format)) {
    throw new GantryError("USAGE", `--format must be one of ${planFormats.join(", ")}, not '${format}'`, { hint: "see `gantry plan --help`", exitCode: 2 });
  }

  const plan = await planChange({
    repo: resolve(io.cwd, values.repo ?? "."),
    base: requireOption("plan", values.base, "base"),
    head: requireOption("plan", values.head, "head"),
    event,
    ...(values.branch ? { branch: values.branch } : {}),
    cache: !values["no-cache"],
    env: io.env,
  });

  const outputFile = io.env["GITHUB_OUTPUT"];
  if (format === "github-matrix" && outputFile) {
    await appendFile(outputFile, githubOutputLine(plan));
    io.stderr.write(`gantry plan: wrote ${plan.jobs.length} job(s) as matrix= to $GITHUB_OUTPUT\n`);
  } else {
    io.stdout.write(renderPlan(plan, format));
  }
  if (plan.notice && format !== "text") io.stderr.write(`gantry plan: ${plan.notice}\n`);
  return 0;
};
