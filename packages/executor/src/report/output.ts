/** Reading and shortening unit output for reports. */
import { existsSync, readFileSync } from "node:fs";

/** A unit's log as shown in a report (empty when there is none). */
export function readUnitLog(logPath: string | null): string {
  if (logPath === null || !existsSync(logPath)) return "";
  return readFileSync(logPath, "utf8");
}

/**
 * Keeps the head and the tail of `text` within `budget` characters: the head holds the plan, the tail
 * the error. The cut is marked with how much was left out.
 */
export function truncateMiddle(text: string, budget: number): string {
  if (text.length <= budget) return text;
  if (budget <= 0) return "";
  const marker = (omitted: number) => `\n… ${omitted} characters truncated; see the full log …\n`;
  const room = budget - marker(text.length).length;
  if (room <= 0) return marker(text.length).slice(0, budget);
  const head = Math.floor(room * 0.4);
  const tail = room - head;
  return text.slice(0, head) + marker(text.length - head - tail) + text.slice(text.length - tail);
}

/** The last `count` non-empty lines: enough to see why something failed on a terminal. */
export function lastLines(text: string, count: number): string[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(-count);
}
