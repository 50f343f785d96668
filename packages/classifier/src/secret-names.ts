/**
 * What looks like a secret, shared by the configuration check (a secret in `terragrunt.env` would be copied
 * into every job document, plan output and CI log, so it is refused) and by the executor's masking (values of
 * such variables are redacted everywhere).
 */

/** Environment variable names whose values are treated as secrets. */
const secretNamePattern = /(SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL|SESSION_KEY)/i;
/** Names that match the pattern but hold ids, paths or sockets, not secrets. */
const notSecretSuffix = /(_ID|_FILE|_PATH|_SOCK|_DIR|_URL)$/i;

/** Well-known credential formats: GitHub tokens, AWS access key ids, PEM private keys, Slack tokens. */
const secretValuePattern = /^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|(AKIA|ASIA)[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,})$|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export function isSecretName(name: string): boolean {
  return secretNamePattern.test(name) && !notSecretSuffix.test(name);
}

export function looksLikeSecretValue(value: string): boolean {
  return secretValuePattern.test(value.trim());
}
