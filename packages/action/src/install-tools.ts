/**
 * Makes terragrunt and OpenTofu available to the Action's run without trusting any download: a configured or
 * installed tool is used as it is; otherwise the pinned release asset is downloaded, its SHA-256 compared with
 * the digest pinned in this repository (`pinned-tools.ts`), and only then kept and run.
 *
 * The verified asset is kept in a cache directory (the runner's tool cache by default, which persists on
 * self-hosted runners and can be restored with `actions/cache` on hosted ones). A cached asset is verified
 * again on every run before use, so a tampered cache is caught; the executable is then written afresh for the
 * run (extracted from a zip) rather than run from the cache.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { GantryError } from "@gantry/errors";
import { unzipSync } from "fflate";
import { currentPlatform, PINNED_TOOLS, type PinnedTool, type Platform, type ToolName } from "./pinned-tools.js";

export interface InstalledTool {
  path: string;
  /** `configured`: GANTRY_TERRAGRUNT / GANTRY_TOFU; `path`: found on PATH; `cache` or `download`: the pinned asset. */
  source: "configured" | "path" | "cache" | "download";
}

export interface EnsureToolsOptions {
  env: NodeJS.ProcessEnv;
  /** Where verified assets are kept between runs. */
  cacheDir: string;
  /** Where a zip's executable is extracted for this run. */
  workDir: string;
  log: (line: string) => void;
  platform?: Platform | undefined;
  /** The tools to provide (tests pass their own fixtures). */
  tools?: readonly PinnedTool[];
  fetch?: typeof fetch;
}

const TOOL_VARIABLES: Record<ToolName, string> = { terragrunt: "GANTRY_TERRAGRUNT", tofu: "GANTRY_TOFU" };

export async function ensureTools(options: EnsureToolsOptions): Promise<Record<ToolName, InstalledTool>> {
  const installed = {} as Record<ToolName, InstalledTool>;
  for (const tool of options.tools ?? Object.values(PINNED_TOOLS))
    installed[tool.name] = await ensureTool(tool, options);
  return installed;
}

async function ensureTool(tool: PinnedTool, options: EnsureToolsOptions): Promise<InstalledTool> {
  const variable = TOOL_VARIABLES[tool.name];
  const configured = options.env[variable];
  if (configured) {
    if (!isExecutable(configured)) {
      throw new GantryError("ACTION_TOOL_NOT_EXECUTABLE", `${variable}=${configured} is not an executable file`, {
        hint: `unset ${variable} to let the Action install the pinned ${tool.name} ${tool.version}`,
      });
    }
    return { path: configured, source: "configured" };
  }
  const onPath = findOnPath(tool.binary, options.env.PATH ?? "");
  if (onPath) return { path: onPath, source: "path" };

  const platform = options.platform ?? currentPlatform();
  if (!platform) {
    throw new GantryError(
      "ACTION_TOOL_UNSUPPORTED_PLATFORM",
      `no pinned ${tool.name} for ${process.platform}/${process.arch}`,
      {
        hint: `install ${tool.name} ${tool.version} yourself and set ${variable} to its path (the Action pins linux amd64 and arm64)`,
      },
    );
  }
  const asset = tool.asset(platform);
  const cached = join(options.cacheDir, tool.name, tool.version, asset.file);
  let source: InstalledTool["source"] = "cache";
  if (existsSync(cached) && sha256(readFileSync(cached)) !== asset.sha256) {
    options.log(
      `${tool.name} ${tool.version}: the cached ${asset.file} does not match its pinned SHA-256; removing it and downloading again`,
    );
    rmSync(cached, { force: true });
  }
  if (!existsSync(cached)) {
    await download(asset, cached, options);
    source = "download";
  }
  options.log(
    `${tool.name} ${tool.version}: ${source === "download" ? `downloaded ${asset.url}` : `from the cache ${cached}`} (SHA-256 ${asset.sha256} verified)`,
  );

  // The executable is placed afresh for this run, under its own name (so its directory can go on PATH).
  const executable = join(options.workDir, `${tool.name}-${tool.version}`, tool.binary);
  const bytes = readFileSync(cached);
  const binary =
    asset.format === "binary" ? bytes : unzipSync(bytes, { filter: (file) => file.name === tool.binary })[tool.binary];
  if (!binary)
    throw new GantryError("ACTION_TOOL_ARCHIVE_INVALID", `${asset.file} holds no ${tool.binary}`, {
      hint: "the pinned asset is not the release archive expected; check pinned-tools.ts",
    });
  mkdirSync(dirname(executable), { recursive: true });
  rmSync(executable, { force: true });
  writeFileSync(executable, binary, { mode: 0o755 });
  return { path: executable, source };
}

/** Downloads to a temporary name beside the target, verifies, then renames: a failed or forged download leaves nothing. */
async function download(
  asset: ReturnType<PinnedTool["asset"]>,
  target: string,
  options: EnsureToolsOptions,
): Promise<void> {
  const fetchAsset = options.fetch ?? fetch;
  let bytes: Buffer;
  try {
    const response = await fetchAsset(asset.url, { redirect: "follow" });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    bytes = Buffer.from(await response.arrayBuffer());
  } catch (cause) {
    throw new GantryError(
      "ACTION_TOOL_DOWNLOAD_FAILED",
      `could not download ${asset.url}: ${(cause as Error).message}`,
      {
        hint: "the runner needs to reach the release downloads; or install the tool yourself and set GANTRY_TERRAGRUNT / GANTRY_TOFU",
        cause,
      },
    );
  }
  const actual = sha256(bytes);
  if (actual !== asset.sha256) {
    throw new GantryError(
      "ACTION_TOOL_DIGEST_MISMATCH",
      `${asset.file} from ${asset.url} has SHA-256 ${actual}, not the pinned ${asset.sha256}: refused, nothing was installed`,
      {
        hint: "a tampered or replaced release asset, or a proxy rewriting downloads; do not run it. If the release was legitimately re-published, update pinned-tools.ts in a reviewed commit",
      },
    );
  }
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.${randomBytes(6).toString("hex")}.partial`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, target);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function findOnPath(binary: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}
