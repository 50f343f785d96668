import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createTempGitRepo } from "@gantry/testkit";
import { createJobWorktree } from "../src/worktree.js";

describe("job worktrees", () => {
  it("can be added and removed by many jobs at once (git alone fails an add racing a remove)", async () => {
    await using repo = createTempGitRepo(
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`dev/unit-${i}/terragrunt.hcl`, `# ${i}\n`])),
    );
    const ref = repo.sha();
    for (let round = 0; round < 6; round++) {
      await Promise.all(
        Array.from({ length: 6 }, async (_, index) => {
          const worktree = await createJobWorktree(repo.dir, ref, `plan-env-${index}`);
          expect(existsSync(`${worktree.dir}/dev/unit-${index}/terragrunt.hcl`)).toBe(true);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 50));
          await worktree.remove();
        }),
      );
    }
    expect(repo.git("worktree", "list").split("\n")).toHaveLength(1);
  });
});
