import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * The storefront widget: one self-contained script (dist/web/widget.js) that
 * any page loads with a script tag, with no framework, so it stays small.
 */
export default defineConfig({
  root: here,
  build: {
    outDir: resolve(here, "../dist/web"),
    emptyOutDir: false,
    lib: {
      entry: resolve(here, "widget/main.ts"),
      name: "LaurelWidget",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
});
