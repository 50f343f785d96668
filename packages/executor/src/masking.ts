/**
 * Secret masking. One `SecretMasker` per run collects every value that must never be shown (credential
 * values, tokens from the environment, values OpenTofu marks sensitive) and redacts them from logs, the
 * report and the terminal. It only grows: a value learnt from one unit's plan is masked in every later
 * output too.
 */
import { Transform, type TransformCallback } from "node:stream";
import { isSecretName } from "@gantry/classifier";

export const MASK = "***";

/** Values shorter than this are not masked: masking `dev` or `true` would destroy every log. */
export const MIN_SECRET_LENGTH = 4;

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
      if (value.length < MIN_SECRET_LENGTH || this.#secrets.has(value)) continue;
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

/** Values of environment variables whose names say they are secret (tokens, keys, passwords). */
export function secretsFromEnvironment(env: Record<string, string | undefined>): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && isSecretName(name)) {
      secrets.push(value);
    }
  }
  return secrets;
}
