import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.base.ts";

// The CLI is an application: no declarations, and `bin.ts` is its own entry.
export default defineConfig(packageBuild({ entry: ["src/index.ts", "src/bin.ts"], dts: false }));
