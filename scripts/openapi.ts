// Prints the OpenAPI document the routes make, without a database or a
// server: `node bin/run-ts.js scripts/openapi.ts [FILE]` writes it to FILE
// (or standard output). The servers entry is LAUREL_PUBLIC_URL, as `laurel
// serve` would give it, or http://localhost:3000.
import { writeFile } from "node:fs/promises";
import { routes, VERSION } from "../src/api/app.ts";
import { buildOpenApi } from "../src/api/openapi.ts";

const publicUrl = process.env.LAUREL_PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
const text = `${JSON.stringify(buildOpenApi(routes, { version: VERSION, publicUrl }), null, 2)}\n`;
const out = process.argv[2];
if (out === undefined) process.stdout.write(text);
else await writeFile(out, text);
