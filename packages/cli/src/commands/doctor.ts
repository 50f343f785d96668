import { checkTokenScopes } from "@gantry/dispatcher";
import { diagnoseSetup, TOKEN_SETTINGS, type ReadTokenScopes } from "@gantry/guards";
import { resolve } from "node:path";
import { parseCommandArgs } from "../args.js";
import type { Command } from "../io.js";

const HELP = `usage: gantry doctor [--repo DIR] [--json]

Reports which of GANTRY_CODE_READ_TOKEN, GANTRY_INFRA_LIVE_TOKEN and GANTRY_DISPATCH_TOKEN are set (never
their values), whether classic tokens have scopes broader than their purpose needs (GET /user on
GITHUB_API_URL, default https://api.github.com), whether terragrunt and tofu can run, and with --repo
whether that checkout keeps credentials in .git/config (actions/checkout without persist-credentials: false).
Exits 1 when something needs fixing.
`;

export const command: Command = async (argv, io) => {
  const { values } = parseCommandArgs("doctor", argv, { json: { type: "boolean" }, repo: { type: "string" } }, HELP);
  const baseUrl = io.env["GITHUB_API_URL"];
  // The dispatcher's GitHub client reads `X-OAuth-Scopes`; only classic tokens report scopes.
  const readScopes: ReadTokenScopes = async (token, purpose) => {
    const report = await checkTokenScopes(token, { role: purpose, tokenName: TOKEN_SETTINGS[purpose].variable, ...(baseUrl ? { baseUrl } : {}) });
    return report.kind === "classic" ? report.scopes : null;
  };
  const diagnosis = await diagnoseSetup({ env: io.env, readScopes, ...(values.repo ? { repo: resolve(io.cwd, values.repo) } : {}) });
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ apiVersion: "gantry/v1", kind: "Doctor", ...diagnosis }, null, 2)}\n`);
    return diagnosis.healthy ? 0 : 1;
  }
  io.stdout.write("tokens:\n");
  for (const token of diagnosis.tokens) {
    const state = !token.set
      ? "not set"
      : `set (${token.kind})${token.problem ? `: ${token.problem}` : token.excessScopes ? ": scopes ok" : ""}`;
    io.stdout.write(`  ${token.variable.padEnd(24)} ${state}\n`);
  }
  io.stdout.write("tools:\n");
  for (const tool of diagnosis.tools) {
    io.stdout.write(`  ${tool.name.padEnd(24)} ${tool.available ? (tool.version ?? "available") : "not found on PATH"}\n`);
  }
  if (diagnosis.checkout) {
    io.stdout.write(`checkout:\n  ${diagnosis.checkout.repo}: ${diagnosis.checkout.problem ?? "keeps no credentials"}\n`);
  }
  io.stdout.write(diagnosis.healthy ? "ok\n" : "problems found\n");
  return diagnosis.healthy ? 0 : 1;
};
