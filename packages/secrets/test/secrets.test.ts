import { describe, expect, it } from "vitest";
import { isSecretName, looksLikeSecretValue, urlPasswords } from "../src/index.js";

describe("what looks like a secret", () => {
  it("names: tokens, passwords, keys and auth, but not authors, ids, paths or switches", () => {
    for (const name of [
      "GITHUB_TOKEN",
      "TF_VAR_db_pass",
      "DB_PASSWORD",
      "API_KEY",
      "NPM_AUTH",
      "AUTH_HEADER",
      "SENTRY_DSN",
    ])
      expect(isSecretName(name), name).toBe(true);
    for (const name of ["GIT_AUTHOR_NAME", "AWS_ACCESS_KEY_ID", "TOKEN_FILE", "SSH_AUTH_SOCK", "REGION"])
      expect(isSecretName(name), name).toBe(false);
  });

  it("values: well-known credential formats and URL passwords", () => {
    expect(looksLikeSecretValue(`ghp_${"a".repeat(36)}`)).toBe(true);
    expect(looksLikeSecretValue("AKIAABCDEFGHIJKLMNOP")).toBe(true);
    expect(looksLikeSecretValue("https://user:hunter2@example.com/repo.git")).toBe(true);
    expect(looksLikeSecretValue("eu-west-1")).toBe(false);
    expect(urlPasswords("clone https://x-access-token:ghs_abc@github.com/a/b and https://github.com/c")).toEqual([
      "ghs_abc",
    ]);
  });
});
