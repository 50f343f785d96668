/**
 * IAM trust policies for the plan and apply roles, and a linter for the misconfigurations that let other
 * repositories, branches, pull requests or plan runs assume them.
 *
 * Plans and applies run in different workflows of the pipelines repository (`plan.yml`, `apply.yml`), and
 * only the apply workflow's job runs in the GitHub environment `gantry-apply` (its deployment branches: `main`
 * only). GitHub puts that environment in the job's OIDC `sub` (`repo:O/P:environment:gantry-apply`), and AWS
 * evaluates only `sub` and `aud` of GitHub's token, so:
 *
 * - plan role: `aud` = `sts.amazonaws.com`; `sub` any ref or pull request of the infrastructure repository, the
 *   pipelines repository's `main` (`plan.yml`) and the apply workflow (which plans a push's plan-only units);
 *   read-only by its permissions.
 * - apply role: `aud` = `sts.amazonaws.com`; `sub` exactly the pipelines repository's apply environment. A plan
 *   run on the same `main` has a `ref:` subject and does not match.
 * - `workflowInSubject`: the pipelines repository's `sub` template includes `job_workflow_ref` (GitHub's
 *   customisation `{"use_default": false, "include_claim_keys": ["repo", "context", "job_workflow_ref"]}`),
 *   and the apply role is pinned to `apply.yml` on `main` too; the plan role then names `plan.yml`.
 * - GitHub's immutable `sub` format (`repo:OWNER@ownerId/REPO@repoId:...`) is an option.
 */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** The GitHub environment the apply workflow's job runs in, and the workflow files. */
export const APPLY_ENVIRONMENT = "gantry-apply";
export const APPLY_WORKFLOW = "apply.yml";
export const PLAN_WORKFLOW = "plan.yml";

/** The claims of GitHub's token that AWS can evaluate in a trust policy's conditions. */
export const AWS_EVALUATED_CLAIMS = ["sub", "aud"] as const;

export interface TrustPolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal: { Federated: string | string[] };
  Action: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface TrustPolicy {
  Version: "2012-10-17";
  Statement: TrustPolicyStatement[];
}

export interface TrustPolicyInput {
  repoOwner: string;
  /** The infrastructure repository (name only). */
  repo: string;
  /** The pipelines repository (name, or owner/name within the same owner) that applies; default `repo`. */
  pipelinesRepo?: string;
  /** Default: the placeholder `ACCOUNT_ID`. */
  accountId?: string;
  /** Use GitHub's immutable `sub` format; needs the ids. */
  immutableSubject?: { ownerId: string; repoId: string; pipelinesRepoId?: string };
  /** The OIDC provider host; GitHub's by default (tests use a local issuer). */
  issuerHost?: string;
  /** The GitHub environment of the apply workflow's job; default `gantry-apply`. */
  applyEnvironment?: string;
  /** The pipelines repository's `sub` includes `job_workflow_ref` (see the module comment). */
  workflowInSubject?: boolean;
  /** Workflow file names in the pipelines repository; default `apply.yml` and `plan.yml`. */
  applyWorkflow?: string;
  planWorkflow?: string;
}

function subjectRepository(owner: string, name: string, ids: { ownerId: string; repoId: string } | undefined): string {
  return ids ? `${owner}@${ids.ownerId}/${name}@${ids.repoId}` : `${owner}/${name}`;
}

