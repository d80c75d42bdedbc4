// Drives every operation of the app's own OpenAPI document with generated
// requests, valid ones first and then mutated ones, each with the
// operation's credential and the wrong ones, and checks every response: no
// 5xx, conformance to the document, the error shape for a 4xx, and no 2xx to
// a credential that should not have one. One seed decides every request.
import fc from "fast-check";
import { conformanceOf, type Api } from "../support/api.ts";
import type { Conformance } from "../support/conformance.ts";
import { errorShapeProblems, mediaTypeOf } from "./error-shape.ts";
import {
  operationsOf,
  resolvePointer,
  toJsonSchema2020,
  type OpenApiDocument,
  type Operation,
} from "./openapi-document.ts";
import {
  mutatedRequestArb,
  oddAuthorization,
  payloadOf,
  validRequestArb,
  type RequestPlan,
  type SentRequest,
} from "./requests.ts";
import type { JsonSchema } from "./schema-arbitrary.ts";
import { buildWorld, CREDENTIALS, type CredentialName, type World } from "./world.ts";

export type Phase = "valid" | "mutated";
export const PHASES: readonly Phase[] = ["valid", "mutated"];

export interface FuzzOptions {
  readonly seed: number;
  /** Requests per operation and phase (the valid phase adds one per credential). */
  readonly runs: number;
  /** Only the operations whose key (`GET /v1/...`) or operationId is this. */
  readonly operation?: string | undefined;
  /** Only this phase. */
  readonly phase?: Phase | undefined;
  /** Only the request at this index of the operation's phase: a replay. */
  readonly index?: number | undefined;
  /** Progress lines, one per operation and phase. */
  readonly log?: (line: string) => void;
  /** A line per request: what was sent and what came back. */
  readonly trace?: (line: string) => void;
}

/**
 * What a response got wrong: a 5xx; a difference from the document (status,
 * content type, body schema) or from the contract's error shape; a 2xx to a
 * credential that must not get one, or across brands; or a request the
 * harness could not send.
 */
export type FindingKind =
  "server_error" | "conformance" | "error_shape" | "auth" | "cross_brand" | "unsendable";

export interface ReceivedResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface Finding {
  readonly kind: FindingKind;
  readonly message: string;
  readonly operation: string;
  readonly operationId: string | undefined;
  readonly phase: Phase;
  readonly index: number;
  readonly seed: number;
  readonly credential: CredentialName;
  readonly mutations: readonly string[];
  readonly request: SentRequest;
  readonly response: ReceivedResponse | undefined;
}

export interface FuzzReport {
  readonly seed: number;
  readonly runs: number;
  readonly operations: number;
  readonly requests: number;
  readonly serverErrors: number;
  /** Responses the document (status, content type, schema) or the error shape refuses. */
  readonly violations: number;
  /** A 2xx to a credential that must not get one, or across brands. */
  readonly securityFindings: number;
  /** Operations that answered a 2xx (or a redirect) at least once: how deep the fuzzer got. */
  readonly reached: readonly string[];
  /** Operations that never did. */
  readonly unreached: readonly string[];
  readonly findings: readonly Finding[];
  readonly durationMs: number;
}

const SECURITY_KINDS = new Set<FindingKind>(["auth", "cross_brand"]);

