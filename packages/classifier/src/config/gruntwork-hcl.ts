/**
 * Reads Gruntwork Pipelines' HCL configuration (`.gruntwork/*.hcl`) so its users can switch without
 * rewriting it. Honoured:
 *
 * - `repository { deploy_branch_name, consolidate_added_or_changed, consolidate_deleted, ignore_list,
 *   env { NAME = "value" } }` (`tf_binary` and other attributes are ignored: Gantry always runs OpenTofu
 *   through Terragrunt);
 * - `environment "name" { filter { paths = [...] } authentication { aws_oidc { account_id,
 *   plan_iam_role_arn, apply_iam_role_arn, region, session_duration } } }`.
 *
 * Not honoured (reported in the README): `aws { accounts ... }` lookups (write account ids literally),
 * `unit` blocks, and `gruntwork.hcl` files beside units. A Gruntwork filter glob `acct/*` covers every
 * unit below `acct/<x>` (their filters match a unit's directory or any directory above it), so each
 * Gruntwork glob `g` becomes the pair `g`, `g/**`.
 */
import { parseHcl, evaluate, isUnknown, standardFunctions, type Attribute, type Block, type Body } from "@gantry/hcl";
import { GantryError } from "@gantry/errors";
import { parseIgnoreList } from "./gruntwork-yaml.js";
import type { GantryConfig, GantryConfigInput } from "./schema.js";
import { formatConfigPath, validateConfig, type ConfigPath, type ConfigPosition } from "./validate.js";

export interface ConfigFileText {
  path: string;
  text: string;
}

type EnvironmentInput = NonNullable<GantryConfigInput["environments"]>[number];

export function parseGruntworkConfigHcl(files: readonly ConfigFileText[]): GantryConfig {
  const input: GantryConfigInput = {};
  const environments: EnvironmentInput[] = [];
  // Where each Gantry key came from, so schema errors point at the Gruntwork attribute.
  const positions = new Map<string, ConfigPosition>();
  let repositoryFile: string | undefined;
  const first = files[0];
  if (!first) throw new Error("parseGruntworkConfigHcl needs at least one file");

  for (const file of files) {
    const reader = new HclReader(file, positions);
    for (const block of reader.body.blocks) {
      if (block.type === "repository") {
        if (repositoryFile !== undefined) {
          reader.fail(
            block.range.start,
            `a second repository block (the first is in ${repositoryFile})`,
            "keep one repository block",
          );
        }
        repositoryFile = file.path;
        readRepository(reader, block.body, input);
      } else if (block.type === "environment") {
        environments.push(readEnvironment(reader, block, environments.length));
      }
    }
  }
  if (environments.length > 0) input.environments = environments;
  const locate = (path: ConfigPath) => {
    for (let length = path.length; length > 0; length--) {
      const position = positions.get(formatConfigPath(path.slice(0, length)));
      if (position) return position;
    }
    return undefined;
  };
  return validateConfig(input, repositoryFile ?? first.path, locate, "check the Gruntwork configuration's values");
}

function readRepository(reader: HclReader, body: Body, input: GantryConfigInput): void {
  for (const attribute of body.attributes) {
    switch (attribute.name) {
      case "deploy_branch_name":
        reader.record(["deployBranch"], attribute.range.start);
        input.deployBranch = reader.string(attribute);
        break;
      case "consolidate_added_or_changed":
        input.consolidation = reader.boolean(attribute) ? "environment" : "unit";
        break;
      case "consolidate_deleted":
        input.consolidateDeleted = reader.boolean(attribute);
        break;
      case "ignore_list": {
        reader.record(["ignore"], attribute.range.start);
        const list = parseIgnoreList(reader.value(attribute));
        if (!list)
          reader.fail(attribute.range.start, "ignore_list must be a comma-separated string or a list of globs");
        input.ignore = list;
        break;
      }
      default:
        break; // tf_binary and friends: no meaning for Gantry.
    }
  }
  for (const block of body.blocks) {
    if (block.type !== "env") continue;
    const env: Record<string, string> = {};
    for (const attribute of block.body.attributes) env[attribute.name] = String(reader.value(attribute));
    input.terragrunt = { env };
  }
}

