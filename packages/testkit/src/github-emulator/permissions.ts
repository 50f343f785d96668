/**
 * What each emulated operation requires of a token, as GitHub documents it ("Permissions required for
 * fine-grained personal access tokens", and each endpoint's note on classic scopes).
 */

export type PermissionLevel = "read" | "write";
export type RepositoryPermission = "actions" | "contents" | "issues" | "metadata" | "pull_requests";
export type FineGrainedPermissions = Partial<Record<RepositoryPermission, PermissionLevel>>;

export interface OperationRequirement {
  /** Fine-grained tokens: any ONE of these grants access (GitHub's `X-Accepted-GitHub-Permissions` sets). */
  readonly fineGrained: ReadonlyArray<Readonly<Partial<Record<RepositoryPermission, PermissionLevel>>>>;
  /** Classic tokens on a private repository: any one of these scopes. */
  readonly classicPrivate: readonly string[];
  /** Classic tokens on a public repository: any one of these scopes (empty list: none needed). */
  readonly classicPublic: readonly string[];
  /** Whether the operation addresses a repository (`/repos/{owner}/{repo}/...`). */
  readonly repositoryScoped: boolean;
}

const readIssuesOrPulls = [{ issues: "read" }, { pull_requests: "read" }] as const;
const writeIssuesOrPulls = [{ issues: "write" }, { pull_requests: "write" }] as const;

/** Requirements by `operationId` for every operation the emulator serves. */
export const operationRequirements: Readonly<Record<string, OperationRequirement>> = {
  "users/get-authenticated": { fineGrained: [{}], classicPrivate: [], classicPublic: [], repositoryScoped: false },
  "issues/list-comments": {
    fineGrained: readIssuesOrPulls,
    classicPrivate: ["repo"],
    classicPublic: [],
    repositoryScoped: true,
  },
  "issues/get-comment": {
    fineGrained: readIssuesOrPulls,
    classicPrivate: ["repo"],
    classicPublic: [],
    repositoryScoped: true,
  },
  "issues/create-comment": {
    fineGrained: writeIssuesOrPulls,
    classicPrivate: ["repo"],
    classicPublic: ["repo", "public_repo"],
    repositoryScoped: true,
  },
  "issues/update-comment": {
    fineGrained: writeIssuesOrPulls,
    classicPrivate: ["repo"],
    classicPublic: ["repo", "public_repo"],
    repositoryScoped: true,
  },
  "issues/delete-comment": {
    fineGrained: writeIssuesOrPulls,
    classicPrivate: ["repo"],
    classicPublic: ["repo", "public_repo"],
    repositoryScoped: true,
  },
  "pulls/get": {
    fineGrained: [{ pull_requests: "read" }],
    classicPrivate: ["repo"],
    classicPublic: [],
    repositoryScoped: true,
  },
  "issues/create": {
    fineGrained: [{ issues: "write" }],
    classicPrivate: ["repo"],
    classicPublic: ["repo", "public_repo"],
    repositoryScoped: true,
  },
  "issues/list-for-repo": {
    fineGrained: [{ issues: "read" }],
    classicPrivate: ["repo"],
    classicPublic: [],
    repositoryScoped: true,
  },
  "issues/update": {
    fineGrained: [{ issues: "write" }],
    classicPrivate: ["repo"],
    classicPublic: ["repo", "public_repo"],
    repositoryScoped: true,
  },
  // Listed under "Pull requests" (read) in GitHub's table of fine-grained token permissions.
  "repos/list-pull-requests-associated-with-commit": {
    fineGrained: [{ pull_requests: "read" }],
    classicPrivate: ["repo"],
    classicPublic: [],
    repositoryScoped: true,
  },
  "actions/create-workflow-dispatch": {
    fineGrained: [{ actions: "write" }],
    classicPrivate: ["repo"],
    classicPublic: ["repo"],
    repositoryScoped: true,
  },
  "actions/list-workflow-runs-for-repo": {
    fineGrained: [{ actions: "read" }],
    classicPrivate: ["repo"],
    classicPublic: [],
    repositoryScoped: true,
  },
  "actions/get-workflow-run": {
    fineGrained: [{ actions: "read" }],
    classicPrivate: ["repo"],
    classicPublic: [],
    repositoryScoped: true,
  },
  "actions/cancel-workflow-run": {
    fineGrained: [{ actions: "write" }],
    classicPrivate: ["repo"],
    classicPublic: ["repo"],
    repositoryScoped: true,
  },
};

/** Whether `granted` satisfies one permission set (write implies read; metadata read is always granted). */
export function grantsPermissionSet(
  granted: FineGrainedPermissions,
  required: Readonly<Partial<Record<RepositoryPermission, PermissionLevel>>>,
): boolean {
  return Object.entries(required).every(([permission, level]) => {
    const have = permission === "metadata" ? (granted.metadata ?? "read") : granted[permission as RepositoryPermission];
    return have === "write" || (have === "read" && level === "read");
  });
}

/** GitHub's `X-Accepted-GitHub-Permissions` value: sets separated by `; `, permissions in a set by `,`. */
export function formatAcceptedPermissions(requirement: OperationRequirement): string {
  return requirement.fineGrained
    .map((set) =>
      Object.entries(set)
        .map(([permission, level]) => `${permission}=${level}`)
        .join(","),
    )
    .filter((set) => set !== "")
    .join("; ");
}
