/**
 * Secret masking. One `SecretMasker` per run collects every value that must never be shown (credential
 * values, tokens from the environment, values OpenTofu marks sensitive) and redacts them from logs, the
 * report and the terminal. It only grows: a value learnt from one unit's plan is masked in every later
 * output too. Besides known values it masks two shapes wherever they appear: the password of a URL's
 * userinfo (`https://user:***@host`) and the credential of an HTTP `Authorization` header.
 */
import { runGit } from "@gantry/git";
import { Transform, type TransformCallback } from "node:stream";
import { isSecretName, urlPasswords } from "@gantry/secrets";

export const MASK = "***";

/** Values shorter than this are not masked: masking `dev` or `true` would destroy every log. */
export const MIN_SECRET_LENGTH = 4;

/** Values that a secret-looking variable may hold but that are never secrets (switches). */
const notSecretValues = new Set(["true", "false", "null", "none", "yes", "no"]);

/** Secret shapes masked by pattern: URL userinfo's password, and `Authorization: <scheme> <credential>`. */
const shapes: ReadonlyArray<[RegExp, string]> = [
  [/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, `$1${MASK}@`],
  [/(authorization:\s*(?:basic|bearer|token)\s+)[A-Za-z0-9+/=._~-]+/gi, `$1${MASK}`],
];

export class SecretMasker {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;
  #longest = 0;

  constructor(secrets: Iterable<string> = []) {
    this.addAll(secrets);
  }

  add(secret: string): void {
    // A multi-line secret (a private key) is masked line by line, since logs are masked per line.
    const parts = secret.includes("\n") ? [secret, ...secret.split(/\r?\n/)] : [secret];
    for (const raw of parts) {
      const value = raw.trim();
      if (value.length < MIN_SECRET_LENGTH || this.#secrets.has(value) || notSecretValues.has(value.toLowerCase()))
        continue;
      this.#secrets.add(value);
      // The JSON-escaped form appears in JSON documents and plan output.
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value) this.#secrets.add(escaped);
      this.#pattern = undefined;
    }
  }

  addAll(secrets: Iterable<string>): void {
    for (const secret of secrets) this.add(secret);
  }

  get size(): number {
    return this.#secrets.size;
  }

  /** The length of the longest secret: a stream must hold back this much of an unfinished line. */
  get longest(): number {
    return this.#longest;
  }

  mask(text: string): string {
    let masked = text;
    for (const [pattern, replacement] of shapes) masked = masked.replace(pattern, replacement);
    return this.maskValues(masked);
  }

  private maskValues(text: string): string {
    if (this.#secrets.size === 0) return text;
    if (!this.#pattern) {
      // Longest first, so a secret that contains another is masked whole.
      const sorted = [...this.#secrets].sort((a, b) => b.length - a.length);
      this.#longest = sorted[0]?.length ?? 0;
      this.#pattern = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
    }
    return text.replace(this.#pattern, MASK);
  }

  /**
   * A stream that masks what passes through. It works on whole lines so a secret split across two
   * chunks is still found; an unfinished line is held back until its newline (or until it grows long,
   * then all but a secret's length of it is released).
   */
  createStream(): Transform {
    let pending = "";
    const masker = this;
    return new Transform({
      decodeStrings: true,
      transform(chunk: Buffer, _encoding, callback: TransformCallback) {
        pending += chunk.toString("utf8");
        const lastNewline = pending.lastIndexOf("\n");
        let out = "";
        if (lastNewline >= 0) {
          out = masker.mask(pending.slice(0, lastNewline + 1));
          pending = pending.slice(lastNewline + 1);
        }
        if (pending.length > 64 * 1024) {
          masker.mask("");
          const keep = Math.max(masker.longest, 1);
          // Mask the whole buffer, then release all but the tail that could start a split secret.
          const masked = masker.mask(pending);
          out += masked.slice(0, masked.length - keep);
          pending = masked.slice(masked.length - keep);
        }
        callback(null, out);
      },
      flush(callback: TransformCallback) {
        callback(null, masker.mask(pending));
      },
    });
  }
}

/**
 * Values of environment variables whose names say they are secret (tokens, keys, passwords), and the
 * passwords of URLs with userinfo in any variable (`DATABASE_URL=postgres://app:pw@db/app`).
 */
export function secretsFromEnvironment(env: Record<string, string | undefined>): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (isSecretName(name)) secrets.push(value);
    secrets.push(...urlPasswords(value));
  }
  return secrets;
}

/**
 * Credentials a checkout keeps in its git configuration (an `http.*.extraheader`, as `actions/checkout`
 * writes unless `persist-credentials: false`; a remote URL with userinfo): the tools could read and print
 * them, so they are masked. Empty when git cannot be asked.
 */
export async function secretsFromGitConfig(repo: string): Promise<string[]> {
  const listed = await runGit(repo, ["config", "--get-regexp", "^(http\\..*extraheader|remote\\..*\\.url)$"]).catch(
    () => undefined,
  );
  const secrets: string[] = [];
  for (const line of listed?.stdout.split("\n") ?? []) {
    const value = line.slice(line.indexOf(" ") + 1);
    if (/extraheader /i.test(line))
      secrets.push(value, value.replace(/^authorization:\s*(basic|bearer|token)\s+/i, ""));
    secrets.push(...urlPasswords(value));
  }
  return secrets.filter((secret) => secret.length > 0);
}
