// Requests for one operation as fast-check arbitraries: valid ones built from
// the document's schemas and the world's real ids, and mutated ones that
// break them the ways clients (and attackers) do.
import fc from "fast-check";
import type { Operation, Parameter } from "./openapi-document.ts";
import {
  arbitraryOf,
  isSchemaObject,
  type JsonSchema,
  type SchemaArbitraryOptions,
} from "./schema-arbitrary.ts";
import type { CredentialName, Scope, World } from "./world.ts";

/** A JSON text spliced into a body as it is: numbers no JavaScript number can hold. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A request before its credential is looked up and its body serialized. */
export interface RequestPlan {
  readonly method: string;
  /** Path segments after substitution, each already percent-encoded. */
  readonly path: string;
  /** The query string without `?`, already encoded; empty for none. */
  readonly query: string;
  readonly credential: CredentialName;
  /** Sends an odd Authorization header around the credential's secret (see oddAuthorization). */
  readonly authorizationVariant?: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: PlannedBody;
  /** What was done to a valid request, for the report. */
  readonly mutations: readonly string[];
  /**
   * The path no longer matches the operation's template (a suffix was added):
   * the router answers for it, not the operation.
   */
  readonly offRoute: boolean;
  /** The brands whose ids the path names (made-up ids belong to none). */
  readonly pathBrands: readonly Scope["brand"][];
}

export type PlannedBody =
  | { readonly kind: "none" }
  | { readonly kind: "json"; readonly value: unknown; readonly contentType: string }
  | { readonly kind: "raw"; readonly text: string; readonly contentType: string | undefined };

/** What the fuzzer sends: the plan made concrete. */
export interface SentRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload: string | undefined;
}

/** Serializes a plan's body; RawJson values become their text. */
export function payloadOf(
  body: PlannedBody,
): { payload: string; contentType?: string } | undefined {
  if (body.kind === "none") return undefined;
  if (body.kind === "raw")
    return body.contentType === undefined
      ? { payload: body.text }
      : { payload: body.text, contentType: body.contentType };
  const raws: string[] = [];
  const text = JSON.stringify(body.value, (_key, value: unknown) => {
    if (value instanceof RawJson) {
      raws.push(value.text);
      return `\u0001raw${raws.length - 1}\u0001`;
    }
    return value;
  });
  const payload = (text ?? "null").replace(
    /"\\u0001raw(\d+)\\u0001"/g,
    (_match, index: string) => raws[Number(index)] ?? "null",
  );
  return { payload, contentType: body.contentType };
}

