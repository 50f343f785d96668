/**
 * A local AWS STS endpoint for tests: `AssumeRoleWithWebIdentity` over the AWS Query protocol (form-encoded
 * POST, XML responses in AWS's documented shape, XML errors with AWS's codes), so the real AWS SDK can be
 * pointed at it with `AWS_ENDPOINT_URL_STS`. Before returning credentials it does what STS does:
 * verifies the token's RS256 signature against the issuer's JWKS (discovered from `iss`), its expiry and
 * audience, evaluates the role's trust policy, and checks RoleSessionName and DurationSeconds.
 *
 * Supported trust-policy features: Allow/Deny statements, `Principal.Federated`, `Action`
 * (`sts:AssumeRoleWithWebIdentity` or `sts:*`), condition operators StringEquals, StringNotEquals,
 * StringLike, StringNotLike, StringEqualsIgnoreCase, their `ForAnyValue:`/`ForAllValues:` forms, and `Null`.
 * Condition keys are `<issuer-host>:<claim>` for the claims AWS evaluates for an OIDC provider such as GitHub's:
 * `sub` and `aud` (`conditionClaims`); a condition on any other claim meets an absent key, as in AWS (a
 * positive operator then fails, a negated one holds). Unsupported operators are rejected when the emulator
 * starts (a policy the emulator cannot evaluate must not silently pass).
 * Not emulated: session policies, tags, source identity, request signing (this call is unsigned in AWS too).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createPublicKey, randomBytes, randomUUID, verify, type JsonWebKey } from "node:crypto";
import type { AddressInfo } from "node:net";

export interface TrustPolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal: { Federated: string | string[] };
  Action: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface TrustPolicy {
  Version: string;
  Statement: TrustPolicyStatement[];
}

export interface EmulatedRole {
  trustPolicy: TrustPolicy;
  /** The role's MaxSessionDuration (3600 to 43200); AWS's default is 3600. */
  maxSessionDurationSeconds?: number;
}

export interface StsEmulatorOptions {
  /** Roles by ARN: the trust policy alone, or with a max session duration. */
  roles: Record<string, TrustPolicy | EmulatedRole>;
  /** Client ids (audiences) registered on the IAM OIDC provider. Default `["sts.amazonaws.com"]`. */
  audiences?: string[];
  /** The token claims available as condition keys. Default `["sub", "aud"]`, what AWS evaluates for GitHub's tokens. */
  conditionClaims?: string[];
}

export interface AssumedRoleRecord {
  roleArn: string;
  roleSessionName: string;
  subject: string;
  accessKeyId: string;
  durationSeconds: number;
}

export interface StsEmulator extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`: the value for `AWS_ENDPOINT_URL_STS`. */
  readonly url: string;
  /** Every successful AssumeRoleWithWebIdentity, in order. */
  readonly assumed: ReadonlyArray<AssumedRoleRecord>;
  /** Every refused call, in order, with the AWS error code. */
  readonly refused: ReadonlyArray<{ roleArn: string; code: string; message: string }>;
  close(): Promise<void>;
}

class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const SUPPORTED_OPERATORS = new Set([
  "StringEquals",
  "StringNotEquals",
  "StringLike",
  "StringNotLike",
  "StringEqualsIgnoreCase",
  "Null",
]);

function operatorIsSupported(operator: string): boolean {
  const base = operator.replace(/^(ForAnyValue|ForAllValues):/, "");
  return SUPPORTED_OPERATORS.has(base);
}

const xmlEscape = (value: string) =>
  value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");

const NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

function errorXml(code: string, message: string, requestId: string): string {
  const type = code === "InternalFailure" ? "Receiver" : "Sender";
  return `<ErrorResponse xmlns="${NAMESPACE}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${code}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** IAM's `StringLike`: `*` any run of characters, `?` one character, case-sensitive. */
function stringLike(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "s").test(value);
}

function compare(base: string, policyValue: string, requestValue: string): boolean {
  switch (base) {
    case "StringEquals":
    case "StringNotEquals":
      return policyValue === requestValue;
    case "StringEqualsIgnoreCase":
      return policyValue.toLowerCase() === requestValue.toLowerCase();
    case "StringLike":
    case "StringNotLike":
      return stringLike(policyValue, requestValue);
    default:
      return false;
  }
}