function readEnvironment(reader: HclReader, block: Block, index: number): EnvironmentInput {
  const name = block.labels[0];
  reader.record(["environments", index], block.range.start);
  if (name === undefined)
    reader.fail(block.range.start, 'an environment block needs a name label: environment "prod" { ... }');
  const paths: string[] = [];
  let aws: EnvironmentInput["aws"];
  for (const inner of block.body.blocks) {
    if (inner.type === "filter") {
      const attribute = inner.body.attributes.find((a) => a.name === "paths");
      if (attribute) {
        reader.record(["environments", index, "paths"], attribute.range.start);
        const value = reader.value(attribute);
        if (!Array.isArray(value) || !value.every((glob) => typeof glob === "string")) {
          reader.fail(attribute.range.start, `environment "${name}": filter.paths must be a list of globs`);
        }
        for (const glob of value as string[]) paths.push(glob, `${glob.replace(/\/+$/, "")}/**`);
      }
    } else if (inner.type === "authentication") {
      const oidc = inner.body.blocks.find((b) => b.type === "aws_oidc");
      if (oidc) aws = readAwsOidc(reader, name, oidc.body, oidc.range.start, ["environments", index, "aws"]);
    }
  }
  if (paths.length === 0) {
    reader.fail(
      block.range.start,
      `environment "${name}" has no filter { paths = [...] }`,
      "add a filter block naming the unit directories of the environment",
    );
  }
  return { name, paths, ...(aws ? { aws } : {}) };
}

const awsKeys: Record<string, string> = {
  account_id: "accountId",
  plan_iam_role_arn: "planRoleArn",
  apply_iam_role_arn: "applyRoleArn",
  region: "region",
  session_duration: "sessionDuration",
};

function readAwsOidc(
  reader: HclReader,
  environment: string,
  body: Body,
  at: number,
  path: ConfigPath,
): NonNullable<EnvironmentInput["aws"]> {
  const attributes = new Map(body.attributes.map((a) => [a.name, a]));
  reader.record(path, at);
  for (const attribute of body.attributes) {
    const key = awsKeys[attribute.name];
    if (key) reader.record([...path, key], attribute.range.start);
  }
  const required = (name: string): string => {
    const attribute = attributes.get(name);
    if (!attribute) return reader.fail(at, `environment "${environment}": aws_oidc needs ${name}`);
    return reader.string(attribute);
  };
  const region = attributes.get("region");
  const duration = attributes.get("session_duration");
  return {
    accountId: required("account_id"),
    planRoleArn: required("plan_iam_role_arn"),
    applyRoleArn: required("apply_iam_role_arn"),
    ...(region ? { region: reader.string(region) } : {}),
    ...(duration ? { sessionDuration: Number(reader.value(duration)) } : {}),
  };
}

/** One parsed file, with evaluation and errors that name the file and line. */
class HclReader {
  readonly body: Body;
  private readonly file: ConfigFileText;

  constructor(
    file: ConfigFileText,
    private readonly positions: Map<string, ConfigPosition>,
  ) {
    this.file = file;
    try {
      this.body = parseHcl(file.text, file.path).body;
    } catch (error) {
      const location = GantryError.isInstance(error) ? error.location : undefined;
      throw new GantryError("CONFIG_SYNTAX", `invalid HCL: ${(error as Error).message}`, {
        location: location ?? { file: file.path },
        hint: "fix the HCL syntax in the Gruntwork configuration",
        cause: error,
      });
    }
  }

  record(path: ConfigPath, offset: number): void {
    this.positions.set(formatConfigPath(path), { file: this.file.path, ...lineAt(this.file.text, offset) });
  }

  value(attribute: Attribute): unknown {
    let value: unknown;
    try {
      value = evaluate(attribute.expr, {
        variable: (name: string) => {
          throw new Error(
            `'${name}' is not supported in Gantry's reading of Gruntwork configuration; write the value literally`,
          );
        },
        functions: standardFunctions,
        file: { fileName: this.file.path, source: this.file.text },
      });
    } catch (error) {
      return this.fail(attribute.range.start, `${attribute.name}: ${(error as Error).message}`);
    }
    if (isUnknown(value))
      return this.fail(
        attribute.range.start,
        `${attribute.name}: the value cannot be known when planning (${value.reason})`,
      );
    return value;
  }

  string(attribute: Attribute): string {
    const value = this.value(attribute);
    if (typeof value !== "string" && typeof value !== "number")
      return this.fail(attribute.range.start, `${attribute.name} must be a string`);
    return String(value);
  }

  boolean(attribute: Attribute): boolean {
    const value = this.value(attribute);
    if (typeof value !== "boolean") return this.fail(attribute.range.start, `${attribute.name} must be true or false`);
    return value;
  }

  fail(
    offset: number,
    message: string,
    hint = "fix the Gruntwork configuration, or move to .gantry/config.yml",
  ): never {
    throw new GantryError("CONFIG_INVALID", message, {
      location: { file: this.file.path, ...lineAt(this.file.text, offset) },
      hint,
    });
  }
}

function lineAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}
