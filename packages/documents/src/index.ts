/** @gantry/documents: reading and validating `gantry/v1` documents. See README.md. */
export {
  describeIssues,
  parseDocument,
  readDocument,
  readDocumentText,
  validateDocument,
  type DocumentInput,
  type DocumentSpec,
} from "./document.js";
export { formatFieldPath } from "./field-path.js";
export { findJsonSyntaxError, type JsonSyntaxError } from "./json-syntax-error.js";
