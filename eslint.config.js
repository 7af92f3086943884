// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";
import { defineConfig } from "eslint/config";

export default defineConfig(
  { ignores: ["dist/", "docs/", "node_modules/", "src/parse/generated/", "coverage/", "bench/out/"] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js", "*.mjs", "bench/*.mjs"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/cli", "**/cli/*"], message: "the library never imports the CLI" }] }],
    },
  },
  {
    // The nft model stands alone: a parsed nft file has no iptables AST behind it.
    files: ["src/nft/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/ast", "**/ast/*", "**/parse", "**/parse/*", "**/translate", "**/translate/*", "**/eval", "**/eval/*", "**/cli", "**/cli/*", "**/host", "**/host/*"], message: "src/nft must not import the iptables side or later stages" }] }],
    },
  },
  {
    files: ["src/ast/**/*.ts", "src/parse/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/translate", "**/translate/*", "**/nft", "**/nft/*", "**/eval", "**/eval/*", "**/cli", "**/cli/*", "**/host", "**/host/*"], message: "parse/ast must not import later stages" }] }],
    },
  },
  {
    files: ["src/translate/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/eval", "**/eval/*", "**/cli", "**/cli/*", "**/host", "**/host/*"], message: "translate must not import eval, cli or host" }] }],
    },
  },
  {
    files: ["src/eval/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/translate", "**/translate/*", "**/cli", "**/cli/*", "**/host", "**/host/*"], message: "the evaluator never calls the translator it judges" }] }],
    },
  },
  {
    files: ["test/**/*.ts", "bench/**/*", "examples/**/*"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
