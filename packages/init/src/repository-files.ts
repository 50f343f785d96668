/**
 * The non-workflow files of both repositories: infrastructure-live's `.gantry/config.yml` (with its JSON Schema,
 * at the commit of the Action the workflows run, so editors check it against the version that reads it) and
 * the CODEOWNERS of what decides privilege.
 */
import { repositoryName, header, type GeneratedFile } from "./render-shared.js";
import type { InitSettings } from "./settings.js";

export const CONFIG_FILE = ".gantry/config.yml";
export const CODEOWNERS_FILE = ".github/CODEOWNERS";

/** Where the configuration's JSON Schema is, at the Action's commit. */
export function configSchemaUrl(settings: InitSettings): string {
  return `https://raw.githubusercontent.com/${settings.action.repository}/${settings.action.sha}/packages/classifier/config.schema.json`;
}

function environments(settings: InitSettings): string {
  if (settings.accounts.length === 0) {
    return `environments:
  # One environment for every unit, with no AWS account yet: run \`gantry init --aws-account-id ...\` again, or add
  #   aws: { accountId: "123456789012", planRoleArn: ..., applyRoleArn: ..., region: us-east-1 }
  - name: default
    paths: ["**"]`;
  }
  const role = (accountId: string, name: string) => `arn:aws:iam::${accountId}:role/${name}`;
  const blocks = settings.accounts.map(
    (account) => `  - name: ${account.environment}
    paths: [${account.paths.map((path) => JSON.stringify(path)).join(", ")}]
    aws:
      accountId: "${account.accountId}"
      planRoleArn: ${role(account.accountId, settings.planRoleName)}
      applyRoleArn: ${role(account.accountId, settings.applyRoleName)}`,
  );
  return `environments:\n  # Every unit must match exactly one environment; each has its AWS account's two roles (iam/ in ${repositoryName(settings.pipelines)}).\n${blocks.join("\n")}`;
}

export function configFile(settings: InitSettings): GeneratedFile {
  const content = `${header(settings, "#", [
    "",
    "How Gantry classifies changes and plans jobs here. The pipelines side reads it from the deploy branch's tip:",
    "a change takes effect once merged, and every key is described by the schema below.",
  ])}
$schema: ${configSchemaUrl(settings)}
deployBranch: ${settings.deployBranch}
pipelinesRepository: ${repositoryName(settings.pipelines)}
${environments(settings)}
`;
  return { path: CONFIG_FILE, content };
}

export function liveCodeowners(settings: InitSettings): GeneratedFile {
  const content = `${header(settings, "#", [
    "",
    "What decides how infrastructure is deployed needs an administrator's review (with \"Require review from Code",
    'Owners" on the deploy branch: see GANTRY_SETUP.md in the pipelines repository).',
  ])}
/.gantry/ @${settings.adminTeam}
/.github/ @${settings.adminTeam}
`;
  return { path: CODEOWNERS_FILE, content };
}

export function pipelinesCodeowners(settings: InitSettings): GeneratedFile {
  const content = `${header(settings, "#", ["", "Everything here can reach the apply role: administrators only."])}
* @${settings.adminTeam}
`;
  return { path: CODEOWNERS_FILE, content };
}
