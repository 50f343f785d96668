import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GantryError } from "@gantry/errors";
import { zipSync } from "fflate";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureTools } from "../src/install-tools.js";
import { currentPlatform, PINNED_TOOLS, type PinnedTool } from "../src/pinned-tools.js";
import { runAction } from "../src/run-action.js";
import { readOutputs } from "./support/outputs.js";

// Fixture "releases" served from 127.0.0.1: a bare terragrunt executable (behind a redirect, as GitHub's
// release downloads are) and a tofu zip, with their real SHA-256; and forged variants.
const script = (name: string) => Buffer.from(`#!/bin/sh\necho "${name} fixture $*"\n`);
const assets: Record<string, Buffer> = {
  "/download/terragrunt_linux_amd64": script("terragrunt"),
  "/download/tofu_linux_amd64.zip": Buffer.from(zipSync({ LICENSE: Buffer.from("MPL-2.0\n"), tofu: script("tofu") })),
  "/download/forged_terragrunt": script("evil"),
  "/download/tofu_without_binary.zip": Buffer.from(zipSync({ README: Buffer.from("no binary\n") })),
};
const requests: string[] = [];
let server: Server;
let base = "";
const work = mkdtempSync(join(tmpdir(), "gantry-action-tools-"));

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url!);
    if (request.url!.startsWith("/releases/")) {
      response.writeHead(302, { location: request.url!.replace("/releases/", "/download/") }).end();
      return;
    }
    const body = assets[request.url!];
    if (!body) return void response.writeHead(404).end("Not Found");
    response.writeHead(200, { "content-type": "application/octet-stream" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(work, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

function fixtureTools(
  overrides: { terragruntPath?: string; terragruntDigest?: string; tofuPath?: string } = {},
): PinnedTool[] {
  const terragruntPath = overrides.terragruntPath ?? "/releases/terragrunt_linux_amd64";
  const tofuPath = overrides.tofuPath ?? "/download/tofu_linux_amd64.zip";
  return [
    {
      name: "terragrunt",
      version: "1.1.3",
      binary: "terragrunt",
      asset: () => ({
        url: `${base}${terragruntPath}`,
        file: "terragrunt_linux_amd64",
        sha256: overrides.terragruntDigest ?? sha256(assets["/download/terragrunt_linux_amd64"]!),
        format: "binary",
      }),
    },
    {
      name: "tofu",
      version: "1.12.6",
      binary: "tofu",
      asset: () => ({
        url: `${base}${tofuPath}`,
        file: "tofu_1.12.6_linux_amd64.zip",
        sha256: sha256(assets[tofuPath.replace("/releases/", "/download/")]!),
        format: "zip",
      }),
    },
  ];
}

let cacheDir = "";
let workDir = "";
let logs: string[] = [];
let count = 0;
beforeEach(() => {
  count += 1;
  cacheDir = join(work, `cache-${count}`);
  workDir = join(work, `run-${count}`);
  logs = [];
  requests.length = 0;
});
const options = (tools: PinnedTool[], env: NodeJS.ProcessEnv = { PATH: "/nonexistent" }) => ({
  env,
  cacheDir,
  workDir,
  log: (line: string) => logs.push(line),
  platform: "linux_amd64" as const,
  tools,
});

async function refusal(promise: Promise<unknown>): Promise<GantryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!GantryError.isInstance(error)) throw new Error(`expected a GantryError, got ${String(error)}`);
  return error;
}

describe("ensureTools", () => {
  it("downloads each pinned asset, verifies its SHA-256 and runs it; the next run uses the cache, verified again, with no request", async () => {
    const first = await ensureTools(options(fixtureTools()));
    expect(first.terragrunt.source).toBe("download");
    expect(first.tofu.source).toBe("download");
    expect(execFileSync(first.terragrunt.path, ["--version"], { encoding: "utf8" })).toBe(
      "terragrunt fixture --version\n",
    );
    expect(execFileSync(first.tofu.path, ["version"], { encoding: "utf8" })).toBe("tofu fixture version\n");
    expect(requests).toEqual([
      "/releases/terragrunt_linux_amd64",
      "/download/terragrunt_linux_amd64",
      "/download/tofu_linux_amd64.zip",
    ]);
    expect(logs.every((line) => line.includes("verified"))).toBe(true);

    requests.length = 0;
    workDir = join(work, `run-${count}-again`);
    const second = await ensureTools(options(fixtureTools()));
    expect([second.terragrunt.source, second.tofu.source]).toEqual(["cache", "cache"]);
    expect(requests).toEqual([]);
    expect(execFileSync(second.tofu.path, [], { encoding: "utf8" })).toBe("tofu fixture \n");
  });

  it("refuses a download whose SHA-256 is not the pinned one, and keeps nothing of it", async () => {
    const error = await refusal(ensureTools(options(fixtureTools({ terragruntPath: "/download/forged_terragrunt" }))));
    expect(error.code).toBe("ACTION_TOOL_DIGEST_MISMATCH");
    expect(error.exitCode).toBe(31);
    expect(error.message).toContain(sha256(assets["/download/forged_terragrunt"]!));
    expect(error.message).toContain(sha256(assets["/download/terragrunt_linux_amd64"]!));
    expect(existsSync(join(cacheDir, "terragrunt")) ? readdirSync(join(cacheDir, "terragrunt", "1.1.3")) : []).toEqual(
      [],
    );
  });

  it("catches a cached asset changed after it was verified, and downloads it again", async () => {
    await ensureTools(options(fixtureTools()));
    writeFileSync(join(cacheDir, "terragrunt", "1.1.3", "terragrunt_linux_amd64"), script("planted"));
    const second = await ensureTools(options(fixtureTools()));
    expect(second.terragrunt.source).toBe("download");
    expect(logs.some((line) => line.includes("does not match its pinned SHA-256"))).toBe(true);
    expect(execFileSync(second.terragrunt.path, [], { encoding: "utf8" })).toBe("terragrunt fixture \n");
  });

  it("uses GANTRY_TERRAGRUNT / GANTRY_TOFU or the tools on PATH, downloading nothing", async () => {
    const bin = join(work, "bin");
    mkdirSync(bin, { recursive: true });
    for (const name of ["my-terragrunt", "tofu"]) {
      writeFileSync(join(bin, name), script(name));
      chmodSync(join(bin, name), 0o755);
    }
    const tools = await ensureTools(
      options(fixtureTools(), { GANTRY_TERRAGRUNT: join(bin, "my-terragrunt"), PATH: `/nonexistent:${bin}` }),
    );
    expect(tools).toEqual({
      terragrunt: { path: join(bin, "my-terragrunt"), source: "configured" },
      tofu: { path: join(bin, "tofu"), source: "path" },
    });
    expect(requests).toEqual([]);
    const error = await refusal(ensureTools(options(fixtureTools(), { GANTRY_TERRAGRUNT: bin, PATH: "" })));
    expect(error.code).toBe("ACTION_TOOL_NOT_EXECUTABLE");
  });

  it("names the URL of a download that failed, and an archive without the executable", async () => {
    const missing = await refusal(ensureTools(options(fixtureTools({ terragruntPath: "/download/nothing-here" }))));
    expect(missing.code).toBe("ACTION_TOOL_DOWNLOAD_FAILED");
    expect(missing.message).toContain(`${base}/download/nothing-here: HTTP 404`);
    const empty = await refusal(ensureTools(options(fixtureTools({ tofuPath: "/download/tofu_without_binary.zip" }))));
    expect(empty.code).toBe("ACTION_TOOL_ARCHIVE_INVALID");
  });
});

describe("the pinned tools", () => {
  it("pin a SHA-256 for each release asset of linux amd64 and arm64, from the tools' own GitHub releases", () => {
    for (const tool of Object.values(PINNED_TOOLS)) {
      for (const platform of ["linux_amd64", "linux_arm64"] as const) {
        const asset = tool.asset(platform);
        expect(asset.sha256, `${tool.name} ${platform}`).toMatch(/^[0-9a-f]{64}$/);
        expect(asset.url).toMatch(
          new RegExp(
            `^https://github\\.com/(gruntwork-io/terragrunt|opentofu/opentofu)/releases/download/v${tool.version.replace(/\./g, "\\.")}/${asset.file}$`,
          ),
        );
      }
    }
    const digests = Object.values(PINNED_TOOLS).flatMap((tool) => [
      tool.asset("linux_amd64").sha256,
      tool.asset("linux_arm64").sha256,
    ]);
    expect(new Set(digests).size).toBe(digests.length);
  });

  it("are the versions the tests build (scripts/ensure-iac-tools.sh)", () => {
    const script = readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), "../../../scripts/ensure-iac-tools.sh"),
      "utf8",
    );
    expect(script).toContain(`GANTRY_TERRAGRUNT_VERSION:-v${PINNED_TOOLS.terragrunt.version}}`);
    expect(script).toContain(`GANTRY_TOFU_VERSION:-v${PINNED_TOOLS.tofu.version}}`);
  });

  it("exist for Linux on x64 and arm64 only", () => {
    expect(currentPlatform("linux", "x64")).toBe("linux_amd64");
    expect(currentPlatform("linux", "arm64")).toBe("linux_arm64");
    expect(currentPlatform("darwin", "arm64")).toBeUndefined();
    expect(currentPlatform("linux", "ia32")).toBeUndefined();
  });
});