/** Percent-encodes UTF-8 bytes; a lone surrogate becomes U+FFFD's bytes, as a browser sends. */
export function encodeComponent(text: string): string {
  return [...Buffer.from(text, "utf8")]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9\-._~]/.test(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

// ---------------------------------------------------------------------------
// Valid requests.
// ---------------------------------------------------------------------------

/**
 * The credentials a request draws: mostly the operation's own, then the
 * others, so every operation is also driven with the wrong ones.
 */
function credentialArb(operation: Operation): fc.Arbitrary<CredentialName> {
  // The world holds no metrics token: metrics are off in tests.
  const own: CredentialName = operation.credential === "metrics" ? "none" : operation.credential;
  return fc.oneof(
    { arbitrary: fc.constant(own), weight: 24 },
    { arbitrary: fc.constantFrom<CredentialName>("admin", "participant", "none"), weight: 3 },
    { arbitrary: fc.constantFrom<CredentialName>("session", "otherAdmin", "customer"), weight: 1 },
  );
}

function hintsFor(scope: Scope): SchemaArbitraryOptions["hint"] {
  return ({ property }) => (property === undefined ? undefined : scope.values[property]);
}

/** A value for a path parameter: a real id of the scope mostly, else another brand's or made up. */
function pathValueArb(
  parameter: Parameter,
  scope: Scope,
  world: World,
  options: SchemaArbitraryOptions,
): fc.Arbitrary<PathValue> {
  const otherScope = scope.brand === "own" ? world.other : world.own;
  const mine = scope.ids[parameter.name] ?? [];
  const theirs = otherScope.ids[parameter.name] ?? [];
  const anyOwnId = Object.values(scope.ids).flat();
  // A path parameter is never empty: `/v1/programs//payouts` names no operation.
  const schema =
    isSchemaObject(parameter.schema) && !("minLength" in parameter.schema)
      ? { ...parameter.schema, minLength: 1 }
      : parameter.schema;
  const madeUp = arbitraryOf(schema, options).map((v): PathValue => ({
    value: typeof v === "string" ? v : JSON.stringify(v),
    brand: null,
  }));
  const from = (ids: readonly string[], brand: Scope["brand"]) =>
    fc.constantFrom(...ids).map((value): PathValue => ({ value, brand }));
  const choices: fc.WeightedArbitrary<PathValue>[] = [
    { arbitrary: madeUp, weight: mine.length > 0 ? 1 : 10 },
  ];
  // The first id is the one the others hang off (the program of the participants and goals).
  const [primary] = mine;
  if (primary !== undefined)
    choices.push(
      { arbitrary: from([primary], scope.brand), weight: 10 },
      { arbitrary: from(mine, scope.brand), weight: 8 },
    );
  if (theirs.length > 0) choices.push({ arbitrary: from(theirs, otherScope.brand), weight: 1 });
  // An id of another kind (a participant's where a program's goes).
  if (anyOwnId.length > 0) choices.push({ arbitrary: from(anyOwnId, scope.brand), weight: 1 });
  return fc.oneof(...choices);
}

interface PathValue {
  value: string;
  brand: Scope["brand"] | null;
}

/** A query parameter value as text: arrays repeat the parameter, objects go as JSON. */
function queryPairs(name: string, value: unknown): [string, string][] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => queryPairs(name, v));
  return [[name, typeof value === "string" ? value : JSON.stringify(value)]];
}

function encodeQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join("&");
}

/** A targets file naming the scope's participants and goals, some rows broken. */
function targetsFileArb(scope: Scope): fc.Arbitrary<string> {
  const row = fc.oneof(
    {
      arbitrary: fc
        .tuple(
          scope.targetRows.length > 0
            ? fc.constantFrom(...scope.targetRows)
            : fc.constant(["ana", "goal", "2026-11"] as const),
          fc.integer({ min: 1, max: 10_000_000 }),
        )
        .map(
          ([[participant, goal, period], target]) => `${participant},${goal},${period},${target}`,
        ),
      weight: 5,
    },
    {
      arbitrary: fc
        .array(fc.string({ unit: "grapheme-ascii", maxLength: 12 }), { minLength: 1, maxLength: 5 })
        .map((cells) => cells.join(",")),
      weight: 1,
    },
  );
  return fc
    .tuple(fc.array(row, { minLength: 1, maxLength: 6 }), fc.constantFrom("\n", "\r\n"))
    .map(
      ([rows, newline]) =>
        `participant,goal,period,target${newline}${rows.join(newline)}${newline}`,
    );
}

/**
 * A document example with the world's values put in where a field names
 * them (a sponsor that exists, a goal of the program), so that the example
 * reaches the handler's deep paths instead of a 404 for an id of the docs.
 */
function exampleArb(example: unknown, scope: Scope, property?: string): fc.Arbitrary<unknown> {
  if (Array.isArray(example))
    return fc.tuple(...example.map((e) => exampleArb(e, scope, property)));
  if (isSchemaObject(example)) {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [key, value] of Object.entries(example)) model[key] = exampleArb(value, scope, key);
    return fc.record(model);
  }
  const known = property === undefined ? [] : (scope.values[property] ?? []);
  const sameType = known.filter((value) => typeof value === typeof example);
  return sameType.length === 0 ? fc.constant(example) : fc.constantFrom(example, ...sameType);
}

