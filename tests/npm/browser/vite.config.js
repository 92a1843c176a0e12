// Builds the page (and its module Worker) that uses the packed ociscope package; Vite picks the
// package's `browser` condition, the web build, whose `init()` fetches the .wasm as an asset.
import { defineConfig } from "vite";

export default defineConfig({
  logLevel: "warn",
  build: { target: "es2022" },
  worker: { format: "es" },
});
