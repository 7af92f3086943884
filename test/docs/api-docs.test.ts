/**
 * The API reference: every public export documented with an example that compiles, and typedoc clean.
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ApiDocProblem, checkApiDocs, runTypedocCheck } from "./api-docs.js";

const show = (ps: readonly ApiDocProblem[]): string[] => ps.map((p) => `${p.where}: ${p.name}: ${p.problem}`);

describe("API documentation", () => {
  it("every export of src/index.ts has a doc comment and an @example that type-checks against the public API", () => {
    const report = checkApiDocs();
    expect(show(report.problems)).toEqual([]);
    // The entry point names the whole API (parse, print, translate, nft model); a broken resolution finds few.
    expect(report.exports).toEqual(expect.arrayContaining(["parseRuleset", "translate", "printNftText", "NftRuleset", "Diagnostic"]));
    expect(report.examples).toBeGreaterThanOrEqual(report.exports.length);
  });

  it("typedoc builds the reference without warnings: no missing exports, no broken links", () => {
    const r = runTypedocCheck();
    expect(r.ok, r.output).toBe(true);
  });

  describe("the check itself", () => {
    const scratch = mkdtempSync(join(tmpdir(), "ipt2nft-apidocs-"));
    afterAll(() => {
      rmSync(scratch, { recursive: true, force: true });
    });

    it("reports a missing comment, a missing example and an example that does not compile; code lines starting with @ stay code", () => {
      const entry = join(scratch, "index.ts");
      writeFileSync(
        entry,
        [
          "export const undocumented = 1;",
          "/** Documented, but shows no use. */",
          "export const noExample = 2;",
          "/**",
          " * Doubles a number.",
          " *",
          " * @example",
          " * ```ts",
          " * const four: number = double(2);",
          " * // @see is not a tag inside a code block",
          ' * const wrong: string = double(2);',
          " * ```",
          " */",
          "export function double(n: number): number {",
          "  return n * 2;",
          "}",
          "/**",
          " * Halves a number.",
          " *",
          " * @example",
          " * ```ts",
          ' * import { half } from "ipt2nft";',
          " * half(text.length);",
          " * ```",
          " */",
          "export const half = (n: number): number => n / 2;",
          "",
        ].join("\n"),
      );
      const report = checkApiDocs(entry);
      expect([...report.exports].sort()).toEqual(["double", "half", "noExample", "undocumented"]);
      expect(report.examples).toBe(2);
      expect(report.problems.map((p) => `${p.name}: ${p.problem}`).sort()).toEqual([
        "double: example line 3: Type 'number' is not assignable to type 'string'.",
        "noExample: no @example",
        "undocumented: no @example",
        "undocumented: no doc comment",
      ]);
    });
  });
});
