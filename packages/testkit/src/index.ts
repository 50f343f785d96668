export * from "./git-repo.js";
export * from "./oidc-issuer.js";
export * from "./sts-emulator.js";
export * from "./github-emulator.js";
export * from "./generate-repo.js";
export * from "./stack-repo.js";
export * from "./real-modules.js";
export * from "./real-tools.js";