/** The body of a request whose operation documents one. */
function bodyArb(
  operation: Operation,
  scope: Scope,
  options: SchemaArbitraryOptions,
): fc.Arbitrary<PlannedBody> {
  const body = operation.body;
  if (!body) return fc.constant({ kind: "none" } as const);
  const bodies: fc.Arbitrary<PlannedBody>[] = [];
  for (const [contentType, schema] of Object.entries(body.content)) {
    if (/json/.test(contentType)) {
      const generated = arbitraryOf(schema ?? true, options);
      const examples = (body.examples[contentType] ?? []).map((e) => exampleArb(e, scope));
      const values =
        examples.length === 0
          ? generated
          : fc.oneof(
              { arbitrary: fc.oneof(...examples), weight: 2 },
              { arbitrary: generated, weight: 3 },
            );
      bodies.push(values.map((value) => ({ kind: "json", value, contentType })));
    } else if (contentType === "text/csv")
      bodies.push(targetsFileArb(scope).map((text) => ({ kind: "raw", text, contentType })));
    else
      bodies.push(
        arbitraryOf(schema ?? { type: "string" }, options).map((value) => ({
          kind: "raw",
          text: typeof value === "string" ? value : JSON.stringify(value),
          contentType,
        })),
      );
  }
  if (bodies.length === 0) return fc.constant({ kind: "none" } as const);
  const some = fc.oneof(...bodies);
  return body.required ? some : fc.option(some, { nil: { kind: "none" } as const, freq: 5 });
}

/**
 * Valid requests for an operation: path ids from the world (mostly the
 * brand's own), documented query parameters, a body the schema accepts.
 */
export function validRequestArb(
  operation: Operation,
  world: World,
  resolveRef: (ref: string) => JsonSchema,
): fc.Arbitrary<RequestPlan> {
  const scopeArb = fc.oneof(
    { arbitrary: fc.constant(world.own), weight: 9 },
    { arbitrary: fc.constant(world.other), weight: 1 },
  );
  return scopeArb.chain((scope) => {
    const options: SchemaArbitraryOptions = {
      resolveRef,
      hint: hintsFor(scope),
      forRequest: true,
    };
    const pathParameters = operation.parameters.filter((p) => p.in === "path");
    const queryParameters = operation.parameters.filter((p) => p.in === "query");
    const pathArb = fc.tuple(...pathParameters.map((p) => pathValueArb(p, scope, world, options)));
    const queryArb = fc.tuple(
      ...queryParameters.map((p) => {
        const value = arbitraryOf(p.schema, options, p.name);
        const sent = p.required ? value : fc.option(value, { nil: undefined, freq: 2 });
        return sent.map((v) => queryPairs(p.name, v));
      }),
    );
    return fc
      .record({
        path: pathArb,
        query: queryArb,
        body: bodyArb(operation, scope, options),
        credential: credentialArb(operation),
      })
      .map(({ path, query, body, credential }) => {
        let url = operation.path;
        pathParameters.forEach((p, i) => {
          const chosen = path[i];
          if (chosen) url = url.replace(`{${p.name}}`, encodeComponent(chosen.value));
        });
        return {
          method: operation.method,
          path: url,
          query: encodeQuery(query.flat()),
          credential,
          headers: {},
          body,
          mutations: [],
          offRoute: false,
          pathBrands: path.flatMap((chosen) => (chosen?.brand ? [chosen.brand] : [])),
        };
      });
  });
}

// ---------------------------------------------------------------------------
// Mutations.
// ---------------------------------------------------------------------------

const LONG = "x".repeat(100_000);

