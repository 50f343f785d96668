/**
 * @gantry/secrets: what looks like a secret, shared by the configuration check (a secret in `terragrunt.env` would be copied
 * into every job document, plan output and CI log, so it is refused) and by the executor's masking (values of
 * such variables are redacted everywhere).
 */

/**
 * Environment variable names whose values are treated as secrets: tokens, passwords and pass phrases
 * (`TF_VAR_db_pass`), keys, credentials, cookies, connection strings, and `*_AUTH` / `AUTH_*` /
 * `*AUTHORIZATION*` (but not `AUTHOR`, as in `GIT_AUTHOR_NAME`).
 */
const secretNamePattern =
  /(SECRET|TOKEN|PASS|PRIVATE_KEY|API_KEY|ACCESS_KEY|_KEY$|CREDENTIAL|CREDS|SESSION_KEY|COOKIE|SALT|DSN$|CONNECTION_STRING|(^|_)AUTH($|_)|AUTHORIZATION)/i;
/** Names that match the pattern but hold ids, paths, sockets or switches, not secrets. */
const notSecretSuffix = /(_ID|_FILE|_PATH|_SOCK|_DIR|_URL|_ENABLED|_DISABLED)$/i;

/** Well-known credential formats: GitHub tokens, AWS access key ids, PEM private keys, Slack tokens. */
const secretValuePattern =
  /^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|(AKIA|ASIA)[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,})$|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export function isSecretName(name: string): boolean {
  return secretNamePattern.test(name) && !notSecretSuffix.test(name);
}

export function looksLikeSecretValue(value: string): boolean {
  return secretValuePattern.test(value.trim()) || urlPassword(value) !== undefined;
}

/** `scheme://user:password@host…`: the URL's password, the userinfo secret that masking hides. */
const userinfoPattern = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:([^\s/@]+)@/gi;

/** The passwords of every URL with userinfo in `text` (`https://x-access-token:TOKEN@github.com/…`). */
export function urlPasswords(text: string): string[] {
  return [...text.matchAll(userinfoPattern)].map((match) => match[1]!);
}

function urlPassword(value: string): string | undefined {
  return urlPasswords(value)[0];
}
