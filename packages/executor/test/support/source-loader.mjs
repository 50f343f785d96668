// Lets a test spawn the `gantry` CLI straight from its TypeScript sources (no build): Node strips the
// types; this hook adds the "@gantry/source" export condition and maps `./x.js` imports to `./x.ts`.
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const conditions = [...(context.conditions ?? []), "@gantry/source"];
  try {
    return await next(specifier, { ...context, conditions });
  } catch (error) {
    if (error?.code === "ERR_MODULE_NOT_FOUND" && /^\\.{1,2}\\//.test(specifier) && specifier.endsWith(".js")) {
      return next(specifier.slice(0, -3) + ".ts", { ...context, conditions });
    }
    throw error;
  }
}
`),
);
