/**
 * Everything one unit of a queue run leaves behind, gathered from Terragrunt's log as it streams: the unit's
 * own log file (masked as it is written, mode 0600), the output of its main command (the rendered plan, or
 * the apply's output), the tool's error text, the directory its module was copied to, and whether the apply
 * had started (so a tool that dies then is reported as maybe partially applied).
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { posix } from "node:path";
import type { SecretMasker } from "./masking.js";
import type { Diagnostic } from "./result.js";
import { truncateMiddle } from "./report/output.js";
import type { LogLine } from "./terragrunt-log.js";

export class UnitRecorder {
  readonly unit: string;
  readonly logPath: string;
  #log: WriteStream;
  #masker: SecretMasker;
  #mainCommand: string;
  #output: string[] = [];
  #errors: string[] = [];
  #toolErrors: string[] = [];
  #startedAt: number | null = null;
  #finishedAt: number | null = null;
  #mainCommandStarted = false;
  /** The unit's copy of its module (relative to the worktree), and the repository directory it came from. */
  #workingDirectory: string | null = null;
  #downloads: Array<{ from: string; into: string }> = [];
  /** Shown as `$WORKTREE` in the log, as in the commands. */
  #worktree: string | null;

  constructor(
    unit: string,
    logPath: string,
    options: { masker: SecretMasker; mainCommand: string; header: string; worktree?: string },
  ) {
    this.unit = unit;
    this.#worktree = options.worktree ?? null;
    this.logPath = logPath;
    this.#masker = options.masker;
    this.#mainCommand = options.mainCommand;
    this.#log = createWriteStream(logPath, { mode: 0o600 });
    this.#write(options.header);
  }

  #write(text: string): void {
    const line = text.endsWith("\n") ? text : `${text}\n`;
    this.#log.write(this.#masker.mask(this.#worktree === null ? line : line.split(this.#worktree).join("$WORKTREE")));
  }

  started(at = Date.now()): void {
    this.#startedAt ??= at;
  }

  finished(at = Date.now()): void {
    this.#finishedAt ??= at;
  }

  get startedAt(): number | null {
    return this.#startedAt;
  }

  get durationMs(): number {
    if (this.#startedAt === null) return 0;
    return (this.#finishedAt ?? Date.now()) - this.#startedAt;
  }

  /** True once the apply or destroy itself was started: changes may have been made from then on. */
  get mainCommandStarted(): boolean {
    return this.#mainCommandStarted;
  }

  /** Terragrunt started `command` (the tool's first argument) for this unit. */
  toolCommand(command: string): void {
    if (command === this.#mainCommand) this.#mainCommandStarted = true;
  }

  workingDirectory(directory: string): void {
    this.#workingDirectory = directory;
  }

  get toolDirectory(): string | null {
    return this.#workingDirectory;
  }

  download(from: string, into: string): void {
    this.#downloads.push({ from, into });
  }

  /** Writes a log line to the unit's log and keeps what the report needs from it. */
  record(line: LogLine): void {
    this.started();
    const toolOutput = line.tfCommand !== null;
    this.#write(
      toolOutput || line.level === "raw" ? line.message : `${line.level.toUpperCase().padEnd(6)} ${line.message}`,
    );
    if (line.tfCommand === this.#mainCommand) {
      this.#mainCommandStarted = true;
      if (line.level === "stdout") this.#output.push(line.message);
    }
    if (line.level === "stderr") this.#toolErrors.push(line.message);
    else if (line.level === "error" && !toolOutput) this.#errors.push(line.message);
  }

  note(text: string): void {
    this.#write(`# gantry: ${text}`);
  }

  /** The main command's output, without the lines that name the runner's paths, masked and bounded. */
  output(limit: number, worktree: string): string | null {
    let text = this.#output.join("");
    if (text.trim() === "") return null;
    // `plan -out` ends with where it saved the plan and how to apply it: runner paths, not the plan.
    const saved = text.indexOf("\nSaved the plan to:");
    if (saved >= 0) {
      const separator = text.lastIndexOf("\n─", saved - 1);
      text = text.slice(0, separator >= 0 && saved - separator < 400 ? separator : saved);
    }
    // Progress lines printed before the plan ("x: Refreshing state...") are not part of it.
    text = text.replace(
      /^\S[^\n]*: (Refreshing state\.\.\.|Reading\.\.\.|Read complete after |Preparing import\.\.\.)[^\n]*\n/gm,
      "",
    );
    return truncateMiddle(this.#clean(text, worktree), limit);
  }

  /** The tool's own error text (the tool's error output, then Terragrunt's errors about the unit). */
  error(limit: number, worktree: string): string | null {
    const text = [this.#toolErrors.join(""), this.#errors.join("\n")]
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
    return text === "" ? null : truncateMiddle(this.#clean(text, worktree), limit);
  }

  #clean(text: string, worktree: string): string {
    return this.#masker
      .mask(text.split(`${worktree}/`).join("").split(worktree).join("."))
      .replace(/^\n+/, "")
      .replace(/\s+$/, "\n");
  }

  /**
   * Errors with a place: OpenTofu's `on FILE line N` is relative to the unit's copy of its module and is
   * mapped back to the repository directory the module came from; Terragrunt's own name the file itself.
   */
  diagnostics(worktree: string): Diagnostic[] {
    const found: Diagnostic[] = [];
    const read = (text: string, resolveFile: (file: string) => string | undefined) => {
      for (const match of text.matchAll(
        /^(?:\s*│\s*)?(Error|Warning): (.+)\n(?:[\s│]*\n)*(?:\s*│\s*)?\s*on (\S+) line (\d+)/gm,
      )) {
        const file = resolveFile(match[3]!);
        found.push({
          severity: match[1] === "Error" ? "error" : "warning",
          summary: this.#masker.mask(match[2]!.trim()),
          ...(file ? { file } : {}),
          line: Number(match[4]),
        });
      }
    };
    read(this.#toolErrors.join(""), (file) => this.#repositoryFile(file));
    read(this.#errors.join("\n"), (file) =>
      file.startsWith("/") ? repositoryPath(file, worktree) : posix.normalize(file),
    );
    if (found.length === 0 && this.#toolErrors.length + this.#errors.length > 0) {
      const summary = /(?:^|\n)\s*Error: (.+)/.exec([...this.#toolErrors, ...this.#errors].join("\n"))?.[1];
      found.push({
        severity: "error",
        summary: this.#masker.mask(summary?.trim() ?? "the unit failed; see its log"),
        file: `${this.unit}/terragrunt.hcl`,
      });
    }
    return found;
  }

  #repositoryFile(file: string): string | undefined {
    if (file.startsWith("/")) return undefined;
    const directory = this.#workingDirectory;
    if (directory === null) return posix.join(this.unit, file);
    const download = this.#downloads.find(
      (entry) => directory === entry.into || directory.startsWith(`${entry.into}/`),
    );
    if (download === undefined)
      return directory.includes(".terragrunt-cache") ? undefined : posix.join(directory, file);
    return posix.join(download.from, directory.slice(download.into.length), file);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#log.end(resolve));
  }
}

function repositoryPath(path: string, worktree: string): string | undefined {
  if (!path.startsWith(`${worktree}/`)) return undefined;
  return path.slice(worktree.length + 1);
}
