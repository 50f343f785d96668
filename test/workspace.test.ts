/**
 * Rules of the whole workspace, checked on every test run (a small test rather than knip or
 * dependency-cruiser: the rules are five, they read the `@gantry/source` export condition and the registry as
 * they are, and a failure names the file and what to do):
 *
 * - imports: no deep import into another package (only the subpaths its `exports` lists), no relative import
 *   that leaves its package, relative imports end in `.js`;
 * - dependencies: every package a source file imports is declared (`dependencies`, or `devDependencies` for
 *   tests and scripts), and every declared one is imported;
 * - errors: exit codes come from the registry of `@gantry/errors` (no literal `exitCode: N`,
 *   `process.exit(N)`), and every upper-case `code: "..."` a source file writes is registered;
 * - git: only `@gantry/git` starts git;
 * - changesets: each names only published workspace packages (`changeset version` refuses one that mixes in a
 *   private package, which would stop the release) with a patch, minor or major bump.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../packages/errors/src/codes.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
}

interface WorkspacePackage {
  dir: string;
  manifest: Manifest;
  /** Shipped code: `src/`, minus tests. */
  sources: string[];
  /** Tests, scripts, benches and build configuration. */
  tooling: string[];
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "dist" || name === "__fixtures__") return [];
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const packages: WorkspacePackage[] = readdirSync(join(root, "packages")).map((name) => {
  const dir = join(root, "packages", name);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
  const sources = filesUnder(join(dir, "src")).filter((file) => !/\.test\.ts$/.test(file));
  const tooling = [
    ...filesUnder(join(dir, "test")),
    ...filesUnder(join(dir, "scripts")),
    ...filesUnder(join(dir, "bench")),
    ...filesUnder(join(dir, "src")).filter((file) => /\.test\.ts$/.test(file)),
    ...["tsup.config.ts", "vitest.config.ts"].map((file) => join(dir, file)).filter(existsSync),
  ];
  return { dir, manifest, sources, tooling };
});
const byName = new Map(packages.map((pkg) => [pkg.manifest.name, pkg]));
const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Manifest;
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** The module specifiers a file imports or re-exports, static or dynamic, and resolves (`require.resolve`). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const resolved = [...text.matchAll(/require\.resolve\(\s*["']([^"']+)["']/g)].map((match) => match[1]!);
  return [...ts.preProcessFile(text, true, true).importedFiles.map((entry) => entry.fileName), ...resolved];
}

/** `@scope/name` or `name` of a bare specifier, and the subpath after it. */
function splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split("/");
  const length = specifier.startsWith("@") ? 2 : 1;
  return {
    name: parts.slice(0, length).join("/"),
    subpath: parts.length > length ? `./${parts.slice(length).join("/")}` : ".",
  };
}

const where = (file: string) => relative(root, file);

