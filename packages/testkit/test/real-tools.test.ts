import { afterEach, describe, expect, it, vi } from "vitest";
import { realToolOrSkip } from "../src/real-tools.js";

describe("realToolOrSkip", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("returns what was found, under CI or not", () => {
    vi.stubEnv("CI", "true");
    expect(realToolOrSkip("/usr/bin/terragrunt", "terragrunt", "install it")).toBe("/usr/bin/terragrunt");
  });

  it("fails under CI, naming what is missing and what to do", () => {
    vi.stubEnv("CI", "true");
    expect(() => realToolOrSkip(undefined, "Terragrunt's test fixtures", "run scripts/setup.sh")).toThrow(
      "not found: Terragrunt's test fixtures. Under CI the tests that need it must run, not skip: run scripts/setup.sh",
    );
  });

  it("skips locally, saying why", () => {
    vi.stubEnv("CI", "");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    expect(realToolOrSkip(undefined, "terragrunt", "source scripts/tools-env.sh")).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      "skipping the tests that need terragrunt: not found (source scripts/tools-env.sh)",
    );
    warn.mockRestore();
  });
});
