export * from "./contract.js";
export { detectChanges, parseDetectionResult, type DetectOptions } from "./detect.js";
export { formatDetectionSummary, exitCodeForResult } from "./summary.js";
export { cacheFilePath } from "./cache/cache-file.js";
export { listUnits, readsOfUnits, type GeneratedOrigin, type ListedUnit, type UnitReadsReport } from "./unit-reads.js";
export type { StackSource } from "./stacks/source.js";
