import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createTempGitRepo } from "@gantry/testkit";
import { MASK, SecretMasker, secretsFromEnvironment } from "../src/index.js";
import { secretsFromGitConfig } from "../src/masking.js";
import { toolEnvironment } from "../src/tool-environment.js";

async function throughStream(masker: SecretMasker, chunks: string[]): Promise<string> {
  const stream = masker.createStream();
  const sink = new PassThrough();
  stream.pipe(sink);
  const collected: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => collected.push(chunk));
  const ended = new Promise((resolve) => sink.on("end", resolve));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await ended;
  return Buffer.concat(collected).toString("utf8");
}

describe("SecretMasker", () => {
  it("masks every occurrence, longest secret first", () => {
    const masker = new SecretMasker(["abcd1234", "abcd1234-extended"]);
    expect(masker.mask("a abcd1234-extended b abcd1234 c")).toBe(`a ${MASK} b ${MASK} c`);
  });

  it("ignores values too short to be secrets, and masks multi-line secrets line by line", () => {
    const masker = new SecretMasker(["dev", "-----BEGIN KEY-----\nline-one-of-key\nline-two-of-key"]);
    expect(masker.mask("env dev")).toBe("env dev");
    expect(masker.mask("x line-two-of-key y")).toBe(`x ${MASK} y`);
  });

  it("masks the JSON-escaped form of a secret", () => {
    const masker = new SecretMasker(['pa"ss\\word']);
    expect(masker.mask(JSON.stringify({ password: 'pa"ss\\word' }))).toBe(`{"password":"${MASK}"}`);
  });

  it("masks a secret split across stream chunks", async () => {
    const masker = new SecretMasker(["s3cr3t-value-xyz"]);
    const out = await throughStream(masker, ["token: s3cr", "3t-val", "ue-xyz\nnext line\nlast s3cr3t-", "value-xyz"]);
    expect(out).toBe(`token: ${MASK}\nnext line\nlast ${MASK}`);
  });

  it("masks secrets learnt after the stream was created", async () => {
    const masker = new SecretMasker();
    const stream = masker.createStream();
    const parts: string[] = [];
    stream.on("data", (chunk: Buffer) => parts.push(chunk.toString()));
    masker.add("late-secret-1");
    stream.end("value late-secret-1\n");
    await new Promise((resolve) => stream.on("end", resolve));
    expect(parts.join("")).toBe(`value ${MASK}\n`);
  });

  it("releases very long lines without a newline, still masked", async () => {
    const masker = new SecretMasker(["needle-secret"]);
    const long = "x".repeat(70_000);
    const out = await throughStream(masker, [long, "needle-", "secret", long]);
    expect(out).toBe(`${long}${MASK}${long}`);
  });

  it("treats values of secret-looking environment variables as secrets", () => {
    expect(
      secretsFromEnvironment({
        GITHUB_TOKEN: "ghs_abc",
        AWS_SECRET_ACCESS_KEY: "k",
        DB_PASSWORD: "p",
        HOME: "/root",
        AWS_ACCESS_KEY_ID: "AKIA",
        TOKEN_FILE: "/x",
      }).sort(),
    ).toEqual(["ghs_abc", "k", "p"]);
  });

  it("masks by value every secret-looking variable: passwords, *_AUTH, keys, URL userinfo; never switches or ids", () => {
    const env = {
      TF_VAR_db_pass: "hunter2-db",
      TF_VAR_admin_password: "correct horse",
      NPM_AUTH: "npm-auth-value",
      TF_VAR_ssh_key: "ssh-key-value",
      DATABASE_URL: "postgres://app:pg-password-1@db.internal:5432/app",
      GIT_AUTHOR_NAME: "Alice Example",
      TF_VAR_bypass_cache: "true",
      TF_VAR_kms_key_id: "kms-1234",
      PWD: "/home/runner/work",
    };
    const masker = new SecretMasker(secretsFromEnvironment(env));
    const text =
      "hunter2-db / correct horse / npm-auth-value / ssh-key-value / pg-password-1 / Alice Example / true / kms-1234 / /home/runner/work";
    expect(masker.mask(text)).toBe(
      `${MASK} / ${MASK} / ${MASK} / ${MASK} / ${MASK} / Alice Example / true / kms-1234 / /home/runner/work`,
    );
  });

  it("masks URL userinfo passwords and Authorization headers it was never told about", () => {
    const masker = new SecretMasker();
    expect(masker.mask("cloning https://x-access-token:ghs_unknownvalue1234@github.com/acme/live.git")).toBe(
      `cloning https://x-access-token:${MASK}@github.com/acme/live.git`,
    );
    expect(masker.mask("http.https://github.com/.extraheader AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hz")).toBe(
      `http.https://github.com/.extraheader AUTHORIZATION: basic ${MASK}`,
    );
    expect(masker.mask("see https://github.com/acme/live and user@example.com")).toBe(
      "see https://github.com/acme/live and user@example.com",
    );
  });

  it("masks the credentials a checkout keeps in .git/config (actions/checkout without persist-credentials: false)", async () => {
    await using repo = createTempGitRepo({ "a.txt": "a" });
    repo.git("config", "http.https://github.com/.extraheader", "AUTHORIZATION: basic c2VjcmV0LWNoZWNrb3V0LXRva2Vu");
    repo.git("remote", "add", "origin", "https://x-access-token:ghs_remotetoken123456@github.com/acme/live.git");
    const masker = new SecretMasker(await secretsFromGitConfig(repo.dir));
    expect(masker.mask("c2VjcmV0LWNoZWNrb3V0LXRva2Vu and ghs_remotetoken123456")).toBe(`${MASK} and ${MASK}`);
  });
});

