import { resolve } from "node:path";
import { detectChanges, exitCodeForResult, formatDetectionSummary } from "@gantry/change-detector";
import { parseCommandArgs, parseEvent, requireOption } from "../args.js";
import type { Command } from "../io.js";

const HELP = `usage: gantry detect --base REF --head REF [--repo DIR] [--event pull_request|push] [--json] [--no-cache]

Finds the Terragrunt units a change between two commits affects: units whose files changed, and units that
read a changed file (includes, read_terragrunt_config, terraform.source, local modules, file(), ...).

  --repo DIR      the git repository (default: the current directory)
  --base REF      the ref compared against (branch, tag or SHA)
  --head REF      the ref being reviewed or deployed
  --event E       pull_request (default: compare from the merge-base) or push (the plain range)
  --json          print the gantry/v1 Detection document
  --no-cache      neither read nor write the read cache (<git common dir>/gantry/)
`;

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "detect",
    argv,
    {
      repo: { type: "string" },
      base: { type: "string" },
      head: { type: "string" },
      event: { type: "string" },
      json: { type: "boolean" },
      "no-cache": { type: "boolean" },
    },
    HELP,
  );
  const base = requireOption("detect", values.base, "base");
  const head = requireOption("detect", values.head, "head");
  const event = parseEvent("detect", values.event, "pull_request");
  const result = await detectChanges({
    repo: resolve(io.cwd, values.repo ?? "."),
    base,
    head,
    event,
    cache: !values["no-cache"],
  });
  io.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatDetectionSummary(result));
  const code = exitCodeForResult(result);
  if (code !== 0 && values.json) {
    io.stderr.write("gantry detect: some units could not be fully analysed; see their `problems` in the document\n");
  }
  return code;
};
