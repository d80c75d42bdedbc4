#!/usr/bin/env node
// Laurel ships as TypeScript and runs through tsx, so there is no build step
// between `npm install` and `npm start`.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