export function buildTrustPolicies(input: TrustPolicyInput): { plan: TrustPolicy; apply: TrustPolicy } {
  const host = input.issuerHost ?? GITHUB_OIDC_HOST;
  const principal = { Federated: `arn:aws:iam::${input.accountId ?? "ACCOUNT_ID"}:oidc-provider/${host}` };
  const pipelinesName = (input.pipelinesRepo ?? input.repo).replace(new RegExp(`^${input.repoOwner}/`), "");
  const ids = input.immutableSubject;
  const infrastructure = subjectRepository(
    input.repoOwner,
    input.repo,
    ids && { ownerId: ids.ownerId, repoId: ids.repoId },
  );
  const pipelinesIds = ids && (pipelinesName === input.repo ? ids.repoId : ids.pipelinesRepoId);
  if (ids && !pipelinesIds) throw new Error("the immutable subject format needs the pipelines repository's id too");
  const pipelines = subjectRepository(
    input.repoOwner,
    pipelinesName,
    ids && pipelinesIds ? { ownerId: ids.ownerId, repoId: pipelinesIds } : undefined,
  );
  const workflow = (file: string) =>
    input.workflowInSubject
      ? `:job_workflow_ref:${input.repoOwner}/${pipelinesName}/.github/workflows/${file}@refs/heads/main`
      : "";
  const applySubject = `repo:${pipelines}:environment:${input.applyEnvironment ?? APPLY_ENVIRONMENT}${workflow(input.applyWorkflow ?? APPLY_WORKFLOW)}`;
  const pipelinesPlanSubject = `repo:${pipelines}:ref:refs/heads/main${workflow(input.planWorkflow ?? PLAN_WORKFLOW)}`;
  // The apply workflow also plans (a push's plan-only units) with the plan role.
  const planSubjects = [
    ...new Set([
      `repo:${infrastructure}:ref:*`,
      `repo:${infrastructure}:pull_request`,
      pipelinesPlanSubject,
      applySubject,
    ]),
  ];
  const statement = (sid: string, condition: TrustPolicyStatement["Condition"]): TrustPolicy => ({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: sid,
        Effect: "Allow",
        Principal: principal,
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: condition,
      },
    ],
  });
  return {
    plan: statement("GantryPlanReadOnly", {
      StringEquals: { [`${host}:aud`]: "sts.amazonaws.com" },
      StringLike: { [`${host}:sub`]: planSubjects },
    }),
    apply: statement("GantryApplyWorkflowOnly", {
      StringEquals: { [`${host}:aud`]: "sts.amazonaws.com", [`${host}:sub`]: applySubject },
    }),
  };
}

export interface TrustPolicyFinding {
  code:
    | "TRUST_NO_SUB_CONDITION"
    | "TRUST_MISSING_AUDIENCE"
    | "TRUST_WILDCARD_OWNER"
    | "TRUST_WILDCARD_REPOSITORY"
    | "TRUST_WILDCARD_REF_ON_APPLY"
    | "TRUST_APPLY_TRUSTS_PLAN_RUNS"
    | "TRUST_APPLY_OUTSIDE_PIPELINES_REPOSITORY"
    | "TRUST_UNEVALUATED_CLAIM"
    | "TRUST_STRINGLIKE_WITHOUT_WILDCARD"
    | "TRUST_POLICY_INVALID";
  /** Index of the statement in `Statement`, or null for the whole document. */
  statement: number | null;
  message: string;
  fix: string;
}

const POSITIVE_OPERATORS = [
  "StringEquals",
  "StringLike",
  "ForAnyValue:StringEquals",
  "ForAnyValue:StringLike",
  "ForAllValues:StringEquals",
  "ForAllValues:StringLike",
];
const hasWildcard = (value: string) => /[*?]/.test(value);
const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Values of a condition key (by suffix, `:sub`, `:aud`) under positive operators, with the operator. */
function conditionValues(
  statement: TrustPolicyStatement,
  suffix: string,
): Array<{ operator: string; key: string; value: string }> {
  const found: Array<{ operator: string; key: string; value: string }> = [];
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    if (!POSITIVE_OPERATORS.includes(operator) || typeof block !== "object" || block === null) continue;
    for (const [key, values] of Object.entries(block)) {
      if (key.toLowerCase().endsWith(suffix))
        for (const value of asArray(values)) found.push({ operator, key, value: String(value) });
    }
  }
  return found;
}

/** `repo:OWNER/REPO:rest` (owner and repo may carry immutable `@id`s); null when not in that shape. */
function splitSubject(value: string): { owner: string; repository: string; rest: string } | null {
  const match = /^repo:([^/:]*)\/([^:]*)(?::(.*))?$/.exec(value);
  return match ? { owner: match[1]!, repository: match[2]!, rest: match[3] ?? "" } : null;
}

/** The GitHub claim a condition key names (`<host>:claim`), or null for other keys (`aws:...`). */
function claimOf(key: string): string | null {
  const match = /^[^:]+\.[^:]+(?::\d+)?(?:\/[^:]*)?:([A-Za-z_]+)$/.exec(key);
  return match ? match[1]!.toLowerCase() : null;
}