/** Reads the app's document, builds a world per phase and sends every request. */
export async function fuzzApi(api: Api, options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const documentReply = await api.app.inject({ method: "GET", url: "/openapi.json" });
  if (documentReply.statusCode !== 200)
    throw new Error(`GET /openapi.json answered ${documentReply.statusCode}`);
  const document = documentReply.json() as OpenApiDocument;
  // The API tests' own check of a response against the document, so the two never disagree.
  const conformance = await conformanceOf(api.app);
  const resolveRef = (ref: string): JsonSchema =>
    toJsonSchema2020(resolvePointer(document, ref) as JsonSchema);
  const operations = operationsOf(document).filter(
    (op) =>
      options.operation === undefined ||
      op.key === options.operation ||
      op.operationId === options.operation,
  );
  const findings: Finding[] = [];
  const reached = new Set<string>();
  let requests = 0;

  for (const phase of PHASES) {
    if (options.phase !== undefined && options.phase !== phase) continue;
    // A world per phase: the valid phase ends goals and pays balances, and the
    // mutated phase should find the same kind of data to break.
    const world = await buildWorld(api, phase);
    const runs = operations.map((operation) => ({
      operation,
      plans: plansFor(operation, phase, world, resolveRef, options),
      failures: 0,
      statuses: new Map<number, number>(),
      elapsedMs: 0,
    }));
    for (const round of rounds(runs)) {
      for (const [run, [index, plan]] of round) {
        const { operation } = run;
        const context = { operation, phase, index, seed: options.seed, plan };
        const sentAt = Date.now();
        const sent = await send(api, world, plan);
        run.elapsedMs += Date.now() - sentAt;
        requests++;
        if ("error" in sent) {
          findings.push(finding(context, sent.request, undefined, "unsendable", sent.error));
          run.failures++;
          continue;
        }
        const { request, response } = sent;
        run.statuses.set(response.status, (run.statuses.get(response.status) ?? 0) + 1);
        options.trace?.(
          `${phase} ${operation.key} #${index} ${plan.credential} ${request.method} ${request.url.slice(0, 200)} ${(request.payload ?? "").slice(0, 300)} -> ${response.status} ${response.body.slice(0, 300)}`,
        );
        if (response.status >= 200 && response.status < 400) reached.add(operation.key);
        for (const [kind, message] of judge(operation, plan, request, response, conformance)) {
          findings.push(finding(context, request, response, kind, message));
          run.failures++;
        }
      }
    }
    for (const run of runs)
      options.log?.(
        `${phase.padEnd(7)} ${run.operation.key}: ${run.plans.length} requests, ${run.failures} findings, ${run.elapsedMs} ms; ` +
          [...run.statuses]
            .sort(([a], [b]) => a - b)
            .map(([status, n]) => `${status}×${n}`)
            .join(" "),
      );
  }
  const count = (test: (f: Finding) => boolean) => findings.filter(test).length;
  return {
    seed: options.seed,
    runs: options.runs,
    operations: operations.length,
    requests,
    serverErrors: count((f) => f.kind === "server_error"),
    violations: count((f) => f.kind === "conformance" || f.kind === "error_shape"),
    securityFindings: count((f) => SECURITY_KINDS.has(f.kind)),
    reached: [...reached],
    unreached: operations.map((op) => op.key).filter((key) => !reached.has(key)),
    findings,
    durationMs: Date.now() - started,
  };
}

/**
 * The order requests go in: a round is every operation's next request, so
 * operations that use up the same data (approving and rejecting the same
 * flags) share it; DELETEs come after all the others, so the resources they
 * end are there for every other operation first.
 */
function rounds<T extends { operation: Operation; plans: readonly [number, RequestPlan][] }>(
  runs: readonly T[],
): [T, [number, RequestPlan]][][] {
  const inTurn = (selected: readonly T[]) => {
    const longest = Math.max(0, ...selected.map((run) => run.plans.length));
    return Array.from({ length: longest }, (_, i) =>
      selected.flatMap((run) => {
        const plan = run.plans[i];
        return plan ? [[run, plan] as [T, [number, RequestPlan]]] : [];
      }),
    );
  };
  return [
    ...inTurn(runs.filter((run) => run.operation.method !== "DELETE")),
    ...inTurn(runs.filter((run) => run.operation.method === "DELETE")),
  ];
}

/** Mixes the seed with the operation and phase, so each replays on its own. */
export function seedFor(seed: number, operation: string, phase: Phase): number {
  let hash = seed >>> 0;
  for (const char of `${phase} ${operation}`)
    hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash | 0;
}

/**
 * The requests of an operation's phase, each with its index. The valid phase
 * starts with its first request once per credential, so every operation is
 * driven with an admin key, a participant token and none at all.
 */
