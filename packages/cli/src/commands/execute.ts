import { GantryError } from "@gantry/errors";
import type { Command } from "../io.js";

// Placeholder until the 'execute' command lands; see the open issues.
export const command: Command = async () => {
  throw new GantryError("NOT_IMPLEMENTED", "gantry execute is not implemented yet", { exitCode: 1 });
};
