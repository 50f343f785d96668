/**
 * The one environment every git process of Gantry runs with. Gantry reads repositories it does not trust: a
 * pull request chooses the tree (`.gitattributes`, `.gitmodules`, symlinks), and code a plan runs (Terragrunt
 * hooks, external data sources) can write the checkout's own `.git/config`. So git runs without the system
 * configuration, with none of the inherited `GIT_*` variables that redirect it (`GIT_DIR`, `GIT_INDEX_FILE`,
 * `GIT_CONFIG_PARAMETERS`, ...), and with command-line configuration (which outranks the repository's own)
 * that turns off every key that makes git run a program during the operations Gantry uses.
 *
 * Left as configured: the operator's global configuration (`safe.directory` entries containers need, URL
 * rewrites), and the keys only a network operation reads to authenticate (`credential.helper`,
 * `core.sshCommand`, `core.askPass`): the fetches need the operator's authentication, and a repository whose
 * configuration an attacker writes could as well point `remote.origin.url` elsewhere, which is why the guards
 * take the deploy branch's tip only from a fetch of origin run by the pipelines side (see `@gantry/guards`).
 */

/** Inherited `GIT_*` variables that are the operator's choice; every other one is dropped. */
const INHERITED = new Set([
  "GIT_SSH",
  "GIT_SSH_COMMAND",
  "GIT_SSH_VARIANT",
  "GIT_ASKPASS",
  "GIT_EXEC_PATH",
  "GIT_CONFIG_GLOBAL",
  "GIT_HTTP_USER_AGENT",
  "GIT_AUTHOR_NAME",
  "GIT_AUTHOR_EMAIL",
  "GIT_COMMITTER_NAME",
  "GIT_COMMITTER_EMAIL",
]);

const HARDENED = {
  /** The machine's `/etc/gitconfig` is nobody's decision for this run. */
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_ATTR_NOSYSTEM: "1",
  /** Never wait for a password on a terminal nobody watches. */
  GIT_TERMINAL_PROMPT: "0",
  /** Messages Gantry parses are git's own English; numbers and dates unlocalised. */
  LC_ALL: "C",
  /** Reads do not take the index lock a user's git in the same checkout may need. */
  GIT_OPTIONAL_LOCKS: "0",
  GIT_PAGER: "cat",
  PAGER: "cat",
  /** An object id means its own content: `refs/replace/*` cannot make the guards see other history. */
  GIT_NO_REPLACE_OBJECTS: "1",
  /** Transports a URL may use; `ext::` (which runs a command) and `fd::` never, whatever the configuration says. */
  GIT_ALLOW_PROTOCOL: "file:http:https:ssh",
} as const;

/** Configuration for every call, as `git -c` gives it: each key runs a program (or starts a fetch) otherwise. */
export const HARDENED_CONFIG: Readonly<Record<string, string>> = {
  "core.fsmonitor": "false",
  "core.hooksPath": "/dev/null",
  "core.pager": "cat",
  "submodule.recurse": "false",
  "fetch.recurseSubmodules": "false",
  "gc.auto": "0",
  "maintenance.auto": "false",
};

/** The environment of one git process: the hardened base, then `config` (after `HARDENED_CONFIG`) and `env`. */
export function gitEnvironment(
  config: Readonly<Record<string, string>> = {},
  env: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && (!name.startsWith("GIT_") || INHERITED.has(name))) result[name] = value;
  }
  Object.assign(result, HARDENED);
  const entries = Object.entries({ ...HARDENED_CONFIG, ...config });
  result.GIT_CONFIG_COUNT = String(entries.length);
  entries.forEach(([key, value], index) => {
    result[`GIT_CONFIG_KEY_${index}`] = key;
    result[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return Object.assign(result, env);
}
