export * from "./in-process.js";
export * from "./github/index.js";
export * from "./record/index.js";
