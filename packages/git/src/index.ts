/** @gantry/git: every git process of Gantry, hardened for untrusted repositories. See README.md. */
export { runGit, git, runGitSync, GitError, type GitCall, type GitOutput } from "./run.js";
export { BlobReader, readBlobs, type BlobReaderOptions } from "./blob-reader.js";
export { resolveCommit, isAncestor, basicAuthConfig, checkoutConfig } from "./operations.js";
export { gitEnvironment, HARDENED_CONFIG } from "./environment.js";
