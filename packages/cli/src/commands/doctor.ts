import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseConfigFiles } from "@gantry/classifier";
import {
  checkTokenScopes,
  diagnoseGitHubApp,
  githubAppFromEnvironment,
  GITHUB_APP_VARIABLES,
  type GitHubAppDiagnosis,
} from "@gantry/dispatcher";
import { formatLocation, GantryError, usageError } from "@gantry/errors";
import { diagnoseSetup, readToken, TOKEN_SETTINGS, type ReadTokenScopes, type TokenPurpose } from "@gantry/guards";
import { parseCommandArgs } from "../args.js";
import type { Command } from "../io.js";
import { diagnoseWorkflows } from "./doctor-workflows.js";

const HELP = `usage: gantry doctor [--repo DIR] [--pipelines-dir DIR] [--live-repository O/R] [--pipelines-repository O/R]
                     [--json]

Checks what Gantry needs, printing no secret:
  tokens         which of GANTRY_CODE_READ_TOKEN, GANTRY_INFRA_LIVE_TOKEN and GANTRY_DISPATCH_TOKEN are
                 set, and whether classic tokens have scopes broader than their purpose needs (GET /user)
  GitHub App     with GANTRY_GITHUB_APP_ID and GANTRY_GITHUB_APP_PRIVATE_KEY: the App authenticates, is
                 installed on the repository of each role it stands in for (every role whose token is not
                 set), grants no more than Gantry needs, and GitHub mints each role's narrowed token
  tools          terragrunt and tofu run (GANTRY_TERRAGRUNT / GANTRY_TOFU when set, as the executor runs them)
  --repo DIR     that checkout keeps no credentials in .git/config, and its configuration (.gantry/config.yml,
                 or the Gruntwork configuration) is valid, naming the file and line of any problem
  --pipelines-dir DIR
                 that checkout of infrastructure-pipelines' .github/workflows/plan.yml and apply.yml keep
                 Gantry's rules: no actions/cache, no token in the step that runs the tools, and
                 GANTRY_WORKFLOW_ROLE set to the workflow's role; each finding names the file, line and step
GitHub calls go to GITHUB_API_URL (default https://api.github.com). Exits 1 when something needs fixing.

  --live-repository O/R       infrastructure-live, for the App's checks (default GITHUB_REPOSITORY)
  --pipelines-repository O/R  the pipelines repository, for the App's checks (default
                              GANTRY_PIPELINES_REPOSITORY)
  --json                      print the diagnosis (apiVersion gantry/v1, kind Doctor)`;

interface ConfigurationDiagnosis {
  files: string[];
  environments: number | null;
  problem: string | null;
}

/** The working tree's configuration files, as `loadConfig` picks them from a commit. */
function diagnoseConfiguration(repo: string): ConfigurationDiagnosis {
  const list = (dir: string) => {
    try {
      return readdirSync(join(repo, dir)).map((name) => `${dir}/${name}`);
    } catch {
      return [];
    }
  };
  const files = [...list(".gantry"), ...list(".gruntwork")]
    .filter((path) => /^\.gantry\/config\.ya?ml$/.test(path) || /^\.gruntwork\/([^/]+\.hcl|config\.ya?ml)$/.test(path))
    .sort();
  try {
    const loaded = parseConfigFiles(files.map((path) => ({ path, text: readFileSync(join(repo, path), "utf8") })));
    return { files: loaded.files, environments: loaded.config.environments.length, problem: null };
  } catch (error) {
    if (!GantryError.isInstance(error)) throw error;
    const where = error.location ? `${formatLocation(error.location)}: ` : "";
    return { files, environments: null, problem: `${where}${error.message}${error.hint ? ` (${error.hint})` : ""}` };
  }
}

