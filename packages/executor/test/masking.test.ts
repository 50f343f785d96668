import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { MASK, SecretMasker, secretsFromEnvironment } from "../src/index.js";

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
      secretsFromEnvironment({ GITHUB_TOKEN: "ghs_abc", AWS_SECRET_ACCESS_KEY: "k", DB_PASSWORD: "p", HOME: "/root", AWS_ACCESS_KEY_ID: "AKIA", TOKEN_FILE: "/x" }).sort(),
    ).toEqual(["ghs_abc", "k", "p"]);
  });
});
