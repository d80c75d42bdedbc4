// Checks a response against the OpenAPI document the app serves: the
// operation its method and path name must declare its status, its content
// type and a schema its body meets. The API test harness runs it on every
// response (test/support/api.ts), so the document cannot drift from what the
// routes answer. Responses of unknown routes must be the Error shape.
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { withRefsMoved } from "../../src/api/openapi.ts";

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module.
const addFormats = addFormatsModule.default ?? addFormatsModule;

type Json = Record<string, unknown>;

interface MediaType {
  schema?: Json;
}

interface Response {
  $ref?: string;
  description?: string;
  content?: Record<string, MediaType>;
}

interface Operation {
  operationId?: string;
  responses: Record<string, Response>;
}

export interface ConformanceDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, Json>; responses?: Record<string, Response> };
}

export interface CheckedExchange {
  method: string;
  url: string;
  status: number;
  contentType: string;
  text: string;
}

/** Where the components are registered for ajv, so `$ref`s into them resolve. */
const COMPONENTS = "urn:laurel:components";

/**
 * What the document is not about: the web apps' pages and files, and the
 * docs page. Anything else the app answers is an operation or a 404.
 */
const NOT_API = /^\/(docs|admin|portal|assets|widget\.js|track\.js|apply)(\/|$)/;

const METHODS = new Set(["get", "post", "put", "patch", "delete", "options", "head"]);

interface Template {
  path: string;
  pattern: RegExp;
  /** Literal segments: /participants/search wins over /participants/{participantId}. */
  literals: number;
}

/** Checks exchanges against one document; each schema is compiled once. */
export class Conformance {
  private readonly ajv: Ajv2020;
  private readonly templates: Template[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: ConformanceDocument) {
    this.ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      // The document's unions (`type: ["string", "null"]`) and `anyOf` beside
      // `required` are ordinary JSON Schema; strict typing would refuse them.
      strictTypes: false,
      allowUnionTypes: true,
    });
    addFormats(this.ajv);
    this.ajv.addSchema({
      $id: COMPONENTS,
      $defs: Object.fromEntries(
        Object.entries(document.components.schemas ?? {}).map(([name, schema]) => [
          name,
          relinked(schema),
        ]),
      ),
    });
    this.templates = Object.keys(document.paths)
      .map((path) => ({
        path,
        pattern: new RegExp(
          `^${path
            .split(/\{[^}]+\}/)
            .map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
            // The router takes an empty segment as an empty parameter.
            .join("[^/]*")}$`,
        ),
        literals: path.split("/").filter((s) => s !== "" && !s.startsWith("{")).length,
      }))
      .sort((a, b) => b.literals - a.literals);
  }

  /** What is wrong with the exchange by the document, or null when it conforms. */
  problem(exchange: CheckedExchange): string | null {
    const method = exchange.method.toLowerCase();
    const path = exchange.url.split("?")[0] ?? "";
    if (NOT_API.test(path)) return null;
    const template = this.templates.find((t) => t.pattern.test(path));
    const operation = template && this.document.paths[template.path]?.[method];
    if (!template || !operation || !METHODS.has(method)) {
      // No such operation: the router's 404, or a refusal of the request before
      // routing (a URL that is not valid, an over-long segment, a bad body), in
      // the error shape.
      if (exchange.status < 400 || exchange.status >= 500)
        return report(
          exchange,
          "no operation",
          `answered ${exchange.status}, not the router's 404 or another refusal`,
        );
      return this.bodyProblem(
        exchange,
        "no operation",
        "Error",
        { $ref: "#/components/schemas/Error" },
        "application/json",
      );
    }
    const name = `${operation.operationId ?? "?"} (${method.toUpperCase()} ${template.path})`;
    const declared = operation.responses[String(exchange.status)];
    if (!declared)
      return report(
        exchange,
        name,
        `status ${exchange.status} is not declared; it declares ${Object.keys(operation.responses).join(", ")}`,
      );
    const response = this.resolved(declared);
    const content = response.content;
    if (!content || method === "head") {
      return exchange.text === "" || method === "head"
        ? null
        : report(exchange, name, `a body where the document declares none for ${exchange.status}`);
    }
    const mediaType = exchange.contentType.split(";")[0]?.trim().toLowerCase() ?? "";
    const documented = content[mediaType];
    if (!documented)
      return report(
        exchange,
        name,
        `content type ${mediaType || "(none)"} is not declared for ${exchange.status}; it declares ${Object.keys(content).join(", ")}`,
      );
    if (!documented.schema)
      return report(exchange, name, `no schema for ${exchange.status} ${mediaType}`);
    return this.bodyProblem(
      exchange,
      name,
      `${method} ${template.path} ${exchange.status} ${mediaType}`,
      documented.schema,
      mediaType,
    );
  }

  /** Why `value` fails a schema of the document (refs into its components resolve), or null. */
  schemaProblem(schema: Json, value: unknown): string | null {
    const validate = this.ajv.compile(relinked(schema) as Json);
    return validate(value)
      ? null
      : this.ajv.errorsText(validate.errors, { separator: "; ", dataVar: "value" });
  }

  private bodyProblem(
    exchange: CheckedExchange,
    name: string,
    key: string,
    schema: Json,
    mediaType: string,
  ): string | null {
    let body: unknown = exchange.text;
    if (mediaType.endsWith("json")) {
      try {
        body = JSON.parse(exchange.text);
      } catch {
        return report(exchange, name, "the body is not JSON");
      }
    }
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(relinked(schema) as Json);
      this.validators.set(key, validate);
    }
    if (validate(body)) return null;
    return report(
      exchange,
      name,
      `the body does not match the schema: ${this.ajv.errorsText(validate.errors, { separator: "; ", dataVar: "body" })}`,
    );
  }

  private resolved(response: Response): Response {
    const name = /^#\/components\/responses\/(.+)$/.exec(response.$ref ?? "")?.[1];
    if (name === undefined) return response;
    const shared = this.document.components.responses?.[name];
    if (!shared) throw new Error(`the document refers to a response it lacks: ${response.$ref}`);
    return shared;
  }
}

function report(exchange: CheckedExchange, operation: string, why: string): string {
  const excerpt = exchange.text.length > 600 ? `${exchange.text.slice(0, 600)}…` : exchange.text;
  return [
    `${exchange.method} ${exchange.url} does not conform to the OpenAPI document:`,
    `  operation: ${operation}`,
    `  status: ${exchange.status}`,
    `  problem: ${why}`,
    `  body: ${excerpt}`,
  ].join("\n");
}

/** A schema whose `#/components/schemas/X` refs point where ajv holds the components. */
const relinked = (value: unknown): unknown =>
  withRefsMoved(value, "#/components/schemas/", `${COMPONENTS}#/$defs/`);