const repositoryPattern = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs(
    "doctor",
    argv,
    {
      json: { type: "boolean" },
      repo: { type: "string" },
      "pipelines-dir": { type: "string" },
      "live-repository": { type: "string" },
      "pipelines-repository": { type: "string" },
    },
    HELP,
  );
  const repositories = {
    live: values["live-repository"] ?? io.env.GITHUB_REPOSITORY,
    pipelines: values["pipelines-repository"] ?? io.env.GANTRY_PIPELINES_REPOSITORY,
  };
  for (const [name, value] of [
    ["live-repository", values["live-repository"]],
    ["pipelines-repository", values["pipelines-repository"]],
  ] as const) {
    if (value !== undefined && !repositoryPattern.test(value))
      throw usageError(`--${name} must be OWNER/REPO, not '${value}'`, { command: "doctor" });
  }
  const baseUrl = io.env["GITHUB_API_URL"];
  // The dispatcher's GitHub client reads `X-OAuth-Scopes`; only classic tokens report scopes.
  const readScopes: ReadTokenScopes = async (token, purpose) => {
    const report = await checkTokenScopes(token, {
      role: purpose,
      tokenName: TOKEN_SETTINGS[purpose].variable,
      ...(baseUrl ? { baseUrl } : {}),
    });
    return report.kind === "classic" ? report.scopes : null;
  };
  const repo = values.repo ? resolve(io.cwd, values.repo) : undefined;
  const diagnosis = await diagnoseSetup({ env: io.env, readScopes, ...(repo ? { repo } : {}) });

  let appProblem: string | null = null;
  let githubApp: GitHubAppDiagnosis | null = null;
  try {
    const app = githubAppFromEnvironment(io.env);
    // The App stands in for every role whose own token is not set.
    const roles = (Object.keys(TOKEN_SETTINGS) as TokenPurpose[])
      .filter((role) => readToken(io.env, role) === undefined)
      .map((role) => ({ role, repository: role === "dispatch" ? repositories.pipelines : repositories.live }));
    if (app && roles.length > 0) githubApp = await diagnoseGitHubApp({ app, roles, ...(baseUrl ? { baseUrl } : {}) });
  } catch (error) {
    if (!GantryError.isInstance(error)) throw error;
    appProblem = error.message;
  }
  const configuration = repo ? diagnoseConfiguration(repo) : null;
  const workflows = values["pipelines-dir"]
    ? diagnoseWorkflows(resolve(io.cwd, values["pipelines-dir"]), io.cwd)
    : null;
  const appHealthy =
    appProblem === null &&
    (githubApp === null ||
      (githubApp.problem === null &&
        githubApp.broaderThanNeeded.length === 0 &&
        githubApp.roles.every((role) => role.problem === null)));
  const healthy = diagnosis.healthy && appHealthy && !configuration?.problem && !workflows?.findings.length;

  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ apiVersion: "gantry/v1", kind: "Doctor", ...diagnosis, githubApp: githubApp ?? (appProblem ? { problem: appProblem } : null), configuration, workflows, healthy }, null, 2)}\n`,
    );
    return healthy ? 0 : 1;
  }
  const lines: string[] = ["tokens:"];
  for (const token of diagnosis.tokens) {
    const state = !token.set
      ? githubApp
        ? "not set (the GitHub App stands in)"
        : "not set"
      : `set (${token.kind})${token.problem ? `: ${token.problem}` : token.excessScopes ? ": scopes ok" : ""}`;
    lines.push(`  ${token.variable.padEnd(24)} ${state}`);
  }
  if (appProblem) lines.push("GitHub App:", `  ${appProblem}`);
  if (githubApp) {
    lines.push(`GitHub App ${githubApp.appId}${githubApp.slug ? ` (${githubApp.slug})` : ""}:`);
    if (githubApp.problem) lines.push(`  ${GITHUB_APP_VARIABLES.appId}: ${githubApp.problem}`);
    for (const role of githubApp.roles) {
      lines.push(
        `  ${`for ${TOKEN_SETTINGS[role.role].variable}`.padEnd(28)} ${role.problem ?? `a token narrowed to ${role.repository} (${TOKEN_SETTINGS[role.role].fineGrained.replace(/ on .*/, "")})`}`,
      );
    }
    if (githubApp.broaderThanNeeded.length > 0) {
      lines.push(
        `  the installation grants more than Gantry needs: ${githubApp.broaderThanNeeded.join(", ")}; remove it in the App's settings`,
      );
    }
  }
  lines.push("tools:");
  for (const tool of diagnosis.tools) {
    const via = tool.command === tool.name ? "" : ` (${tool.command})`;
    lines.push(
      `  ${tool.name.padEnd(24)} ${tool.available ? `${tool.version ?? "available"}${via}` : tool.command === tool.name ? "not found on PATH" : `cannot run ${tool.command}`}`,
    );
  }
  if (diagnosis.checkout)
    lines.push("checkout:", `  ${diagnosis.checkout.repo}: ${diagnosis.checkout.problem ?? "keeps no credentials"}`);
  if (configuration) {
    const what =
      configuration.files.length === 0 ? "no configuration file (the defaults apply)" : configuration.files.join(", ");
    lines.push(
      "configuration:",
      `  ${configuration.problem ?? `${what}: valid, ${configuration.environments} environment(s)`}`,
    );
  }
  if (workflows) {
    lines.push("pipelines workflows:");
    if (workflows.findings.length === 0) lines.push(`  ${workflows.files.join(", ")}: keep Gantry's rules`);
    for (const finding of workflows.findings) {
      const where = `${finding.file}${finding.line === null ? "" : `:${finding.line}`}`;
      lines.push(
        `  ${where}: ${finding.code}: ${finding.step === null ? "" : `step '${finding.step}': `}${finding.message}`,
        `    fix: ${finding.hint}`,
      );
    }
  }
  lines.push(healthy ? "ok" : "problems found");
  io.stdout.write(`${lines.join("\n")}\n`);
  return healthy ? 0 : 1;
};
