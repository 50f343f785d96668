import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { formatFieldPath, parseDocument, readDocument, validateDocument, type DocumentSpec } from "../src/index.js";

const schema = z.object({
  apiVersion: z.literal("gantry/v1"),
  jobs: z.array(z.object({ id: z.string(), needs: z.array(z.string()) })),
});
const spec = {
  kind: "Plan",
  schema,
  code: "REPORT_PLAN_INVALID",
  hint: "pass the plan unchanged",
} as const satisfies DocumentSpec<typeof schema>;
const dir = mkdtempSync(join(tmpdir(), "gantry-documents-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("reading a gantry/v1 document", () => {
  it("names the line and column where the text stops being JSON, and what was expected there, never the text", () => {
    let error: unknown;
    try {
      parseDocument('{\n  "apiVersion": "gantry/v1",\n  "jobs": [ secret-token ]\n}', spec, "plan.json");
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toMatchObject({
      code: "REPORT_PLAN_INVALID",
      exitCode: 20,
      location: { file: "plan.json", line: 3, column: 13 },
      hint: "pass the plan unchanged",
    });
    expect((error as Error).message).toBe("the Plan is not JSON: expected a JSON value at line 3, column 13");
  });

  it("names the first invalid field by its path, and how many more problems there are", () => {
    expect(() =>
      validateDocument({ apiVersion: "gantry/v1", jobs: [{ id: "a", needs: ["b", 3] }, { id: 4 }] }, spec, "plan.json"),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /^not a valid gantry\/v1 Plan: field "jobs\[0\]\.needs\[1\]": .+ \(and 2 more problems\)$/,
        ),
        location: { file: "plan.json" },
      }),
    );
    expect(validateDocument({ apiVersion: "gantry/v1", jobs: [] }, spec, "plan.json")).toEqual({
      apiVersion: "gantry/v1",
      jobs: [],
    });
  });

  it("reads a file relative to the working directory, or stdin for -, and names a file it cannot read", async () => {
    writeFileSync(join(dir, "plan.json"), JSON.stringify({ apiVersion: "gantry/v1", jobs: [] }));
    await expect(readDocument("plan.json", spec, { cwd: dir })).resolves.toEqual({ apiVersion: "gantry/v1", jobs: [] });
    await expect(
      readDocument("-", spec, { cwd: dir, stdin: Readable.from(['{"apiVersion":"gantry/v1",', '"jobs":[]}']) }),
    ).resolves.toEqual({ apiVersion: "gantry/v1", jobs: [] });
    await expect(readDocument("missing.json", spec, { cwd: dir })).rejects.toMatchObject({
      code: "REPORT_PLAN_INVALID",
      message: "cannot read the Plan missing.json: no such file",
      location: { file: "missing.json" },
    });
    await expect(readDocument("-", spec, { cwd: dir, stdin: Readable.from(["{"]) })).rejects.toMatchObject({
      location: { file: "<stdin>", line: 1, column: 2 },
    });
  });
});

describe("formatFieldPath", () => {
  it("writes keys with dots, indexes and other keys in brackets", () => {
    expect(formatFieldPath(["jobs", 0, "needs", 1])).toBe("jobs[0].needs[1]");
    expect(formatFieldPath(["terragrunt", "env", "MY-VAR"])).toBe('terragrunt.env["MY-VAR"]');
    expect(formatFieldPath([])).toBe("(document)");
    expect(formatFieldPath([], "(top level)")).toBe("(top level)");
  });
});
