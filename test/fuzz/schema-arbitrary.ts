// A converter from JSON Schema (the 2020-12 subset an OpenAPI 3.1 document
// uses) to fast-check arbitraries: every value it generates is one the schema
// accepts, so the fuzzer's "valid" requests reach the handlers instead of the
// request validation in front of them.
import fc from "fast-check";

/** A JSON Schema: `true` accepts anything, `false` nothing. */
export type JsonSchema = boolean | SchemaObject;
export type SchemaObject = { readonly [keyword: string]: unknown };

/** Where a value is generated: the property it is the value of, if any. */
export interface Site {
  readonly property: string | undefined;
  readonly schema: SchemaObject;
}

export interface SchemaArbitraryOptions {
  /** The schema a `$ref` names; refs cannot be followed without it. */
  resolveRef?: (ref: string) => JsonSchema;
  /**
   * Values that exist (ids, referral codes, SKUs) to offer for a site besides
   * the generated ones; those the schema refuses are left out.
   */
  hint?: (site: Site) => readonly unknown[] | undefined;
  /** Objects and arrays nested deeper than this get only what is required. */
  maxDepth?: number;
  /** Properties marked readOnly are left out: they are for responses. */
  forRequest?: boolean;
}

const DEFAULT_MAX_DEPTH = 4;
/** Strings and arrays without an upper bound stay short: long ones belong to the mutations. */
const SOFT_MAX_LENGTH = 24;
const SOFT_MAX_ITEMS = 4;
/** Integers without bounds are drawn mostly from here, where real amounts and counts live. */
const EVERYDAY_INTEGERS = { min: -1_000, max: 1_000_000 };

export function isSchemaObject(schema: unknown): schema is SchemaObject {
  return typeof schema === "object" && schema !== null && !Array.isArray(schema);
}

/**
 * An arbitrary of the values `schema` accepts; `property` names the value
 * (a query parameter's name, say) for hints. Throws for a schema nothing
 * satisfies.
 */
export function arbitraryOf(
  schema: JsonSchema,
  options: SchemaArbitraryOptions = {},
  property?: string,
): fc.Arbitrary<unknown> {
  return new Converter(options).build(schema, property, 0);
}

class Converter {
  private readonly maxDepth: number;
  constructor(private readonly options: SchemaArbitraryOptions) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  build(schema: JsonSchema, property: string | undefined, depth: number): fc.Arbitrary<unknown> {
    if (schema === true) return anyJson(depth >= this.maxDepth ? 0 : 2);
    if (schema === false) throw new Error("a `false` schema accepts no value");
    const resolved = this.inline(schema);
    const generated = this.generate(resolved, property, depth);
    const hinted = (this.options.hint?.({ property, schema: resolved }) ?? []).filter((value) =>
      plainlyAccepts(resolved, value),
    );
    if (hinted.length === 0) return generated;
    return fc.oneof(
      { arbitrary: fc.constantFrom(...hinted), weight: 6 },
      { arbitrary: generated, weight: 1 },
    );
  }

  /** Replaces `$ref` and `allOf` with the schema they stand for. */
  private inline(schema: SchemaObject, seen: readonly string[] = []): SchemaObject {
    let current = schema;
    if (typeof current.$ref === "string") {
      const ref = current.$ref;
      if (seen.includes(ref)) throw new Error(`$ref ${ref} refers to itself without nesting`);
      const resolve = this.options.resolveRef;
      if (!resolve) throw new Error(`$ref ${ref} needs a resolveRef option`);
      const target = resolve(ref);
      if (target === false) throw new Error(`$ref ${ref} names a false schema`);
      const { $ref: _ref, ...siblings } = current;
      const inlined = this.inline(target === true ? {} : target, [...seen, ref]);
      current = Object.keys(siblings).length === 0 ? inlined : mergeSchemas(inlined, siblings);
    }
    if (Array.isArray(current.allOf)) {
      const { allOf, ...rest } = current;
      current = (allOf as JsonSchema[]).reduce<SchemaObject>((merged, part) => {
        if (part === false) throw new Error("allOf holds a false schema");
        return mergeSchemas(merged, part === true ? {} : this.inline(part, seen));
      }, rest);
    }
    return current;
  }

