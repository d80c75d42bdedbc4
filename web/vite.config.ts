import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * The admin console, the participant portal and the public apply page:
 * single-page apps built into dist/web, which `laurel serve` serves at
 * /admin, /portal and /apply/{programId}.
 */
export default defineConfig({
  root: here,
  base: "/",
  plugins: [react(), tailwindcss()],
  build: {
    outDir: resolve(here, "../dist/web"),
    emptyOutDir: false,
    rollupOptions: {
      input: {
        admin: resolve(here, "admin/index.html"),
        portal: resolve(here, "portal/index.html"),
        apply: resolve(here, "apply/index.html"),
      },
      output: {
        // React changes far less often than the apps: in a chunk of its own,
        // shared by the console and the portal, it stays cached across
        // releases. The console's screens are split by their lazy imports.
        manualChunks: (id) =>
          /\/node_modules\/(?:react|react-dom|scheduler)\//.test(id) ? "react" : undefined,
      },
    },
  },
});
