import { defineConfig } from "vitest/config";

// One vitest run over every package: one process, one summary. Packages are resolved from their
// TypeScript sources through the "@gantry/source" export condition, so tests never need a build,
// except the CLI end-to-end tests, which spawn the built `gantry` binary (`pnpm test` builds first).
export default defineConfig({
  resolve: { conditions: ["@gantry/source"] },
  ssr: { resolve: { conditions: ["@gantry/source"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