  private generate(schema: SchemaObject, property: string | undefined, depth: number) {
    if ("const" in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) {
      if (schema.enum.length === 0) throw new Error("an empty enum accepts no value");
      return fc.constantFrom(...(schema.enum as unknown[]));
    }
    const branches = schema.oneOf ?? schema.anyOf;
    if (Array.isArray(branches)) {
      const { oneOf: _one, anyOf: _any, ...rest } = schema;
      const usable = (branches as JsonSchema[]).filter((b) => b !== false);
      if (usable.length === 0) throw new Error("no branch of anyOf/oneOf accepts a value");
      return fc.oneof(
        ...usable.map((branch) =>
          this.build(
            branch === true ? rest : mergeSchemas(rest, this.inline(branch)),
            property,
            depth,
          ),
        ),
      );
    }
    const types = typesOf(schema);
    if (types.length === 0) return anyJson(depth >= this.maxDepth ? 0 : 2);
    return fc.oneof(...types.map((type) => this.typed(type, schema, depth)));
  }

  private typed(type: string, schema: SchemaObject, depth: number): fc.Arbitrary<unknown> {
    switch (type) {
      case "null":
        return fc.constant(null);
      case "boolean":
        return fc.boolean();
      case "integer":
        return integerOf(schema);
      case "number":
        return numberOf(schema);
      case "string":
        return stringOf(schema);
      case "array":
        return this.arrayOf(schema, depth);
      case "object":
        return this.objectOf(schema, depth);
      default:
        throw new Error(`unknown type ${type}`);
    }
  }

  private arrayOf(schema: SchemaObject, depth: number): fc.Arbitrary<unknown[]> {
    const minItems = numberKeyword(schema, "minItems") ?? 0;
    const declaredMax = numberKeyword(schema, "maxItems");
    const maxItems =
      depth >= this.maxDepth
        ? minItems
        : Math.min(declaredMax ?? Infinity, minItems + SOFT_MAX_ITEMS);
    const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as JsonSchema[]) : [];
    const items = schema.items === undefined ? true : (schema.items as JsonSchema);
    const prefixArbs = prefix.map((item) => this.build(item, undefined, depth + 1));
    const restMin = Math.max(0, minItems - prefix.length);
    const restMax = Math.max(restMin, maxItems - prefix.length);
    const rest =
      items === false || restMax === 0
        ? fc.constant([] as unknown[])
        : schema.uniqueItems === true
          ? fc.uniqueArray(this.build(items, undefined, depth + 1), {
              minLength: restMin,
              maxLength: restMax,
              selector: (value) => JSON.stringify(value),
            })
          : fc.array(this.build(items, undefined, depth + 1), {
              minLength: restMin,
              maxLength: restMax,
            });
    return fc.tuple(fc.tuple(...prefixArbs), rest).map(([head, tail]) => [...head, ...tail]);
  }

  private objectOf(schema: SchemaObject, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const properties = isSchemaObject(schema.properties)
      ? (schema.properties as Record<string, JsonSchema>)
      : {};
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    const skipped = (name: string) =>
      this.options.forRequest === true &&
      isSchemaObject(properties[name]) &&
      (properties[name] as SchemaObject).readOnly === true;
    const names = [...new Set([...Object.keys(properties), ...required])].filter(
      (name) => required.includes(name) || (!skipped(name) && properties[name] !== false),
    );
    const optional = names.filter((name) => !required.includes(name));
    // Deep down only what is required, so recursive schemas end.
    const kept = depth >= this.maxDepth ? names.filter((n) => required.includes(n)) : names;
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const name of kept) model[name] = this.build(properties[name] ?? true, name, depth + 1);
    const declared = fc.record(model, {
      requiredKeys: kept.filter((name) => !optional.includes(name)),
    });
    const extra = schema.additionalProperties ?? true;
    if (extra === false || depth >= this.maxDepth) return declared;
    const known = new Set(names);
    const keyNames = isSchemaObject(schema.propertyNames)
      ? stringOf({ type: "string", ...schema.propertyNames })
      : fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 12 });
    const extras = fc.dictionary(
      keyNames.filter((key) => !known.has(key) && !UNSAFE_KEYS.has(key)),
      this.build(extra as JsonSchema, undefined, depth + 1),
      { maxKeys: 2 },
    );
    // Extra fields are allowed here, but a request mostly sends what is declared.
    const sometimesExtras = fc.oneof(
      { arbitrary: fc.constant({}), weight: 5 },
      { arbitrary: extras, weight: 1 },
    );
    return fc.tuple(declared, sometimesExtras).map(([fields, more]) => ({ ...more, ...fields }));
  }
}

