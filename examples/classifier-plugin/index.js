// @ts-check
/**
 * An example Gantry classifier plugin (plain ESM JavaScript, no build step; JSDoc carries the types).
 *
 * - `docs/**` and any `*.md` file → `DocsChanged`, no action (shown in the plan, planned for no unit);
 * - `policies/*.rego` → `PolicyChanged`, planned for every unit of the head commit (a new policy may
 *   reject any of them).
 *
 * Enable it in `.gantry/config.yml`:
 *
 *     classifiers:
 *       - "@gantry/example-classifier-plugin"
 */

/**
 * @typedef {{ path: string, files: readonly string[], gitStatus: string, insideUnit: string | null, units: readonly string[] }} ChangedFile
 * @typedef {{ event: "pull_request" | "push", headUnits: readonly string[], unitStatus(unit: string): string | undefined }} ClassifierContext
 * @typedef {{ type: string, units?: "affected" | "all" | "none" | readonly string[] }} ClassifierClaim
 */

/** @param {string} path */
function isDocumentation(path) {
  return path.startsWith("docs/") || path.endsWith(".md");
}

/** @param {string} path */
function isPolicy(path) {
  return /^policies\/[^/]+\.rego$/.test(path);
}

const classifier = {
  /** @type {"v1"} */
  specificationVersion: "v1",
  name: "example-docs-and-policies",
  /**
   * @param {ChangedFile} file
   * @param {ClassifierContext} _context
   * @returns {ClassifierClaim | undefined}
   */
  classify(file, _context) {
    if (isPolicy(file.path)) return { type: "PolicyChanged", units: "all" };
    if (isDocumentation(file.path)) return { type: "DocsChanged", units: "none" };
    return undefined; // pass: the next classifier (or the built-ins) decides
  },
};

export default classifier;
