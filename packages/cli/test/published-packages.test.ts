import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The packages exactly as `pnpm publish` (which `changeset publish` runs) would upload them: packed by pnpm,
// which applies `publishConfig`, then unpacked. Needs the build (`pnpm build`), like the other CLI tests.
const packagesDir = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const rootDir = dirname(packagesDir);
const work = mkdtempSync(join(tmpdir(), "gantry-published-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface PackedPackage {
  dir: string;
  root: string;
  manifest: Record<string, unknown> & { name: string };
  files: Set<string>;
}

const published = readdirSync(packagesDir).filter(
  (dir) => !(JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8")) as { private?: boolean }).private,
);
const packed: PackedPackage[] = [];

beforeAll(() => {
  for (const dir of published) {
    const out = join(work, dir);
    execFileSync("pnpm", ["pack", "--pack-destination", out], { cwd: join(packagesDir, dir), stdio: "pipe" });
    const tarball = readdirSync(out).find((name) => name.endsWith(".tgz"))!;
    execFileSync("tar", ["-xzf", tarball], { cwd: out });
    const root = join(out, "package");
    const files = new Set(
      execFileSync("tar", ["-tzf", join(out, tarball)], { encoding: "utf8" })
        .trim()
        .split("\n")
        .map((name) => name.replace(/^package\//, "")),
    );
    packed.push({ dir, root, manifest: JSON.parse(readFileSync(join(root, "package.json"), "utf8")), files });
  }
}, 120_000);

/** Every file path an `exports` map can resolve to, whatever the conditions. */
function exportTargets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object") return [];
  return Object.values(value).flatMap(exportTargets);
}

describe("the published packages, as packed", () => {
  it("pass publint --strict with no message at all", async () => {
    const problems: string[] = [];
    for (const { root, manifest } of packed) {
      const { messages, pkg } = await publint({ pkgDir: root, strict: true, level: "suggestion", pack: false });
      for (const message of messages)
        problems.push(`${manifest.name}: ${message.type}: ${formatMessage(message, pkg) ?? message.code}`);
    }
    expect(problems).toEqual([]);
  });

  it("export, declare and link only files they ship", () => {
    const missing: string[] = [];
    for (const { manifest, files } of packed) {
      const bin =
        typeof manifest.bin === "string"
          ? [manifest.bin]
          : Object.values((manifest.bin ?? {}) as Record<string, string>);
      const targets = [...exportTargets(manifest.exports), manifest.main, manifest.types, ...bin].filter(
        (target): target is string => typeof target === "string",
      );
      for (const target of targets)
        if (!files.has(target.replace(/^\.\//, ""))) missing.push(`${manifest.name}: ${target}`);
    }
    expect(missing).toEqual([]);
  });

  it("carry the Apache-2.0 LICENSE and where the project lives", () => {
    const license = readFileSync(join(rootDir, "LICENSE"), "utf8");
    expect(license).toContain("Apache License\n                           Version 2.0, January 2004");
    const repositories = new Set<string>();
    for (const { dir, root, manifest } of packed) {
      expect(manifest.license, manifest.name).toBe("Apache-2.0");
      expect(
        existsSync(join(root, "LICENSE")) && readFileSync(join(root, "LICENSE"), "utf8") === license,
        `${manifest.name} ships LICENSE`,
      ).toBe(true);
      const repository = manifest.repository as { type: string; url: string; directory: string };
      expect(repository.type, manifest.name).toBe("git");
      expect(repository.directory, manifest.name).toBe(`packages/${dir}`);
      repositories.add(repository.url);
      const project = repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
      expect(manifest.homepage, manifest.name).toBe(`${project}/tree/main/packages/${dir}#readme`);
      expect((manifest.bugs as { url: string }).url, manifest.name).toBe(`${project}/issues`);
    }
    expect(repositories.size).toBe(1);
  });
});

describe("the manifests in the repository", () => {
  // Inside the repository, packages resolve each other's sources through the "@gantry/source" condition; the
  // published manifest drops it (pnpm publishes `publishConfig.exports`), so the two maps must say the same.
  it("publish the exports map without the source condition, and nothing else changed", () => {
    const withoutSource = (value: unknown): unknown =>
      value !== null && typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([key]) => key !== "@gantry/source")
              .map(([key, entry]) => [key, withoutSource(entry)]),
          )
        : value;
    for (const dir of published) {
      const manifest = JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8")) as {
        name: string;
        exports: unknown;
        publishConfig: { exports?: unknown };
      };
      expect(manifest.publishConfig.exports, manifest.name).toEqual(withoutSource(manifest.exports));
    }
  });
});
