/**
 * A field path as messages print it: `jobs[0].needs[1]`, `terragrunt.env["MY-VAR"]`. The one formatter of
 * zod issue paths and configuration keys.
 */
export function formatFieldPath(path: readonly PropertyKey[], root = "(document)"): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment))
      text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === "" ? root : text;
}
