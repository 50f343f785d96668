export { renderMarkdownReport, GITHUB_COMMENT_LIMIT, type MarkdownOptions } from "./markdown.js";
export { renderTextReport } from "./text.js";
export { renderJobGraph } from "./mermaid.js";
export { createProgressPrinter, type ProgressOptions, type ProgressPrinter } from "./progress.js";
export { appendStepSummary } from "./step-summary.js";
export {
  buildRunReport,
  reportForJob,
  reportSucceeded,
  reportUnits,
  type ReportJob,
  type ReportUnit,
  type ReportStatus,
  type RunReport,
  type RunReportInput,
  type UnitNotRun,
} from "./model.js";
export { renderAnnotations, warningAnnotation } from "./annotations.js";
export {
  reportForPlan,
  reportPlanDocument,
  jobResultDocument,
  actionsRunUrl,
  type SourcedJobResult,
  type PlanReportOptions,
} from "./combined.js";
export { runReportDocument, runReportDocumentSchema, type RunReportDocument } from "./document.js";
