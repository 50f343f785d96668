export { commands, main } from "./main.js";
export type { CliIO, Command } from "./io.js";
