// The Action's bundle (dist/index.mjs) and its license notices (dist/THIRD_PARTY_LICENSES.txt), built in
// memory: shared by scripts/bundle.ts and the staleness test.
import { readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { bundledPackages, renderThirdPartyLicenses, type BundledPackage } from "./third-party-licenses.ts";

export interface ActionBundle {
  /** The files of dist/, by absolute path, as they should be committed. */
  files: Array<{ path: string; contents: Uint8Array }>;
  /** The npm packages with code in the bundle (listed in THIRD_PARTY_LICENSES.txt). */
  packages: BundledPackage[];
  /** What esbuild put in the bundle, for the test that checks the list against it. */
  metafile: Metafile;
}

export async function buildActionBundle(packageDir: string): Promise<ActionBundle> {
  const options = actionBundleOptions(packageDir);
  const result = await build({ ...options, write: false, metafile: true });
  const workingDir = options.absWorkingDir!;
  const outfile = relative(workingDir, options.outfile!).split(sep).join("/");
  const packages = bundledPackages(result.metafile!, outfile, workingDir);
  const licenses = renderThirdPartyLicenses(outfile, packages);
  return {
    files: [
      { path: options.outfile!, contents: result.outputFiles![0]!.contents },
      { path: join(packageDir, "dist", "THIRD_PARTY_LICENSES.txt"), contents: Buffer.from(licenses) },
    ],
    packages,
    metafile: result.metafile!,
  };
}

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
