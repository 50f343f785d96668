/**
 * STS session names that say who and why, so CloudTrail shows the person behind a change:
 * `<actor>-via-gantry@PR-<n>` or `<actor>-via-gantry@<branch>`, within STS's rules (2-64 characters of
 * `[\w+=,.@-]`). The actor is shortened first so the reason survives.
 */
const MAX_LENGTH = 64;

const sanitise = (value: string) => value.replace(/[^\w+=,.@-]/g, "-");

export function buildSessionName(input: {
  actor: string;
  pullRequest?: number | undefined;
  branch?: string | undefined;
}): string {
  const reason = sanitise(
    input.pullRequest !== undefined ? `@PR-${input.pullRequest}` : `@${input.branch || "unknown"}`,
  );
  const suffix = `-via-gantry${reason}`.slice(0, MAX_LENGTH - 2);
  const actor = sanitise(input.actor || "unknown").slice(0, Math.max(2, MAX_LENGTH - suffix.length));
  return `${actor}${suffix}`.slice(0, MAX_LENGTH);
}

/** Who and why, from the Actions variables and the job. */
export function sessionNameFromEnvironment(env: NodeJS.ProcessEnv, branch: string): string {
  const actor = env["GITHUB_TRIGGERING_ACTOR"] || env["GITHUB_ACTOR"] || "unknown";
  const fromVariable = Number(env["GANTRY_PULL_REQUEST_NUMBER"]);
  const fromRef = /^refs\/pull\/(\d+)\//.exec(env["GITHUB_REF"] ?? "")?.[1];
  const pullRequest =
    Number.isInteger(fromVariable) && fromVariable > 0 ? fromVariable : fromRef ? Number(fromRef) : undefined;
  return buildSessionName({ actor, pullRequest, branch });
}
