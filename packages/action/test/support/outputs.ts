import { readFileSync } from "node:fs";

/** The step outputs written to a GITHUB_OUTPUT file (`name<<DELIMITER\nvalue\nDELIMITER`). */
export function readOutputs(file: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = readFileSync(file, "utf8").split("\n");
  for (let index = 0; index < lines.length; index++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[index]!);
    if (!match) continue;
    const [, name, delimiter] = match;
    const end = lines.indexOf(delimiter!, index + 1);
    outputs[name!] = lines.slice(index + 1, end).join("\n");
    index = end;
  }
  return outputs;
}