/** Keys that change an object's prototype when assigned, which no generated object should. */
const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** The types a schema allows, read from `type` or, without it, from its keywords. */
function typesOf(schema: SchemaObject): string[] {
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return schema.type as string[];
  if ("properties" in schema || "required" in schema || "additionalProperties" in schema)
    return ["object"];
  if ("items" in schema || "prefixItems" in schema) return ["array"];
  if ("minLength" in schema || "maxLength" in schema || "pattern" in schema || "format" in schema)
    return ["string"];
  if ("minimum" in schema || "maximum" in schema || "multipleOf" in schema) return ["number"];
  return [];
}

function numberKeyword(schema: SchemaObject, keyword: string): number | undefined {
  const value = schema[keyword];
  return typeof value === "number" ? value : undefined;
}

/** The inclusive bounds of a number schema, with 2020-12's numeric exclusive bounds. */
function boundsOf(schema: SchemaObject): {
  min: number | undefined;
  max: number | undefined;
  minExcluded: boolean;
  maxExcluded: boolean;
} {
  let min = numberKeyword(schema, "minimum");
  let max = numberKeyword(schema, "maximum");
  let minExcluded = false;
  let maxExcluded = false;
  const exclusiveMin = numberKeyword(schema, "exclusiveMinimum");
  if (exclusiveMin !== undefined && (min === undefined || exclusiveMin >= min)) {
    min = exclusiveMin;
    minExcluded = true;
  }
  const exclusiveMax = numberKeyword(schema, "exclusiveMaximum");
  if (exclusiveMax !== undefined && (max === undefined || exclusiveMax <= max)) {
    max = exclusiveMax;
    maxExcluded = true;
  }
  return { min, max, minExcluded, maxExcluded };
}

function integerOf(schema: SchemaObject): fc.Arbitrary<number> {
  const bounds = boundsOf(schema);
  const step = numberKeyword(schema, "multipleOf") ?? 1;
  const lowest =
    bounds.min === undefined
      ? Number.MIN_SAFE_INTEGER
      : bounds.minExcluded
        ? Math.floor(bounds.min) + 1
        : Math.ceil(bounds.min);
  const highest =
    bounds.max === undefined
      ? Number.MAX_SAFE_INTEGER
      : bounds.maxExcluded
        ? Math.ceil(bounds.max) - 1
        : Math.floor(bounds.max);
  const min = Math.max(lowest, Number.MIN_SAFE_INTEGER);
  const max = Math.min(highest, Number.MAX_SAFE_INTEGER);
  if (Number.isInteger(step) && step > 1) {
    const first = Math.ceil(min / step);
    const last = Math.floor(max / step);
    if (first > last) throw new Error(`no multiple of ${step} lies in [${min}, ${max}]`);
    return fc.integer({ min: first, max: last }).map((k) => k * step);
  }
  if (min > max) throw new Error(`no integer lies in [${min}, ${max}]`);
  const everyday = {
    min: Math.max(min, EVERYDAY_INTEGERS.min),
    max: Math.min(max, EVERYDAY_INTEGERS.max),
  };
  const whole = fc.integer({ min, max });
  if (everyday.min > everyday.max) return whole;
  return fc.oneof(
    { arbitrary: fc.integer(everyday), weight: 4 },
    { arbitrary: fc.constantFrom(min, max), weight: 1 },
    { arbitrary: whole, weight: 1 },
  );
}

