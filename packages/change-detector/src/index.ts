export * from "./contract.js";
export { detectChanges, parseDetectionResult, type DetectOptions } from "./detect.js";
export { formatDetectionSummary, exitCodeForResult } from "./summary.js";
export { cacheFilePath } from "./cache/cache-file.js";
export { listUnits, readsOfUnits, type ListedUnit, type UnitReadsReport } from "./unit-reads.js";