function plansFor(
  operation: Operation,
  phase: Phase,
  world: World,
  resolveRef: (ref: string) => JsonSchema,
  options: FuzzOptions,
): [number, RequestPlan][] {
  const arbitrary = (phase === "valid" ? validRequestArb : mutatedRequestArb)(
    operation,
    world,
    resolveRef,
  );
  const runs = Math.max(options.runs, (options.index ?? 0) + 1);
  const sampled = fc.sample(arbitrary, {
    seed: seedFor(options.seed, operation.key, phase),
    numRuns: runs,
  });
  const first = sampled[0];
  const sweep =
    phase === "valid" && first ? CREDENTIALS.map((credential) => ({ ...first, credential })) : [];
  const all = [...sweep, ...sampled].map((plan, index) => [index, plan] as [number, RequestPlan]);
  return options.index === undefined ? all : all.filter(([index]) => index === options.index);
}

async function send(
  api: Api,
  world: World,
  plan: RequestPlan,
): Promise<
  { request: SentRequest; response: ReceivedResponse } | { request: SentRequest; error: string }
> {
  const headers: Record<string, string> = { ...plan.headers };
  const authorization = await world.authorization(plan.credential);
  if (plan.authorizationVariant !== undefined)
    headers.authorization = oddAuthorization(plan.authorizationVariant, authorization);
  else if (authorization !== undefined) headers.authorization = authorization;
  const body = payloadOf(plan.body);
  if (body?.contentType !== undefined) headers["content-type"] = body.contentType;
  const request: SentRequest = {
    method: plan.method,
    url: sentUrl(plan),
    headers,
    payload: body?.payload,
  };
  try {
    const reply = await api.app.inject({
      method: plan.method as "GET",
      url: request.url,
      headers,
      ...(body === undefined ? {} : { payload: body.payload }),
    });
    return {
      request,
      response: {
        status: reply.statusCode,
        contentType: mediaTypeOf(reply.headers["content-type"]),
        body: reply.body,
      },
    };
  } catch (error) {
    return { request, error: `the request could not be sent: ${String(error)}` };
  }
}

/**
 * The URL as it reaches the server: a URL parser resolves dot segments
 * (`/v1/widget/../me` is `/v1/me`) before any router sees it, so that is the
 * URL the response is checked for.
 */
export function sentUrl(plan: RequestPlan): string {
  const written = plan.query === "" ? plan.path : `${plan.path}?${plan.query}`;
  try {
    const parsed = new URL(written, "http://fuzz.invalid");
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return written;
  }
}

/** Whether the request still goes to the operation's own path once its URL is resolved. */
function onRoute(plan: RequestPlan, request: SentRequest): boolean {
  return !plan.offRoute && request.url.split("?")[0] === plan.path;
}

/** The credential a request acts as: an odd Authorization header is no valid one. */
function actingCredential(plan: RequestPlan): CredentialName | "invalid" {
  if (plan.authorizationVariant === undefined) return plan.credential;
  // `bearer <key>` and `Bearer\t<key>` are still the key (the scheme is case-insensitive).
  const variant = plan.authorizationVariant % 10;
  return variant === 2 || variant === 9 ? plan.credential : "invalid";
}

/** The reason in a conformance report, which also repeats the request and the body. */
function problemLine(report: string): string {
  const operation = /operation: (.*)/.exec(report)?.[1];
  const why = /problem: (.*)/.exec(report)?.[1] ?? report;
  return operation ? `${why} (${operation})` : why;
}

/** The credentials of the world an operation may answer 2xx to. */
const ALLOWED: Record<Operation["credential"], readonly string[]> = {
  admin: ["admin", "otherAdmin"],
  participant: ["participant", "session"],
  customer: ["customer"],
  // The world has no metrics token, so no request may read the metrics.
  metrics: [],
  none: CREDENTIALS,
};

