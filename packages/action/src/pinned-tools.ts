/**
 * The terragrunt and OpenTofu the Action installs when a runner has none: one version of each, and the
 * SHA-256 of every release asset it may download. A download whose digest differs is refused, so changing a
 * version means changing its digests in the same reviewed commit. The versions are the ones Gantry is tested
 * with (scripts/ensure-iac-tools.sh builds the same ones; a test checks they agree).
 *
 * Sources of the digests (no network here to read the releases' own SHA256SUMS files): OpenTofu's are those
 * of `tofu_1.12.6_SHA256SUMS` as pinned by several independent public repositories (a Homebrew formula, an
 * Arch PKGBUILD, Dockerfiles), all agreeing; terragrunt's are pinned by two independent public repositories
 * that agree. Re-check them against the releases' SHA256SUMS when you change a version.
 */
export type ToolName = "terragrunt" | "tofu";
export type Platform = "linux_amd64" | "linux_arm64";

export interface PinnedTool {
  name: ToolName;
  /** As the release tags it, without the `v`. */
  version: string;
  /** The release asset for a platform: a bare executable, or a zip holding `binary`. */
  asset: (platform: Platform) => { url: string; file: string; sha256: string; format: "binary" | "zip" };
  /** The executable's name inside a zip asset. */
  binary: string;
}

const terragruntVersion = "1.1.3";
const terragruntDigests: Record<Platform, string> = {
  linux_amd64: "d5da6a66741f4ee752aa3b502b57e47fd6d5c178942861b2507f14f083e7606e",
  linux_arm64: "5e9b388402ab7075e907e8d8511662e2a828008129746e4e5e23de04c7b78ef4",
};

const tofuVersion = "1.12.6";
const tofuDigests: Record<Platform, string> = {
  linux_amd64: "5dc43da4f750f33873dc25e94587128709e819e544b7be9016b255316153c3a8",
  linux_arm64: "e573979ba68a17fe7b881752051a694a7efcd970e39521f6a25775197861ed4d",
};

export const PINNED_TOOLS: Record<ToolName, PinnedTool> = {
  terragrunt: {
    name: "terragrunt",
    version: terragruntVersion,
    binary: "terragrunt",
    asset: (platform) => {
      const file = `terragrunt_${platform}`;
      return {
        url: `https://github.com/gruntwork-io/terragrunt/releases/download/v${terragruntVersion}/${file}`,
        file,
        sha256: terragruntDigests[platform],
        format: "binary",
      };
    },
  },
  tofu: {
    name: "tofu",
    version: tofuVersion,
    binary: "tofu",
    asset: (platform) => {
      const file = `tofu_${tofuVersion}_${platform}.zip`;
      return {
        url: `https://github.com/opentofu/opentofu/releases/download/v${tofuVersion}/${file}`,
        file,
        sha256: tofuDigests[platform],
        format: "zip",
      };
    },
  },
};

/** The runner's platform as release assets name it, or undefined when no pinned asset exists for it. */
export function currentPlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): Platform | undefined {
  if (platform !== "linux") return undefined;
  if (arch === "x64") return "linux_amd64";
  if (arch === "arm64") return "linux_arm64";
  return undefined;
}