function numberOf(schema: SchemaObject): fc.Arbitrary<number> {
  const step = numberKeyword(schema, "multipleOf");
  if (step !== undefined) {
    const { min, max } = boundsOf(schema);
    return integerOf({
      type: "integer",
      minimum: Math.ceil((min ?? -1e6) / step),
      maximum: Math.floor((max ?? 1e6) / step),
    }).map((k) => k * step);
  }
  const bounds = boundsOf(schema);
  const doubles = fc.double({
    noNaN: true,
    noDefaultInfinity: true,
    ...(bounds.min === undefined ? { min: -1e9 } : { min: bounds.min }),
    ...(bounds.max === undefined ? { max: 1e9 } : { max: bounds.max }),
    minExcluded: bounds.minExcluded,
    maxExcluded: bounds.maxExcluded,
  });
  const noZero = doubles.map((n) => (Object.is(n, -0) ? 0 : n));
  let wholes: fc.Arbitrary<number>;
  try {
    wholes = integerOf(schema);
  } catch {
    return noZero;
  }
  // Whole numbers are what most percentages and amounts look like; doubles the rest.
  return fc.oneof({ arbitrary: wholes, weight: 2 }, { arbitrary: noZero, weight: 1 });
}

/** One code point a person might type: mostly ASCII, some accents, scripts and emoji. */
const everydayCharacter = fc.oneof(
  { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 12 },
  { arbitrary: fc.integer({ min: 0xa1, max: 0x17f }), weight: 2 },
  { arbitrary: fc.integer({ min: 0x4e00, max: 0x4fff }), weight: 1 },
  { arbitrary: fc.integer({ min: 0x1f600, max: 0x1f64f }), weight: 1 },
);
const everydayUnit = everydayCharacter.map((code) => String.fromCodePoint(code));

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);

