import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packagesDir = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  publishConfig?: { access?: string };
  files?: string[];
}

const manifests: Manifest[] = readdirSync(packagesDir).map(
  (dir) => JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8")) as Manifest,
);

describe("the published packages", () => {
  // `changeset publish` skips private packages: a published package that needs one at run time cannot be installed.
  it("need at run time only packages that are published too", () => {
    const privateNames = new Set(manifests.filter((manifest) => manifest.private).map((manifest) => manifest.name));
    const broken = manifests
      .filter((manifest) => !manifest.private)
      .flatMap((manifest) =>
        Object.keys(manifest.dependencies ?? {})
          .filter((name) => privateNames.has(name))
          .map((name) => `${manifest.name} -> ${name}`),
      );
    expect(broken).toEqual([]);
  });

  it("are public, scoped @gantry, and ship their build", () => {
    for (const manifest of manifests.filter((candidate) => !candidate.private)) {
      expect(manifest.name, manifest.name).toMatch(/^@gantry\//);
      expect(manifest.publishConfig?.access, manifest.name).toBe("public");
      expect(manifest.files, manifest.name).toContain("dist");
    }
  });
});
