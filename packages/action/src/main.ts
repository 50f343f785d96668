/** The Action's entry point (`action.yml` runs its bundle, `dist/index.mjs`). */
import { GantryError, exitCodeOf } from "@gantry/errors";
import { runAction } from "./run-action.js";
import { errorAnnotation } from "./workflow-commands.js";

runAction({ env: process.env, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }).then(
  (code) => {
    if (code !== 0) process.stdout.write(errorAnnotation(`gantry exited with code ${code}`));
    process.exitCode = code;
  },
  (error: unknown) => {
    if (GantryError.isInstance(error)) {
      process.stdout.write(errorAnnotation(`gantry action: error [${error.code}]: ${error.format()}`));
      process.exitCode = error.exitCode;
      return;
    }
    process.stdout.write(
      errorAnnotation(
        `gantry action: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      ),
    );
    process.exitCode = exitCodeOf("INTERNAL");
  },
);