const DATES = { min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z") };
const dateTime = fc
  .date({ ...DATES, noInvalidDate: true })
  .map((date) => date.toISOString())
  .chain((iso) => fc.constantFrom(iso, iso.replace(/\.\d{3}Z$/, "Z")));

const FORMATS: Record<string, fc.Arbitrary<string>> = {
  "date-time": dateTime,
  date: fc.date({ ...DATES, noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10)),
  email: fc
    .tuple(label, fc.option(label, { nil: undefined }), label, fc.constantFrom("com", "org", "io"))
    .map(([user, dotted, host, tld]) => `${user}${dotted ? `.${dotted}` : ""}@${host}.${tld}`),
  uri: fc
    .tuple(fc.constantFrom("https", "http"), label, fc.array(label, { maxLength: 3 }))
    .map(([scheme, host, path]) => `${scheme}://${host}.example.com/${path.join("/")}`),
  uuid: fc.uuid(),
};
FORMATS.url = FORMATS.uri as fc.Arbitrary<string>;

function stringOf(schema: SchemaObject): fc.Arbitrary<string> {
  const minLength = numberKeyword(schema, "minLength") ?? 0;
  const maxLength = numberKeyword(schema, "maxLength");
  const pattern = typeof schema.pattern === "string" ? new RegExp(schema.pattern, "u") : null;
  const fitsLength = (text: string) => {
    const length = [...text].length;
    return length >= minLength && (maxLength === undefined || length <= maxLength);
  };
  const format = typeof schema.format === "string" ? FORMATS[schema.format] : undefined;
  if (format) return format.filter((text) => fitsLength(text) && (!pattern || pattern.test(text)));
  if (pattern) {
    // fast-check builds strings from the regular expression itself; lengths are then checked.
    return fc
      .stringMatching(pattern, { maxLength: Math.max(maxLength ?? SOFT_MAX_LENGTH * 2, minLength) })
      .filter(fitsLength);
  }
  const softMax = Math.max(minLength, Math.min(maxLength ?? Infinity, minLength + SOFT_MAX_LENGTH));
  return fc.string({ unit: everydayUnit, minLength, maxLength: softMax });
}

/** Any JSON value, nested at most `depth` levels. */
function anyJson(depth: number): fc.Arbitrary<unknown> {
  return fc.jsonValue({ maxDepth: depth, stringUnit: "grapheme-ascii" });
}

/**
 * The schema both `a` and `b` describe, as far as generation needs: properties
 * and required lists are joined, bounds tightened, other keywords of `b` win.
 */
export function mergeSchemas(a: SchemaObject, b: SchemaObject): SchemaObject {
  const merged: Record<string, unknown> = { ...a, ...b };
  if (isSchemaObject(a.properties) || isSchemaObject(b.properties)) {
    const properties: Record<string, unknown> = { ...(a.properties as object) };
    for (const [name, schema] of Object.entries((b.properties as object) ?? {}))
      properties[name] =
        isSchemaObject(properties[name]) && isSchemaObject(schema)
          ? mergeSchemas(properties[name] as SchemaObject, schema)
          : schema;
    merged.properties = properties;
  }
  if (Array.isArray(a.required) || Array.isArray(b.required))
    merged.required = [
      ...new Set([...((a.required as string[]) ?? []), ...((b.required as string[]) ?? [])]),
    ];
  for (const [keyword, pick] of [
    ["minimum", Math.max],
    ["exclusiveMinimum", Math.max],
    ["minLength", Math.max],
    ["minItems", Math.max],
    ["maximum", Math.min],
    ["exclusiveMaximum", Math.min],
    ["maxLength", Math.min],
    ["maxItems", Math.min],
  ] as const) {
    const x = numberKeyword(a, keyword);
    const y = numberKeyword(b, keyword);
    if (x !== undefined && y !== undefined) merged[keyword] = pick(x, y);
  }
  if (a.additionalProperties === false || b.additionalProperties === false)
    merged.additionalProperties = false;
  return merged;
}

/**
 * Whether a hinted value obviously fits `schema`: its type, enum, const,
 * length, pattern and bounds. Generated values need no such check.
 */
export function plainlyAccepts(schema: SchemaObject, value: unknown): boolean {
  if ("const" in schema && schema.const !== value) return false;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return false;
  const types = typesOf(schema);
  const typeOfValue =
    value === null
      ? "null"
      : Array.isArray(value)
        ? "array"
        : typeof value === "number" && Number.isInteger(value)
          ? "integer"
          : typeof value;
  if (
    types.length > 0 &&
    !types.includes(typeOfValue) &&
    !(typeOfValue === "integer" && types.includes("number"))
  )
    return false;
  if (typeof value === "string") {
    const length = [...value].length;
    const minLength = numberKeyword(schema, "minLength");
    const maxLength = numberKeyword(schema, "maxLength");
    if (minLength !== undefined && length < minLength) return false;
    if (maxLength !== undefined && length > maxLength) return false;
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value))
      return false;
  }
  if (typeof value === "number") {
    const { min, max, minExcluded, maxExcluded } = boundsOf(schema);
    if (min !== undefined && (minExcluded ? value <= min : value < min)) return false;
    if (max !== undefined && (maxExcluded ? value >= max : value > max)) return false;
  }
  return true;
}
