import type { Options } from "tsup";

/** The build every Gantry package shares: ESM for Node 22+, declarations, source maps. */
export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: ["src/index.ts"],
    format: ["esm"],
    target: "node22",
    dts: true,
    clean: true,
    sourcemap: true,
    ...overrides,
  };
}
