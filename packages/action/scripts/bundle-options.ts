// The esbuild options of the Action's bundle, shared by scripts/bundle.ts and the staleness test.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BuildOptions, Plugin } from "esbuild";

export function actionBundleOptions(packageDir: string): BuildOptions {
  const repositoryRoot = dirname(dirname(packageDir));
  return {
    absWorkingDir: repositoryRoot,
    entryPoints: [join(packageDir, "src", "main.ts")],
    outfile: join(packageDir, "dist", "index.mjs"),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    // Gantry's packages from their TypeScript sources, as in the tests.
    conditions: ["@gantry/source"],
    // Bundled CommonJS dependencies call require() for Node's own modules; ESM has no require of its own.
    banner: {
      js: 'import { createRequire as __gantryCreateRequire } from "node:module";\nconst require = __gantryCreateRequire(import.meta.url);',
    },
    legalComments: "eof",
    logLevel: "warning",
    plugins: [bundleLazyRequires],
  };
}

/**
 * change-detector loads `yaml` on first use through createRequire (start-up time), which a bundler cannot
 * see; the bundle has no node_modules to resolve it from at run time. This makes it a plain require() that
 * esbuild bundles (still lazy: evaluated on first call). The build fails if the pattern is gone, so the
 * bundle never silently loses yamldecode.
 */
const bundleLazyRequires: Plugin = {
  name: "gantry-lazy-requires",
  setup(build) {
    build.onLoad({ filter: /change-detector[\\/]src[\\/]analysis[\\/]terragrunt-functions\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const pattern = 'requireFromHere("yaml")';
      if (!source.includes(pattern)) {
        return {
          errors: [
            {
              text: `${pattern} not found: update packages/action/scripts/bundle-options.ts to how terragrunt-functions.ts now loads yaml`,
            },
          ],
        };
      }
      return { contents: source.replace(pattern, 'require("yaml")'), loader: "ts" };
    });
  },
};
