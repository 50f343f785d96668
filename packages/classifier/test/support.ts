import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TempGitRepo } from "@gantry/testkit";

export const examplePluginDir = fileURLToPath(new URL("../../../examples/classifier-plugin", import.meta.url));

/** Installs the example plugin into the repository's node_modules, as `npm install` would (a link). */
export function installExamplePlugin(repo: TempGitRepo): void {
  mkdirSync(join(repo.dir, "node_modules", "@gantry"), { recursive: true });
  symlinkSync(examplePluginDir, join(repo.dir, "node_modules", "@gantry", "example-classifier-plugin"), "dir");
}
