import { defineConfig } from "vitest/config";

// The UI is embedded into the binary at compile time; no dev server is used.
export default defineConfig({
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari15",
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    // The stylesheet test reads the real stylesheet; without this it would read an empty one.
    css: { include: [/styles\.css/] },
  },
});
