export { renderMarkdownReport, GITHUB_COMMENT_LIMIT, type MarkdownOptions } from "./markdown.js";
export { renderTextReport } from "./text.js";
export { renderJobGraph } from "./mermaid.js";
export { createProgressPrinter, type ProgressOptions, type ProgressPrinter } from "./progress.js";
export { appendStepSummary } from "./step-summary.js";
export { reportForJob, reportSucceeded, type ReportJob, type RunReport } from "./model.js";
export { reportForPlan, parsePlanDocument, parseJobResultDocument, actionsRunUrl, type SourcedJobResult, type PlanReportOptions } from "./combined.js";