/**
 * What an apply-role subject lets in that it must not, or null when it pins the apply environment (and, in
 * the customised format, a workflow on `refs/heads/main` that is not the plan workflow).
 */
function applySubjectProblem(rest: string): string | null {
  const context = /^(environment:[^:]+|pull_request|ref:[^:]+)/.exec(rest)?.[1] ?? rest;
  if (context === "pull_request") return "any pull request's workflow";
  if (context.startsWith("ref:")) return `every workflow that runs on ${context.slice(4)}, plan runs included`;
  if (!context.startsWith("environment:")) return "subjects that are not the apply environment";
  const workflow = /:job_workflow_ref:(.+)$/.exec(rest)?.[1];
  if (workflow === undefined) return null;
  if (!workflow.endsWith("@refs/heads/main")) return `the workflow ${workflow}, which is not on refs/heads/main`;
  if (/\/plan\.ya?ml@/.test(workflow)) return "the plan workflow";
  return null;
}

/** The statements that let GitHub's OIDC tokens in, with their index; null when the document has no Statement. */
function oidcStatements(document: unknown): Array<{ statement: TrustPolicyStatement; index: number }> | null {
  const statements = (document as { Statement?: unknown } | null)?.Statement;
  if (
    typeof document !== "object" ||
    document === null ||
    (!Array.isArray(statements) && typeof statements !== "object")
  )
    return null;
  return asArray(statements as TrustPolicyStatement | TrustPolicyStatement[])
    .map((statement, index) => ({ statement, index }))
    .filter(
      ({ statement }) =>
        statement?.Effect === "Allow" &&
        asArray(statement.Principal?.Federated).some((arn) => /:oidc-provider\//.test(arn)),
    );
}

/**
 * The role a policy is plainly for: `apply` when every subject it trusts is exactly a GitHub environment (the
 * plan role always trusts refs or pull requests too); else `unknown`, since a widened apply role and a plan
 * role look alike.
 */
export function inferTrustPolicyRole(document: unknown): "apply" | "unknown" {
  const subjects = (oidcStatements(document) ?? []).flatMap(({ statement }) =>
    conditionValues(statement, ":sub").map((entry) => entry.value),
  );
  const environmentOnly = (value: string) => {
    const subject = splitSubject(value);
    return subject !== null && subject.rest.startsWith("environment:") && !hasWildcard(value);
  };
  return subjects.length > 0 && subjects.every(environmentOnly) ? "apply" : "unknown";
}

/** `owner/name` of a subject's repository, without the immutable format's `@id`s, lower case. */
const repositoryOfSubject = (subject: { owner: string; repository: string }) =>
  `${subject.owner.replace(/@\d+$/, "")}/${subject.repository.replace(/@\d+$/, "")}`.toLowerCase();

export interface LintTrustPolicyOptions {
  /** `owner/name` of the pipelines repository: an apply-role subject of any other repository is a finding. */
  pipelinesRepository?: string;
}

/**
 * Lints one trust policy. `role` says what the role is for: `apply` also refuses any subject that is not
 * exactly the apply environment (so plan runs, pull requests and branches cannot assume it), and, given the
 * pipelines repository, any subject of another repository. Findings are ordered by statement.
 */
export function lintTrustPolicy(
  document: unknown,
  role: "plan" | "apply" | "unknown" = "unknown",
  options: LintTrustPolicyOptions = {},
): TrustPolicyFinding[] {
  const findings: TrustPolicyFinding[] = [];
  const statements = oidcStatements(document);
  if (statements === null) {
    return [
      {
        code: "TRUST_POLICY_INVALID",
        statement: null,
        message: "the document has no Statement",
        fix: 'a trust policy is `{ "Version": "2012-10-17", "Statement": [...] }`; print one with `gantry iam trust-policy`',
      },
    ];
  }
  const pipelines = options.pipelinesRepository;
  statements.forEach(({ statement, index }) => {
    const add = (code: TrustPolicyFinding["code"], message: string, fix: string) =>
      findings.push({ code, statement: index, message, fix });

    const audiences = conditionValues(statement, ":aud");
    if (!audiences.some((entry) => entry.operator === "StringEquals" && entry.value === "sts.amazonaws.com")) {
      add(
        "TRUST_MISSING_AUDIENCE",
        "no StringEquals condition on `<provider>:aud` = sts.amazonaws.com",
        'add "StringEquals": { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }',
      );
    }
    for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
      for (const key of Object.keys(block ?? {})) {
        const claim = claimOf(key);
        if (claim === null || (AWS_EVALUATED_CLAIMS as readonly string[]).includes(claim)) continue;
        add(
          "TRUST_UNEVALUATED_CLAIM",
          `${operator} on '${key}': AWS evaluates only the sub and aud claims of GitHub's token, so this condition never matches (or, negated, always does)`,
          'put the claim in the subject instead: customise the repository\'s OIDC sub (include_claim_keys, e.g. ["repo", "context", "job_workflow_ref"]) and match it in :sub',
        );
      }
    }
    const subjects = conditionValues(statement, ":sub");
    if (subjects.length === 0) {
      add(
        "TRUST_NO_SUB_CONDITION",
        "no condition on `<provider>:sub`: any repository of any GitHub owner can assume this role",
        'add "StringEquals": { "token.actions.githubusercontent.com:sub": "repo:OWNER/REPO:environment:gantry-apply" } (see `gantry iam trust-policy`)',
      );
      return;
    }
    // StringLike whose values are all exact is StringEquals misspelt (exact values beside patterns are fine:
    // one key's values must share an operator).
    for (const operator of new Set(subjects.map((entry) => entry.operator))) {
      const values = subjects.filter((entry) => entry.operator === operator).map((entry) => entry.value);
      if (operator.endsWith("StringLike") && !values.some(hasWildcard)) {
        add(
          "TRUST_STRINGLIKE_WITHOUT_WILDCARD",
          `StringLike is used for '${values.join("', '")}', which has no wildcard`,
          `use StringEquals for exact values: "StringEquals": { "...:sub": ${JSON.stringify(values.length === 1 ? values[0] : values)} }`,
        );
      }
    }
    for (const { value } of subjects) {
      const subject = splitSubject(value);
      if (!subject) {
        if (hasWildcard(value))
          add(
            "TRUST_WILDCARD_OWNER",
            `sub '${value}' does not pin an owner and repository`,
            "use `repo:OWNER/REPO:...` with no wildcard before the second colon",
          );
        continue;
      }
      if (hasWildcard(subject.owner)) {
        add(
          "TRUST_WILDCARD_OWNER",
          `sub '${value}' has a wildcard owner: other GitHub accounts match`,
          `name the owner exactly: repo:YOUR-ORG/${subject.repository}:${subject.rest}`,
        );
      } else if (hasWildcard(subject.repository)) {
        add(
          "TRUST_WILDCARD_REPOSITORY",
          `sub '${value}' has a wildcard repository: every matching repository of ${subject.owner} can assume the role`,
          `name the repository exactly: repo:${subject.owner}/REPO:${subject.rest}`,
        );
      }
      if (role !== "apply") continue;
      const pinned = `repo:${pipelines ?? `${subject.owner}/${subject.repository}`}:environment:${APPLY_ENVIRONMENT}`;
      if (pipelines !== undefined && repositoryOfSubject(subject) !== pipelines.toLowerCase()) {
        add(
          "TRUST_APPLY_OUTSIDE_PIPELINES_REPOSITORY",
          `the apply role accepts sub '${value}', of ${repositoryOfSubject(subject)}, not of the pipelines repository ${pipelines}: that repository's workflows could assume it`,
          `pin it to the pipelines repository's apply environment: "StringEquals": { "...:sub": "${pinned}" }`,
        );
        continue;
      }
      if (hasWildcard(subject.rest)) {
        add(
          "TRUST_WILDCARD_REF_ON_APPLY",
          `the apply role accepts sub '${value}', a pattern: branches, pull requests or plan runs could match it`,
          `use exactly "StringEquals": { "...:sub": "${pinned}" }`,
        );
        continue;
      }
      const problem = applySubjectProblem(subject.rest);
      if (problem !== null) {
        add(
          "TRUST_APPLY_TRUSTS_PLAN_RUNS",
          `the apply role accepts sub '${value}': ${problem} could assume it`,
          `pin it to the apply workflow's environment: "StringEquals": { "...:sub": "${pinned}" } (and its job_workflow_ref when the sub is customised; see \`gantry iam trust-policy\`)`,
        );
      }
    }
  });
  return findings;
}
