// The root README's promises point at tests: each test it cites exists, and the CLI table lists every command.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { commands } from "../src/main.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");

it("cites only tests that exist, in the comparison with the peers and the security table", () => {
  const cited = [...readme.matchAll(/`((?:packages\/)?[a-z-]+\/test\/[\w./-]*)`/g)].map((match) => match[1]!);
  expect(cited.length).toBeGreaterThan(10);
  for (const path of cited)
    expect(existsSync(join(root, path.startsWith("packages/") ? path : `packages/${path}`)), path).toBe(true);
});

it("keeps the two commands for this repository, and lists every command", () => {
  expect(readme).toContain("bash scripts/example.sh");
  expect(readme).toContain("bash scripts/test.sh");
  const tableRows = readme.split("\n").filter((line) => line.startsWith("| `gantry "));
  for (const name of Object.keys(commands))
    expect(
      tableRows.some((row) => row.includes(`\`gantry ${name}`)),
      name,
    ).toBe(true);
});
