// Writes the typed client's types, src/client/schema.ts, from the OpenAPI
// document the routes make (no database needed): `npm run generate:client`,
// or with a path to write them elsewhere. test/client/generated.test.ts
// regenerates them and fails when the committed file is out of date.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";
import { format, resolveConfig } from "prettier";
import { routes, VERSION } from "../src/api/app.ts";
import { buildOpenApi } from "../src/api/openapi.ts";

export const SCHEMA_FILE = resolve(import.meta.dirname, "../src/client/schema.ts");

/**
 * The document the client is generated from: the one /openapi.json serves.
 * Its server address never reaches the types, so a fixed one keeps the
 * output the same wherever it is generated.
 */
export function clientDocument() {
  return buildOpenApi(routes, { version: VERSION, publicUrl: "http://localhost:3000" });
}

/** The generated types, formatted as the repository formats TypeScript. */
export async function clientSchemaSource(): Promise<string> {
  // The document is built in memory, so it has no URL for $refs to be resolved against.
  const ast = await openapiTS(JSON.parse(JSON.stringify(clientDocument())), { silent: true });
  const source = COMMENT_HEADER + astToString(ast);
  const options = (await resolveConfig(SCHEMA_FILE)) ?? {};
  return format(source, { ...options, filepath: SCHEMA_FILE });
}

export async function writeClientSchema(path: string = SCHEMA_FILE): Promise<void> {
  await writeFile(path, await clientSchemaSource());
}

const entry = process.argv[1];
if (entry !== undefined && resolve(entry) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] === undefined ? SCHEMA_FILE : resolve(process.argv[2]);
  await writeClientSchema(out);
  console.error(`wrote ${out}`);
}