describe("the Action", () => {
  it("provides the pinned tools to a command that runs them, and names them in its outputs", async () => {
    const outputFile = join(work, "outputs");
    writeFileSync(outputFile, "");
    let stdout = "";
    const sink = { write: (chunk: string) => ((stdout += chunk), true) } as unknown as NodeJS.WritableStream;
    const env = {
      PATH: "/usr/bin:/bin",
      INPUT_COMMAND: "doctor",
      GITHUB_OUTPUT: outputFile,
      RUNNER_TEMP: join(work, "temp"),
      RUNNER_TOOL_CACHE: cacheDir,
    };
    await runAction({ env, stdout: sink, stderr: sink, cwd: work }, { tools: fixtureTools(), platform: "linux_amd64" });
    const outputs = readOutputs(outputFile);
    expect(outputs["terragrunt"]).toBe(join(work, "temp", "gantry-tools", "terragrunt-1.1.3", "terragrunt"));
    expect(outputs["tofu"]).toBe(join(work, "temp", "gantry-tools", "tofu-1.12.6", "tofu"));
    expect(stdout).toContain("terragrunt 1.1.3: downloaded");
    // The CLI runs with the tools on its PATH (and as GANTRY_TERRAGRUNT / GANTRY_TOFU).
    expect(stdout).toMatch(
      /tools:\n {2}terragrunt +available \(.*\/terragrunt-1\.1\.3\/terragrunt\)\n {2}tofu +available \(.*\/tofu-1\.12\.6\/tofu\)\n/,
    );
  });
});
