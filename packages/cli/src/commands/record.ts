import { resolve } from "node:path";
import { commitOnDeployBranch, initialRecord, type DeploymentRecord } from "@gantry/dispatcher";
import { formatDidYouMean, GantryError, usageError } from "@gantry/errors";
import { parseCommandArgs, requireOption, synopsis } from "../args.js";
import { deploymentRecordSetting, recordOptions, recordOptionsHelp } from "../deployment-record.js";
import type { Command } from "../io.js";

const help = `usage: gantry record show [--repo DIR] [--json] [options]
       gantry record mark --commit REF [--replace] [--repo DIR] [options]

The deployment record: for the deploy branch, the commit each unit is deployed as of. \`gantry run --event
push\` deploys from it to the deploy branch's tip and advances it by what succeeded.

  show               print the record (--json: the gantry/v1 DeploymentRecord document)
  mark               record that everything merged up to --commit is deployed: how a team adopting Gantry
                     starts (the commit deployed today); the commit must be on the deploy branch.
                     --replace overwrites an existing record (after the deploy branch was rewritten)

  --repo DIR         the repository (default: the current directory)
  --commit REF       (mark) the commit deployed today
  --replace          (mark) replace the existing record
  --json             (show) print the document
${recordOptionsHelp(21)}`;

function describe(record: DeploymentRecord, where: string): string {
  const lines = [
    `Deployment record of '${record.deployBranch}' (${where}):`,
    `  every unit is deployed as of ${record.commit}`,
  ];
  for (const [environment, commit] of Object.entries(record.environments))
    lines.push(`  environment ${environment}: as of ${commit}`);
  for (const [unit, entry] of Object.entries(record.units))
    lines.push(`  ${unit} (${entry.environment}): as of ${entry.commit}`);
  if (record.lease)
    lines.push(
      `  being deployed by ${record.lease.holder} since ${record.lease.acquiredAt} (lease until ${record.lease.expiresAt})`,
    );
  lines.push(`  last written by ${record.updatedBy} at ${record.updatedAt}`);
  return `${lines.join("\n")}\n`;
}

export const command: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(
    "record",
    argv,
    {
      repo: { type: "string" },
      commit: { type: "string" },
      replace: { type: "boolean" },
      json: { type: "boolean" },
      ...recordOptions,
    },
    help,
  );
  const action = positionals[0];
  if (action === undefined)
    throw usageError("name the subcommand: show or mark", { command: "record", hint: synopsis(help) });
  if (action !== "show" && action !== "mark") {
    const suggestion = formatDidYouMean(action, ["show", "mark"], (name) => `'gantry record ${name}'`);
    throw usageError(`unknown record subcommand '${action}'${suggestion ? `: ${suggestion}` : ""}`, {
      command: "record",
      hint: synopsis(help),
    });
  }
  if (positionals.length > 1)
    throw usageError(`gantry record ${action} takes no further arguments, not '${positionals.slice(1).join(" ")}'`, {
      command: "record",
      hint: synopsis(help),
    });
  const repo = resolve(io.cwd, values.repo ?? ".");
  const setting = await deploymentRecordSetting(repo, values, io.env);
  const current = await setting.store.read();

  if (action === "show") {
    if (!current) {
      throw new GantryError(
        "RECORD_MISSING",
        `there is no deployment record for '${setting.deployBranch}' (${setting.store.description})`,
        {
          hint: "mark the commit deployed today with `gantry record mark --commit SHA`, or run `gantry run --event push --base SHA` once",
        },
      );
    }
    io.stdout.write(
      values.json
        ? `${JSON.stringify(current.record, null, 2)}\n`
        : describe(current.record, setting.store.description),
    );
    return 0;
  }

  const commit = await commitOnDeployBranch(
    repo,
    requireOption("record", values.commit, "commit"),
    await setting.tip(),
  );
  if (current && !values.replace) {
    throw new GantryError(
      "RECORD_EXISTS",
      `the deployment record of '${setting.deployBranch}' already says every unit is deployed as of ${current.record.commit}`,
      {
        hint: "a record is marked once; runs advance it. Pass --replace only when the record is wrong (e.g. the deploy branch was rewritten)",
      },
    );
  }
  const lease = current?.record.lease;
  if (lease && Date.parse(lease.expiresAt) > Date.now()) {
    throw new GantryError("RECORD_LEASE_BUSY", `${lease.holder} is deploying (lease until ${lease.expiresAt})`, {
      hint: "wait for that run to finish, then mark again",
    });
  }
  const written = await setting.store.compareAndSwap(
    current?.version,
    initialRecord(setting.deployBranch, commit, setting.holder, new Date()),
    `gantry: marked ${commit} as deployed by ${setting.holder}`,
  );
  if (!written.swapped) {
    throw new GantryError(
      "RECORD_LEASE_BUSY",
      "the deployment record changed while it was being marked (a deployment started)",
      { hint: "run `gantry record show`, then mark again if needed" },
    );
  }
  io.stdout.write(`Marked ${commit} as deployed on '${setting.deployBranch}' (${setting.store.description}).\n`);
  return 0;
};