/** One condition block `Operator: { key: values }` against the request's context values. */
function conditionHolds(
  operator: string,
  key: string,
  policyValues: string[],
  context: Map<string, string[]>,
): boolean {
  const qualifier = /^(ForAnyValue|ForAllValues):/.exec(operator)?.[1];
  const base = operator.replace(/^(ForAnyValue|ForAllValues):/, "");
  const requestValues = context.get(key.toLowerCase());
  if (base === "Null") {
    const wantsNull = policyValues[0] === "true";
    return wantsNull === (requestValues === undefined || requestValues.length === 0);
  }
  const negated = base === "StringNotEquals" || base === "StringNotLike";
  const matchesAny = (value: string) => policyValues.some((policyValue) => compare(base, policyValue, value));
  if (qualifier === "ForAllValues") {
    // True when every request value matches (and vacuously when there are none), as IAM defines it.
    return (requestValues ?? []).every((value) => (negated ? !matchesAny(value) : matchesAny(value)));
  }
  if (qualifier === "ForAnyValue") {
    return (requestValues ?? []).some((value) => (negated ? !matchesAny(value) : matchesAny(value)));
  }
  // Single-valued operators: an absent key never matches a positive operator, and a multi-valued key
  // is compared value by value with any-match semantics.
  if (requestValues === undefined || requestValues.length === 0) return negated;
  const anyMatch = requestValues.some(matchesAny);
  return negated ? !anyMatch : anyMatch;
}

function statementApplies(
  statement: TrustPolicyStatement,
  providerArn: string,
  context: Map<string, string[]>,
): boolean {
  const actions = asArray(statement.Action);
  if (!actions.some((action) => action === "sts:AssumeRoleWithWebIdentity" || action === "sts:*" || action === "*"))
    return false;
  if (!asArray(statement.Principal?.Federated).includes(providerArn)) return false;
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(block)) {
      if (!conditionHolds(operator, key, asArray(values), context)) return false;
    }
  }
  return true;
}

function validateTrustPolicy(arn: string, policy: TrustPolicy): void {
  if (!Array.isArray(policy.Statement)) throw new Error(`role ${arn}: trust policy has no Statement array`);
  for (const statement of policy.Statement) {
    for (const operator of Object.keys(statement.Condition ?? {})) {
      if (!operatorIsSupported(operator)) {
        throw new Error(`role ${arn}: condition operator ${operator} is not supported by the STS emulator`);
      }
    }
  }
}

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  if (segment === undefined) throw new StsError("InvalidIdentityToken", "The web identity token is not a JWT.", 400);
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch {
    throw new StsError("InvalidIdentityToken", "The web identity token could not be decoded.", 400);
  }
}

async function fetchJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Verifies the JWT as STS does; returns its claims. */
async function verifyWebIdentityToken(token: string, audiences: string[]): Promise<Record<string, unknown>> {
  const [headerSegment, payloadSegment, signatureSegment] = token.split(".");
  const header = decodeSegment(headerSegment);
  const claims = decodeSegment(payloadSegment);
  if (header["alg"] !== "RS256" || signatureSegment === undefined) {
    throw new StsError("InvalidIdentityToken", "The web identity token uses an unsupported algorithm.", 400);
  }
  const issuer = claims["iss"];
  if (typeof issuer !== "string" || !/^https?:\/\//.test(issuer)) {
    throw new StsError("InvalidIdentityToken", "The web identity token has no valid iss claim.", 400);
  }
  let keys: JsonWebKey[];
  try {
    const discovery = await fetchJson(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
    const jwks = await fetchJson(String(discovery["jwks_uri"]));
    keys = (jwks["keys"] as JsonWebKey[] | undefined) ?? [];
  } catch (error) {
    throw new StsError(
      "IDPCommunicationError",
      `Couldn't retrieve verification key from your identity provider: ${(error as Error).message}`,
      400,
    );
  }
  const key = keys.find((candidate) => (candidate as { kid?: string }).kid === header["kid"]);
  const signedInput = Buffer.from(`${headerSegment}.${payloadSegment}`);
  const signatureValid =
    key !== undefined &&
    verify("sha256", signedInput, createPublicKey({ key, format: "jwk" }), Buffer.from(signatureSegment, "base64url"));
  if (!signatureValid) throw new StsError("InvalidIdentityToken", "Token signature is invalid.", 400);

  const now = Math.floor(Date.now() / 1000);
  if (typeof claims["exp"] !== "number" || claims["exp"] <= now) {
    throw new StsError(
      "ExpiredTokenException",
      "Token expired: current date/time must be before the expiration date/time.",
      400,
    );
  }
  if (typeof claims["nbf"] === "number" && claims["nbf"] > now + 60) {
    throw new StsError("InvalidIdentityToken", "Token is not yet valid (nbf).", 400);
  }
  const tokenAudiences = asArray(claims["aud"] as string | string[] | undefined);
  if (!tokenAudiences.some((audience) => audiences.includes(audience))) {
    throw new StsError("InvalidIdentityToken", "Incorrect token audience", 400);
  }
  return claims;
}

function parseRoleArn(arn: string): { account: string; name: string } | undefined {
  const match = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]{1,64})$/.exec(arn);
  return match ? { account: match[1]!, name: match[2]! } : undefined;
}

const upperAlphanumeric = (length: number) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join("");
};

