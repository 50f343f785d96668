import { defineConfig } from "tsup";
import { packageBuild } from "../../tsup.base.ts";

// `bin.ts` is its own entry; declarations only for the library entry (`main`, `CliIO`, `Command`).
export default defineConfig(packageBuild({ entry: ["src/index.ts", "src/bin.ts"], dts: { entry: "src/index.ts" } }));