describe("the workspace", () => {
  it("imports no other package's internals, and no relative path leaves its package", () => {
    const problems: string[] = [];
    for (const pkg of packages) {
      for (const file of [...pkg.sources, ...pkg.tooling]) {
        for (const specifier of importsOf(file)) {
          if (specifier.startsWith(".")) {
            const target = resolve(dirname(file), specifier);
            const inOtherPackage = target.startsWith(join(root, "packages") + sep) && !target.startsWith(pkg.dir + sep);
            if (inOtherPackage || (pkg.sources.includes(file) && !target.startsWith(pkg.dir + sep))) {
              problems.push(`${where(file)}: '${specifier}' leaves ${where(pkg.dir)}; import the package by its name`);
            } else if (pkg.sources.includes(file) && !/\.(js|json)$/.test(specifier))
              problems.push(`${where(file)}: '${specifier}' must end in .js`);
            continue;
          }
          const { name, subpath } = splitSpecifier(specifier);
          const other = byName.get(name);
          if (other && subpath !== "." && !Object.hasOwn(other.manifest.exports ?? {}, subpath)) {
            problems.push(
              `${where(file)}: '${specifier}' reaches into ${name}'s internals; import what ${name} exports`,
            );
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("declares every package it imports, and imports every package it declares", () => {
    const problems: string[] = [];
    for (const pkg of packages) {
      const { dependencies = {}, devDependencies = {}, peerDependencies = {} } = pkg.manifest;
      const used = { sources: new Set<string>(), tooling: new Set<string>() };
      for (const [kind, files] of [
        ["sources", pkg.sources],
        ["tooling", pkg.tooling],
      ] as const) {
        for (const file of files) {
          for (const specifier of importsOf(file)) {
            if (specifier.startsWith(".") || builtins.has(specifier)) continue;
            const { name } = splitSpecifier(specifier);
            if (name === pkg.manifest.name) continue;
            used[kind].add(name);
            const declared =
              Object.hasOwn(dependencies, name) ||
              Object.hasOwn(peerDependencies, name) ||
              (kind === "tooling" &&
                (Object.hasOwn(devDependencies, name) || Object.hasOwn(rootManifest.devDependencies ?? {}, name)));
            if (!declared)
              problems.push(
                `${where(file)}: imports ${name}, which ${pkg.manifest.name} does not declare in ${kind === "sources" ? "dependencies" : "dependencies or devDependencies"}`,
              );
          }
        }
      }
      const isUsed = (name: string, among: Set<string>) =>
        among.has(name) ||
        (name.startsWith("@types/") &&
          [...among].some((other) => `@types/${other.replace(/^@(.+)\//, "$1__")}` === name));
      for (const name of Object.keys(dependencies)) {
        if (!isUsed(name, used.sources))
          problems.push(
            `${pkg.manifest.name}: dependency ${name} is imported by no file of src/; remove it${isUsed(name, used.tooling) ? " or move it to devDependencies" : ""}`,
          );
      }
      for (const name of Object.keys(devDependencies)) {
        if (!isUsed(name, used.tooling) && !isUsed(name, used.sources))
          problems.push(
            `${pkg.manifest.name}: devDependency ${name} is imported by no test, script or source; remove it`,
          );
      }
    }
    expect(problems).toEqual([]);
  });

  it("takes every exit code from the registry and writes only registered codes", () => {
    const problems: string[] = [];
    const registered = new Set(Object.keys(ERROR_CODES));
    // Finding codes of `gantry iam lint` and `gantry doctor` are not errors (they are reported, exit 1).
    const findingFiles = new Set(["packages/guards/src/trust-policy.ts"]);
    for (const pkg of packages) {
      for (const file of pkg.sources) {
        if (where(file) === "packages/errors/src/codes.ts") continue;
        const text = readFileSync(file, "utf8");
        text.split("\n").forEach((line, index) => {
          const at = `${where(file)}:${index + 1}`;
          if (/\bexitCode\s*[:=]\s*\d/.test(line))
            problems.push(`${at}: a literal exit code; use the code's own (exitCodeOf("CODE") from @gantry/errors)`);
          if (/\bprocess\.exit\(\s*\d/.test(line))
            problems.push(`${at}: process.exit with a literal; use exitCodeOf("CODE")`);
          if (findingFiles.has(where(file))) return;
          for (const [, code] of line.matchAll(/\bcode: "([A-Z][A-Z0-9_]+)"/g)) {
            if (!registered.has(code!))
              problems.push(
                `${at}: code ${code} is not in ERROR_CODES (packages/errors/src/codes.ts); register it with its exit code`,
              );
          }
        });
      }
    }
    expect(problems).toEqual([]);
  });

  it("starts git only through @gantry/git", () => {
    const problems: string[] = [];
    // The testkit builds fixture repositories of its own, synchronously, before any Gantry code runs.
    const allowed = new Set(["packages/git", "packages/testkit"]);
    for (const pkg of packages) {
      if (allowed.has(where(pkg.dir))) continue;
      for (const file of pkg.sources) {
        // The whole text, not line by line: the call and its "git" are often on separate lines.
        const text = readFileSync(file, "utf8");
        for (const match of text.matchAll(
          /\b(spawn|spawnSync|execFile|execFileSync|exec|execSync)\(\s*["'`]git["'`]/g,
        )) {
          const line = text.slice(0, match.index).split("\n").length;
          problems.push(
            `${where(file)}:${line}: starts git itself; use runGit / git / BlobReader from @gantry/git (one hardened environment)`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("lists only published workspace packages in each changeset", () => {
    const published = new Set(packages.filter((pkg) => !pkg.manifest.private).map((pkg) => pkg.manifest.name));
    const problems: string[] = [];
    const changesets = join(root, ".changeset");
    for (const name of readdirSync(changesets).filter((file) => file.endsWith(".md") && file !== "README.md")) {
      const frontmatter = /^---\n([\s\S]*?)---\n/.exec(readFileSync(join(changesets, name), "utf8"));
      if (!frontmatter) {
        problems.push(`.changeset/${name}: no frontmatter (---, then "package": patch|minor|major lines, then ---)`);
        continue;
      }
      for (const line of frontmatter[1]!.split("\n").filter((text) => text.trim() !== "")) {
        const entry = /^["']?([^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/.exec(line.trim());
        if (!entry) problems.push(`.changeset/${name}: '${line}' is not "package": patch|minor|major`);
        else if (!published.has(entry[1]!))
          problems.push(
            `.changeset/${name}: ${entry[1]} is not a published workspace package; remove it (private packages are not released)`,
          );
      }
    }
    expect(problems).toEqual([]);
  });
});
