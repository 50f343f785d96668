import { PassThrough } from "node:stream";
import { main } from "../../src/main.js";

export interface GantryRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, exactly as the binary would, capturing its output. */
export async function runGantry(cwd: string, env: NodeJS.ProcessEnv, ...argv: string[]): Promise<GantryRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exitCode = await main(argv, { stdout, stderr, env, cwd });
  return { exitCode, stdout: out, stderr: err };
}
