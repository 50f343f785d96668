import { GantryError } from "@gantry/errors";
import type { Command } from "../io.js";

// Placeholder until the 'dispatch' command lands.
export const command: Command = async () => {
  throw new GantryError("NOT_IMPLEMENTED", "gantry dispatch is not implemented yet", { exitCode: 1 });
};
