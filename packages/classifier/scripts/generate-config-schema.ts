/**
 * Writes config.schema.json (the JSON Schema of .gantry/config.yml) from the zod schema.
 * Run: `pnpm --filter @gantry/classifier generate:schema` (Node strips the types; no build needed).
 * test/config-schema.test.ts fails when the committed file is out of date.
 */
import { writeFileSync } from "node:fs";
import { configJsonSchema } from "../src/config/schema.ts";

const target = new URL("../config.schema.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