describe("toolEnvironment", () => {
  const caller = {
    PATH: "/usr/bin",
    HOME: "/home/runner",
    HTTPS_PROXY: "http://proxy:3128",
    TF_VAR_region: "eu-west-1",
    ACTIONS_ID_TOKEN_REQUEST_URL: "http://runner/idtoken",
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: "request-token",
    ACTIONS_RUNTIME_TOKEN: "runtime-token",
    GITHUB_TOKEN: "ghs_workflowtoken",
    GH_TOKEN: "ghs_cli",
    GANTRY_CODE_READ_TOKEN: "ghp_code",
    GANTRY_DISPATCH_TOKEN: "ghp_dispatch",
    INPUT_TOKEN: "input-token",
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: "AUTHORIZATION: basic abc",
    GITHUB_REPOSITORY: "acme/infrastructure-pipelines",
    AWS_PROFILE: "admin",
    AWS_REGION: "us-east-1",
  };

  it("never gives the tools the runner's tokens, GitHub tokens, Gantry's settings and tokens, or git config from the environment", () => {
    const env = toolEnvironment({ caller, job: { TG_PROVIDER_CACHE: "1" }, credentials: {}, stateDir: "/state" });
    expect(
      Object.keys(env).filter((name) => /TOKEN|ACTIONS_|GANTRY_(?!STATE_DIR)|INPUT_|GIT_CONFIG/.test(name)),
    ).toEqual([]);
    expect(env).toMatchObject({
      PATH: "/usr/bin",
      HOME: "/home/runner",
      HTTPS_PROXY: "http://proxy:3128",
      TF_VAR_region: "eu-west-1",
      TG_PROVIDER_CACHE: "1",
      GITHUB_REPOSITORY: "acme/infrastructure-pipelines",
      AWS_PROFILE: "admin",
      GANTRY_STATE_DIR: "/state",
      TF_INPUT: "0",
    });
  });

  it("uses only the job's credentials when it has them: other AWS credential sources are dropped", () => {
    const env = toolEnvironment({
      caller,
      job: {},
      credentials: {
        AWS_ACCESS_KEY_ID: "ASIAX",
        AWS_SECRET_ACCESS_KEY: "s",
        AWS_SESSION_TOKEN: "t",
        AWS_REGION: "eu-west-1",
      },
      stateDir: "/state",
    });
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env).toMatchObject({ AWS_ACCESS_KEY_ID: "ASIAX", AWS_REGION: "eu-west-1" });
  });

  it("refuses a job whose terragrunt.env sets a variable of the pipelines side", () => {
    for (const name of [
      "TG_TF_PATH",
      "TF_CLI_CONFIG_FILE",
      "GIT_SSH_COMMAND",
      "AWS_ROLE_ARN",
      "ACTIONS_ID_TOKEN_REQUEST_URL",
      "PATH",
    ]) {
      expect(() =>
        toolEnvironment({ caller, job: { [name]: "/tmp/evil" }, credentials: {}, stateDir: "/state" }),
      ).toThrow(expect.objectContaining({ code: "EXEC_TOOL_ENV_REFUSED", exitCode: 33 }));
    }
  });
});