export async function startStsEmulator(options: StsEmulatorOptions): Promise<StsEmulator> {
  const roles = new Map<string, EmulatedRole>();
  for (const [arn, value] of Object.entries(options.roles)) {
    const role: EmulatedRole = "trustPolicy" in value ? value : { trustPolicy: value };
    validateTrustPolicy(arn, role.trustPolicy);
    roles.set(arn, role);
  }
  const audiences = options.audiences ?? ["sts.amazonaws.com"];
  const conditionClaims = new Set(options.conditionClaims ?? ["sub", "aud"]);
  const assumed: AssumedRoleRecord[] = [];
  const refused: Array<{ roleArn: string; code: string; message: string }> = [];

  const assumeRoleWithWebIdentity = async (params: URLSearchParams, requestId: string): Promise<string> => {
    const roleArn = params.get("RoleArn") ?? "";
    const sessionName = params.get("RoleSessionName") ?? "";
    const token = params.get("WebIdentityToken") ?? "";
    const durationText = params.get("DurationSeconds");

    const validation: string[] = [];
    if (roleArn.length < 20 || roleArn.length > 2048)
      validation.push(
        `Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`,
      );
    if (sessionName.length < 2 || sessionName.length > 64)
      validation.push(
        `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64 and greater than or equal to 2`,
      );
    else if (!/^[\w+=,.@-]*$/.test(sessionName))
      validation.push(
        `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    if (token.length < 4)
      validation.push(
        "Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4",
      );
    const duration = durationText === null ? 3600 : Number(durationText);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      validation.push(
        `Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
      );
    }
    if (validation.length > 0) {
      throw new StsError(
        "ValidationError",
        `${validation.length} validation error${validation.length > 1 ? "s" : ""} detected: ${validation.join("; ")}`,
        400,
      );
    }

    const claims = await verifyWebIdentityToken(token, audiences);
    const role = roles.get(roleArn);
    const parsedArn = parseRoleArn(roleArn);
    const denied = new StsError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403);
    if (!role || !parsedArn) throw denied;

    const issuerHost = String(claims["iss"])
      .replace(/^https?:\/\//, "")
      .replace(/\/$/, "");
    const providerArn = `arn:aws:iam::${parsedArn.account}:oidc-provider/${issuerHost}`;
    // Condition keys are `<provider>:<claim>`; IAM matches key names case-insensitively.
    const context = new Map<string, string[]>();
    for (const [claim, value] of Object.entries(claims)) {
      if (!conditionClaims.has(claim)) continue;
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      context.set(`${issuerHost}:${claim}`.toLowerCase(), values);
    }
    const matching = role.trustPolicy.Statement.filter((statement) =>
      statementApplies(statement, providerArn, context),
    );
    if (
      matching.some((statement) => statement.Effect === "Deny") ||
      !matching.some((statement) => statement.Effect === "Allow")
    )
      throw denied;

    if (duration > (role.maxSessionDurationSeconds ?? 3600)) {
      throw new StsError(
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        400,
      );
    }

    const accessKeyId = `ASIA${upperAlphanumeric(16)}`;
    const secretAccessKey = randomBytes(30).toString("base64");
    const sessionToken = randomBytes(96).toString("base64");
    const expiration = new Date(Date.now() + duration * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const subject = String(claims["sub"] ?? "");
    assumed.push({ roleArn, roleSessionName: sessionName, subject, accessKeyId, durationSeconds: duration });
    const audience = asArray(claims["aud"] as string | string[]).join(",");
    return `<AssumeRoleWithWebIdentityResponse xmlns="${NAMESPACE}">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>${xmlEscape(subject)}</SubjectFromWebIdentityToken>
    <Audience>${xmlEscape(audience)}</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::${parsedArn.account}:assumed-role/${parsedArn.name}/${xmlEscape(sessionName)}</Arn>
      <AssumedRoleId>AROA${upperAlphanumeric(17)}:${xmlEscape(sessionName)}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>${sessionToken}</SessionToken>
      <SecretAccessKey>${secretAccessKey}</SecretAccessKey>
      <Expiration>${expiration}</Expiration>
      <AccessKeyId>${accessKeyId}</AccessKeyId>
    </Credentials>
    <Provider>${xmlEscape(issuerHost)}</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
`;
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const send = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
      res.end(body);
    };
    let roleArn = "";
    try {
      if (req.method !== "POST")
        throw new StsError("InvalidAction", "STS accepts POST requests with a form-encoded body.", 400);
      const params = new URLSearchParams(await readBody(req));
      roleArn = params.get("RoleArn") ?? "";
      const action = params.get("Action");
      if (action !== "AssumeRoleWithWebIdentity") {
        throw new StsError(
          "InvalidAction",
          `Could not find operation ${action ?? "(none)"} for version ${params.get("Version") ?? "(none)"}`,
          400,
        );
      }
      send(200, await assumeRoleWithWebIdentity(params, requestId));
    } catch (error) {
      const stsError =
        error instanceof StsError ? error : new StsError("InternalFailure", (error as Error).message, 500);
      refused.push({ roleArn, code: stsError.code, message: stsError.message });
      send(stsError.status, errorXml(stsError.code, stsError.message, requestId));
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url: `http://127.0.0.1:${port}`, assumed, refused, close, [Symbol.asyncDispose]: close };
}