/** Every property a response breaks. */
function judge(
  operation: Operation,
  plan: RequestPlan,
  request: SentRequest,
  response: ReceivedResponse,
  conformance: Conformance,
): [FindingKind, string][] {
  const broken: [FindingKind, string][] = [];
  // A 5xx is the finding; whether the document lists it is beside the point.
  if (response.status >= 500)
    return [["server_error", `answered ${response.status}: ${response.body.slice(0, 300)}`]];
  const problem = conformance.problem({
    method: request.method,
    url: request.url,
    status: response.status,
    contentType: response.contentType,
    text: response.body,
  });
  if (problem !== null) broken.push(["conformance", problemLine(problem)]);
  if (response.status >= 400 && response.status < 500)
    for (const shape of errorShapeProblems(response.contentType, response.body))
      broken.push(["error_shape", shape]);
  const success = response.status >= 200 && response.status < 300;
  if (!success || operation.credential === "none" || !onRoute(plan, request)) return broken;
  const credential = actingCredential(plan);
  const allowed = ALLOWED[operation.credential];
  if (!allowed.includes(credential))
    broken.push([
      "auth",
      `a ${operation.credential} operation answered ${response.status} to ${credential === "invalid" ? "a malformed Authorization header" : `the ${credential} credential`}`,
    ]);
  const actingBrand = credential === "otherAdmin" ? "other" : "own";
  if (plan.pathBrands.some((brand) => brand !== actingBrand))
    broken.push([
      "cross_brand",
      `answered ${response.status} to the ${credential} credential for an id of the other brand`,
    ]);
  return broken;
}

function finding(
  context: { operation: Operation; phase: Phase; index: number; seed: number; plan: RequestPlan },
  request: SentRequest,
  response: ReceivedResponse | undefined,
  kind: FindingKind,
  message: string,
): Finding {
  return {
    kind,
    message,
    operation: context.operation.key,
    operationId: context.operation.operationId,
    phase: context.phase,
    index: context.index,
    seed: context.seed,
    credential: context.plan.credential,
    mutations: context.plan.mutations,
    request,
    response,
  };
}

/** One line: what was covered and what was found. */
export function summaryLine(report: FuzzReport, backend: string): string {
  return (
    `fuzz (${backend}, seed ${report.seed}, ${report.runs} runs): ${report.operations} operations ` +
    `(${report.reached.length} answered a success), ${report.requests} requests, ` +
    `${report.serverErrors} 5xx, ${report.violations} schema violations, ` +
    `${report.securityFindings} security findings, ${(report.durationMs / 1000).toFixed(1)} s`
  );
}

/** Findings grouped by operation, kind, status and message shape, most frequent first. */
export function groupFindings(findings: readonly Finding[]): { count: number; first: Finding }[] {
  const groups = new Map<string, { count: number; first: Finding }>();
  for (const f of findings) {
    const shape = f.message
      .replace(/[a-z]{3,4}_[0-9A-Za-z_-]{10,}/g, "<id>")
      .replace(/"[^"]*"/g, '"…"')
      .replace(/\d+/g, "N")
      .slice(0, 160);
    const key = `${f.kind} ${f.operation} ${f.response?.status ?? "-"} ${shape}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { count: 1, first: f });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

const SHOWN_PAYLOAD = 2_000;

/** A finding as text that replays it: the seed and index, then the request and response. */
export function describeFinding(f: Finding, secrets: Readonly<Record<string, string>>): string {
  const redact = (text: string) =>
    Object.entries(secrets).reduce((t, [name, secret]) => t.replaceAll(secret, `<${name}>`), text);
  const payload =
    f.request.payload === undefined
      ? "(none)"
      : f.request.payload.length > SHOWN_PAYLOAD
        ? `${JSON.stringify(f.request.payload.slice(0, SHOWN_PAYLOAD))}… (${f.request.payload.length} characters in all; the replay sends it whole)`
        : JSON.stringify(f.request.payload);
  const url =
    f.request.url.length > SHOWN_PAYLOAD
      ? `${f.request.url.slice(0, SHOWN_PAYLOAD)}… (${f.request.url.length} characters)`
      : f.request.url;
  return [
    `[${f.kind}] ${f.operation}${f.operationId ? ` (${f.operationId})` : ""}: ${f.message}`,
    `  replay: npm run fuzz -- --seed ${f.seed} --operation '${f.operation}' --phase ${f.phase} --index ${f.index}`,
    `  credential: ${f.credential}; mutations: ${f.mutations.join(", ") || "none"}`,
    `  request: ${f.request.method} ${redact(url)}`,
    `  headers: ${redact(JSON.stringify(f.request.headers)).slice(0, SHOWN_PAYLOAD)}`,
    `  body: ${payload}`,
    f.response
      ? `  response: ${f.response.status} ${f.response.contentType} ${f.response.body.slice(0, 1_000)}`
      : "  response: none",
  ].join("\n");
}
