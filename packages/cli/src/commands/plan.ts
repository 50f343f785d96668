import { appendFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  githubOutputLine,
  planChange,
  planFormats,
  renderPlan,
  type PlanDocument,
  type PlanFormat,
} from "@gantry/classifier";
import { planFromRecord } from "@gantry/dispatcher";
import { usageError } from "@gantry/errors";
import { changeRangeOptions, parseCommandArgs, parseEvent, requireOption } from "../args.js";
import { deploymentRecordSetting, recordOptions, recordOptionsHelp } from "../deployment-record.js";
import type { Command } from "../io.js";

const help = `usage: gantry plan --repo DIR --base REF --head REF --event pull_request|push [options]
       gantry plan --repo DIR --event push [--head REF] [options]

Classifies the change between two commits and prints the ordered jobs to run. A push without --base plans
what \`gantry run --event push\` would deploy now: from the deployment record to the deploy branch's tip,
leaving out the units already deployed (listed as skipped). Nothing is written.

options:
  --repo DIR          the git repository (default: current directory)
  --base REF          the commit compared against (the deploy branch on a pull request, the push's "before")
  --head REF          the commit planned (the pull request head, or the pushed commit; a push from the record:
                      default the deploy branch's tip)
  --event EVENT       pull_request (plan / plan-destroy) or push (apply / destroy on the deploy branch)
  --branch NAME       the event's branch (default: from GitHub Actions, else the deploy branch)
${recordOptionsHelp(22)}
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
      ...recordOptions,
      format: { type: "string" },
      json: { type: "boolean" },
      "no-cache": { type: "boolean" },
    },
    help,
  );
  const event = parseEvent("plan", values.event);
  const format = (values.json ? "json" : (values.format ?? "text")) as PlanFormat;
  if (!planFormats.includes(format)) {
    throw usageError(`--format must be one of ${planFormats.join(", ")}, not '${format}'`, { command: "plan" });
  }

  const repo = resolve(io.cwd, values.repo ?? ".");
  const planRange = (
    range: { base: string; head: string },
    skipUnits?: Parameters<typeof planChange>[0]["skipUnits"],
    branch = values.branch,
  ) =>
    planChange({
      repo,
      base: range.base,
      head: range.head,
      event,
      ...(branch ? { branch } : {}),
      cache: !values["no-cache"],
      env: io.env,
      ...(skipUnits ? { skipUnits } : {}),
    });
  let plan: PlanDocument;
  if (event === "push" && values.base === undefined) {
    const record = await deploymentRecordSetting(repo, values, io.env);
    const planned = await planFromRecord({
      store: record.store,
      history: record.history,
      deployBranch: record.deployBranch,
      tip: record.tip,
      ...(values.head ? { head: values.head } : {}),
      plan: (range, skipUnits) => planRange(range, skipUnits, record.deployBranch),
    });
    plan = planned.plan;
    io.stderr.write(
      `gantry plan: ${planned.range.base.slice(0, 12)}..${planned.range.head.slice(0, 12)} from the deployment record (${record.store.description})\n`,
    );
  } else {
    plan = await planRange({
      base: requireOption("plan", values.base, "base"),
      head: requireOption("plan", values.head, "head"),
    });
  }

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
