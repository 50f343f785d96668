import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, formatDidYouMean } from "../src/index.js";

describe("editDistance", () => {
  it("counts an insertion, a deletion, a replacement and a swap of neighbours as one edit each", () => {
    expect(editDistance("plan", "plans")).toBe(1);
    expect(editDistance("plan", "pan")).toBe(1);
    expect(editDistance("plan", "plen")).toBe(1);
    expect(editDistance("format", "fromat")).toBe(1);
    expect(editDistance("Detect", "detect")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
  });
});

describe("didYouMean", () => {
  const flags = ["repo", "repository", "base", "head", "event", "format", "json", "no-cache"];

  it("suggests the closest names first, and abbreviations", () => {
    expect(didYouMean("fromat", flags)).toEqual(["format"]);
    expect(didYouMean("rep", flags)).toEqual(["repo", "repository"]);
    expect(didYouMean("hed", flags)).toEqual(["head"]);
    expect(didYouMean("evnet", ["event", "events"])).toEqual(["event"]);
  });

  it("suggests nothing for a name far from every candidate", () => {
    expect(didYouMean("xyzzy", flags)).toEqual([]);
    expect(didYouMean("js", ["ok"])).toEqual([]);
  });

  it("formats one, two or three suggestions", () => {
    expect(formatDidYouMean("fromat", flags)).toBe("did you mean 'format'?");
    expect(formatDidYouMean("rep", flags, (name) => `--${name}`)).toBe("did you mean --repo or --repository?");
    expect(formatDidYouMean("xyzzy", flags)).toBeUndefined();
  });
});