/** Strings that have broken servers: NUL, lone surrogates, huge, dates out of range, injections. */
const HOSTILE_STRINGS: readonly string[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "a\ud800b",
  LONG,
  "é",
  "𝒳𝒴𝒵",
  "👩‍👩‍👧‍👦",
  "\u202eevil",
  "null",
  "true",
  "0",
  "-1",
  "NaN",
  "Infinity",
  "1e309",
  "9007199254740993",
  "2026-02-30",
  "2026-13-01T00:00:00Z",
  "0000-01-01T00:00:00Z",
  "+275760-09-13T00:00:00.000Z",
  "-271821-04-20T00:00:00.000Z",
  "9999-12-31T23:59:59.999Z",
  "2026-11-20T10:00:00+25:00",
  "' OR 1=1 --",
  "%_\\",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  '=HYPERLINK("http://x")',
  "prg_00000000000000000000000000",
  "par_ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
  "__proto__",
  "lrl_admin_x",
];

/** Numbers at the edges: zero, negative, fractional, huge, past 2^53, past a double. */
const HOSTILE_NUMBERS: readonly (number | RawJson)[] = [
  0,
  -1,
  -0.5,
  0.5,
  1.5,
  1e-300,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 63,
  -(2 ** 63),
  new RawJson("9007199254740993"),
  new RawJson("1e400"),
  new RawJson("-1e400"),
  new RawJson("123456789012345678901234567890"),
  new RawJson("1.0"),
  new RawJson("-0"),
  new RawJson("1E2"),
];

/** Values of every JSON type, at the edges: the numbers and strings above, and nested nulls. */
const HOSTILE_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  ...HOSTILE_NUMBERS,
  [],
  {},
  [null],
  { a: null, b: [null, { c: null }] },
  [[[[]]]],
  { "": "" },
  [1, "a", null, {}],
  ...HOSTILE_STRINGS,
];

const hostileValue = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_VALUES), weight: 4 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 30 }), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.integer(), weight: 1 },
);

/** A path into a JSON value: keys and indexes, the root first. */
type Path = readonly (string | number)[];

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (isPlainObject(value))
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function nodeAt(value: unknown, path: Path): unknown {
  let node = value;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return node;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isSchemaObject(value) && !(value instanceof RawJson);
}

