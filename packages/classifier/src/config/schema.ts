/**
 * The schema of `.gantry/config.yml`. It imports nothing but zod so the JSON Schema generator script can
 * load it directly (`scripts/generate-config-schema.ts`). Objects are strict: a misspelt key is an error
 * that names it, not a setting silently ignored.
 */
import { z } from "zod";

const twelveDigits = /^\d{12}$/;
const roleArn = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/.+$/;

export const awsConfigSchema = z
  .strictObject({
    accountId: z
      .string({ error: "must be a quoted string of 12 digits (YAML reads unquoted digits as a number)" })
      .regex(twelveDigits, "must be 12 digits")
      .describe('The AWS account id, quoted: "123456789012".'),
    planRoleArn: z.string().regex(roleArn, "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)"),
    applyRoleArn: z.string().regex(roleArn, "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)"),
    region: z.string().min(1).default("us-east-1").describe("AWS region for STS and Terragrunt."),
    sessionDuration: z
      .number()
      .int()
      .min(900)
      .max(43200)
      .default(3600)
      .describe("Session duration in seconds (900 to 43200)."),
  })
  .meta({ description: "AWS authentication through GitHub OIDC: read-only plan role and apply role." });

export const environmentConfigSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      "must start with a letter or digit and use only letters, digits, '.', '_', '-'",
    ),
  paths: z
    .array(z.string().min(1))
    .min(1)
    .describe(
      "Globs over unit directories: `*` stays inside one path segment, `**` crosses `/`. Every unit must match exactly one environment.",
    ),
  aws: awsConfigSchema.optional(),
});

export const unitOverrideSchema = z.strictObject({
  planOnly: z.boolean().default(false).describe("Never apply or destroy: the unit only ever gets plan / plan-destroy."),
  skip: z.boolean().default(false).describe("Leave the unit out of every job (the change is still reported)."),
});

export const consolidationSchema = z
  .enum(["environment", "unit"])
  .meta({ description: "`environment`: one job per environment for added/changed units; `unit`: one job per unit." });

export const defaultEnvironment = { name: "default", paths: ["**"] } as const;

export const gantryConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    deployBranch: z.string().min(1).default("main").describe("The branch whose pushes apply and destroy."),
    pipelinesRepository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/name")
      .optional()
      .describe("owner/name of the repository whose workflows may deploy (checked by guards)."),
    ignore: z
      .array(z.string().min(1))
      .default([])
      .describe("Changed files matching these globs are ignored (`*` stays inside a segment, `**` crosses `/`)."),
    environments: z
      .array(environmentConfigSchema)
      .min(1)
      .default([{ ...defaultEnvironment, paths: [...defaultEnvironment.paths] }])
      .describe("Environments (accounts): which units belong to each and how to authenticate."),
    units: z
      .record(z.string(), unitOverrideSchema)
      .default({})
      .describe("Per-unit overrides, keyed by a glob over unit directories."),
    consolidation: consolidationSchema.default("environment"),
    consolidateDeleted: z
      .boolean()
      .default(false)
      .describe("Destroy the deleted units of one environment in one job (default: one job per deleted unit)."),
    parallelism: z.number().int().min(1).default(10).describe("Terragrunt --parallelism inside a job."),
    terragrunt: z
      .strictObject({
        flags: z.array(z.string()).default([]),
        env: z
          .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"), z.string())
          .default({}),
      })
      .default({ flags: [], env: {} })
      .describe("Extra Terragrunt flags and environment variables for every job."),
    classifiers: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Classifier plugins: package names or paths relative to the repository, tried before the built-in rules.",
      ),
  })
  .superRefine((config, context) => {
    const seen = new Map<string, number>();
    config.environments.forEach((environment, index) => {
      const first = seen.get(environment.name);
      if (first !== undefined) {
        context.addIssue({
          code: "custom",
          path: ["environments", index, "name"],
          message: `duplicate environment name '${environment.name}' (also environments[${first}])`,
        });
      }
      seen.set(environment.name, index);
    });
  })
  .meta({
    title: "Gantry configuration (.gantry/config.yml)",
    description: "How Gantry classifies changes and plans jobs. Every key is optional.",
  });

export type GantryConfigInput = z.input<typeof gantryConfigSchema>;
export type GantryConfig = z.output<typeof gantryConfigSchema>;
export type EnvironmentConfig = GantryConfig["environments"][number];
export type AwsConfig = NonNullable<EnvironmentConfig["aws"]>;
export type UnitOverride = z.output<typeof unitOverrideSchema>;

/** The JSON Schema editors use for `.gantry/config.yml` (what `config.schema.json` holds). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(gantryConfigSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}