/** `value` with the node at `path` replaced by `replace(node)`, or removed when it returns undefined. */
function edit(value: unknown, path: Path, replace: (node: unknown) => unknown): unknown {
  if (path.length === 0) return replace(value);
  const [head, ...rest] = path;
  if (Array.isArray(value) && typeof head === "number") {
    const copy = [...value];
    const next = edit(copy[head], rest, replace);
    if (next === undefined && rest.length === 0) copy.splice(head, 1);
    else copy[head] = next;
    return copy;
  }
  if (isPlainObject(value) && typeof head === "string") {
    const copy: Record<string, unknown> = { ...value };
    const next = edit(copy[head], rest, replace);
    if (next === undefined && rest.length === 0) delete copy[head];
    else
      Object.defineProperty(copy, head, {
        value: next,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return copy;
  }
  return value;
}

function pick<T>(list: readonly T[], index: number): T | undefined {
  return list.length === 0 ? undefined : list[index % list.length];
}

/** A value of another JSON type than `node`'s. */
function wrongTypeOf(node: unknown): unknown {
  if (typeof node === "number") return String(node);
  if (typeof node === "string")
    return node.length > 0 && !Number.isNaN(Number(node)) ? Number(node) : 42;
  if (typeof node === "boolean") return String(node);
  if (Array.isArray(node)) return Object.fromEntries(node.map((v, i) => [String(i), v]));
  if (isPlainObject(node)) return [node];
  return "null";
}

/** Nested `{"a": {"a": ...}}` or `[[...]]`, deep enough to find recursion without a limit. */
function deeplyNested(depth: number, asArray: boolean): RawJson {
  // Made once per shape: a long run holds thousands of plans at once.
  const key = `${depth}:${asArray}`;
  let nested = NESTED.get(key);
  if (!nested) {
    nested = new RawJson(
      asArray
        ? `${"[".repeat(depth)}${"]".repeat(depth)}`
        : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
    );
    NESTED.set(key, nested);
  }
  return nested;
}

const NESTED = new Map<string, RawJson>();

type Mutation = (plan: RequestPlan) => RequestPlan;

function jsonValueOf(plan: RequestPlan): unknown {
  return plan.body.kind === "json" ? plan.body.value : {};
}

function withJson(plan: RequestPlan, value: unknown, note: string): RequestPlan {
  const contentType = plan.body.kind === "json" ? plan.body.contentType : "application/json";
  return {
    ...plan,
    body: { kind: "json", value, contentType },
    mutations: [...plan.mutations, note],
  };
}

function withRaw(
  plan: RequestPlan,
  text: string,
  contentType: string | undefined,
  note: string,
): RequestPlan {
  return {
    ...plan,
    body: { kind: "raw", text, contentType },
    mutations: [...plan.mutations, note],
  };
}

const UNKNOWN_FIELDS = [
  "__proto__",
  "constructor",
  "",
  "unknownField",
  "a".repeat(1_000),
  "\u0000",
  "𝒳",
  "id",
  "brandId",
];

const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/json; charset=utf-16",
  'application/json; charset="',
  "application/jsonx",
  "APPLICATION/JSON",
  "text/csv",
  "application/merge-patch+json",
  "application/json;;;",
  "*/*",
  "application/xml",
];

const RAW_BODIES = [
  "",
  "null",
  "[]",
  "[{}]",
  '"a string"',
  "42",
  "true",
  "{",
  '{"a":}',
  '{"a":1,}',
  '{"a":1,"a":2}',
  "\ufeff{}",
  "{'a': 1}",
  "NaN",
  '{"__proto__": {"admin": true}}',
  '{"constructor": {"prototype": {"admin": true}}}',
  "\u0000",
  "participant,goal,period,target\n",
];

const QUERY_GARBAGE = [
  "limit=-1",
  "limit=0",
  "limit=1e309",
  "limit=9007199254740993",
  "limit=abc",
  "limit=1.5",
  "limit=",
  "limit=1&limit=2",
  "cursor=%00",
  `cursor=${Buffer.from("' or 1=1").toString("base64url")}`,
  `cursor=${"A".repeat(10_000)}`,
  "cursor=__proto__",
  "cursor=%ED%A0%80",
  "a[b]=c",
  "%zz",
  "%",
  "&&&",
  "=",
  "x=%F0%9F",
  "__proto__[admin]=1",
  "from=0000-01-01",
  "from=%2B275760-09-13",
  "to=99999-12-31",
  "from=2026-12-01&to=2026-01-01",
  "from=1900-01-01&to=2100-01-01",
  "depth=-1",
  "depth=100000",
  "period=9999-Q9",
  "period=0000-00",
  "q=%25_%5C",
  "externalId=%00",
  "status=%00",
  `q=${"%F0%9F%98%80".repeat(2_000)}`,
];

const PATH_GARBAGE = [
  "",
  "%00",
  "%ff",
  "%zz",
  "..",
  "%2e%2e",
  "%2F",
  "x".repeat(5_000),
  "%ED%A0%80",
  "%F0%9F%98%80",
  "prg_00000000000000000000000000",
  "null",
  "-1",
  "%20",
];

const AUTHORIZATIONS = (secret: string) => [
  "Bearer",
  "Bearer ",
  `bearer ${secret}`,
  `Bearer ${secret} extra`,
  "Basic dXNlcjpwYXNz",
  `Bearer ${"x".repeat(10_000)}`,
  "Bearer lrl_sess_garbage",
  "Bearer lrl_part_garbage",
  "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbmEifQ.",
  `Bearer\t${secret}`,
];

/** Every way a valid request is broken; each draws what it needs. */
function mutationArb(operation: Operation): fc.Arbitrary<Mutation> {
  const index = fc.nat();
  const body: fc.Arbitrary<Mutation>[] = [
    // Drop a field (required or not) anywhere in the body.
    index.map((i) => (plan) => {
      const value = jsonValueOf(plan);
      const path = pick(
        pathsOf(value).filter((p) => p.length > 0),
        i,
      );
      return path
        ? withJson(
            plan,
            edit(value, path, () => undefined),
            `drop ${path.join(".")}`,
          )
        : withJson(plan, {}, "an empty object for the body");
    }),
    // Put a hostile value anywhere, the root included.
    fc.tuple(index, hostileValue).map(([i, hostile]) => (plan) => {
      const value = jsonValueOf(plan);
      const path = pick(pathsOf(value), i) ?? [];
      return withJson(
        plan,
        edit(value, path, () => hostile),
        `set ${path.join(".") || "body"} to a hostile value`,
      );
    }),
    // A number at its edges where a number goes (amounts, counts, percentages).
    fc.tuple(index, fc.constantFrom(...HOSTILE_NUMBERS)).map(([i, number]) => (plan) => {
      const value = jsonValueOf(plan);
      const path = pick(
        pathsOf(value).filter((p) => typeof nodeAt(value, p) === "number"),
        i,
      );
      return path
        ? withJson(
            plan,
            edit(value, path, () => number),
            `edge number at ${path.join(".")}`,
          )
        : withJson(plan, number, "an edge number for the body");
    }),
    // A string that breaks storage or parsing where a string goes (NUL, a lone surrogate, huge, dates).
    fc.tuple(index, fc.constantFrom(...HOSTILE_STRINGS)).map(([i, text]) => (plan) => {
      const value = jsonValueOf(plan);
      const path = pick(
        pathsOf(value).filter((p) => typeof nodeAt(value, p) === "string"),
        i,
      );
      return path
        ? withJson(
            plan,
            edit(value, path, () => text),
            `edge string at ${path.join(".")}`,
          )
        : withJson(plan, text, "an edge string for the body");
    }),
    // Give a field a value of another type.
    index.map((i) => (plan) => {
      const value = jsonValueOf(plan);
      const path = pick(pathsOf(value), i) ?? [];
      return withJson(
        plan,
        edit(value, path, wrongTypeOf),
        `wrong type at ${path.join(".") || "body"}`,
      );
    }),
    // An unknown field in any object.
    fc
      .tuple(index, fc.constantFrom(...UNKNOWN_FIELDS), hostileValue)
      .map(([i, field, hostile]) => (plan) => {
        const value = jsonValueOf(plan);
        const objects = pathsOf(value).filter((p) => isPlainObject(nodeAt(value, p)));
        const path = pick(objects, i) ?? [];
        return withJson(
          plan,
          edit(value, [...path, field], () => hostile),
          `add field ${JSON.stringify(field.slice(0, 20))} at ${path.join(".") || "body"}`,
        );
      }),
    // An object where an array is wanted, and the other way round.
    index.map((i) => (plan) => {
      const value = jsonValueOf(plan);
      const path = pick(pathsOf(value), i) ?? [];
      return withJson(
        plan,
        edit(value, path, (node) => [node]),
        `wrap ${path.join(".") || "body"} in an array`,
      );
    }),
    // Deep nesting, for code that recurses without a limit.
    fc.tuple(fc.constantFrom(100, 1_000, 10_000), fc.boolean()).map(
      ([depth, asArray]) =>
        (plan) =>
          withJson(plan, deeplyNested(depth, asArray), `body nested ${depth} deep`),
    ),
    fc
      .constantFrom(...RAW_BODIES)
      .map(
        (text) => (plan) =>
          withRaw(plan, text, "application/json", `raw body ${JSON.stringify(text.slice(0, 30))}`),
      ),
    fc.constantFrom(...CONTENT_TYPES).map((contentType) => (plan) => {
      const sent = payloadOf(plan.body)?.payload ?? "{}";
      return withRaw(plan, sent, contentType, `content type ${contentType}`);
    }),
    fc.constant((plan: RequestPlan) =>
      withRaw(plan, payloadOf(plan.body)?.payload ?? "{}", undefined, "no content type"),
    ),
    fc.constant((plan: RequestPlan) => ({
      ...plan,
      body: { kind: "none" } as const,
      mutations: [...plan.mutations, "no body"],
    })),
  ];
  const pathParameters = operation.parameters.filter((p) => p.in === "path");
  const url: fc.Arbitrary<Mutation>[] = [
    fc.constantFrom(...QUERY_GARBAGE).map((garbage) => (plan) => ({
      ...plan,
      query: plan.query === "" ? garbage : `${plan.query}&${garbage}`,
      mutations: [...plan.mutations, `query ${garbage.slice(0, 40)}`],
    })),
    fc
      .tuple(
        fc.constantFrom(
          ...operation.parameters.filter((p) => p.in === "query").map((p) => p.name),
          "limit",
          "cursor",
        ),
        hostileValue,
      )
      .map(([name, value]) => (plan) => ({
        ...plan,
        query: [
          plan.query,
          encodeQuery(queryPairs(name, value instanceof RawJson ? value.text : value)),
        ]
          .filter((q) => q !== "")
          .join("&"),
        mutations: [...plan.mutations, `query ${name} hostile`],
      })),
    fc
      .constantFrom("/", "//", "/x".repeat(3_000), "%2F..", ".json", ";a=b")
      .map((suffix) => (plan) => ({
        ...plan,
        path: `${plan.path}${suffix}`,
        offRoute: true,
        mutations: [...plan.mutations, `path + ${suffix.slice(0, 20)}`],
      })),
  ];
  if (pathParameters.length > 0)
    url.push(
      fc.tuple(index, fc.constantFrom(...PATH_GARBAGE)).map(([i, garbage]) => (plan) => {
        // Segments that hold an id are where the path template has a parameter.
        const template = operation.path.split("/");
        const segments = plan.path.split("/");
        const slots = template.flatMap((part, at) => (/^\{.+\}$/.test(part) ? [at] : []));
        const slot = pick(slots, i);
        if (slot === undefined || slot >= segments.length) return plan;
        segments[slot] = garbage;
        return {
          ...plan,
          path: segments.join("/"),
          mutations: [...plan.mutations, `path id ${garbage.slice(0, 20)}`],
        };
      }),
    );
  const headers: fc.Arbitrary<Mutation>[] = [
    fc
      .tuple(fc.nat(), fc.constantFrom<CredentialName>("admin", "participant"))
      .map(([i, credential]) => (plan) => ({
        ...plan,
        credential,
        authorizationVariant: i,
        mutations: [...plan.mutations, "odd Authorization"],
      })),
    fc
      .tuple(
        fc.constantFrom(
          "x-request-id",
          "idempotency-key",
          "accept",
          "cookie",
          "x-forwarded-for",
          "x-http-method-override",
        ),
        fc.constantFrom(
          "",
          "x".repeat(10_000),
          "a b c",
          "..",
          "laurel_vid=%00",
          "DELETE",
          "text/html",
          "application/xml",
          "é",
        ),
      )
      .map(([name, value]) => (plan) => ({
        ...plan,
        headers: { ...plan.headers, [name]: value },
        mutations: [...plan.mutations, `header ${name}`],
      })),
  ];
  return fc.oneof(
    { arbitrary: fc.oneof(...body), weight: 6 },
    { arbitrary: fc.oneof(...url), weight: 3 },
    { arbitrary: fc.oneof(...headers), weight: 1 },
  );
}

/** Valid requests with one to three mutations each. */
export function mutatedRequestArb(
  operation: Operation,
  world: World,
  resolveRef: (ref: string) => JsonSchema,
): fc.Arbitrary<RequestPlan> {
  return fc
    .tuple(
      validRequestArb(operation, world, resolveRef),
      fc.array(mutationArb(operation), { minLength: 1, maxLength: 3 }),
    )
    .map(([plan, mutations]) => mutations.reduce((current, mutate) => mutate(current), plan));
}

/** An Authorization header clients get wrong, built around a credential's secret. */
export function oddAuthorization(variant: number, header: string | undefined): string {
  const variants = AUTHORIZATIONS(header?.replace(/^Bearer /, "") ?? "x");
  return variants[variant % variants.length] ?? "Bearer";
}
