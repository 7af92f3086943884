/**
 * Properties of the parser and the printer on generated rulesets (test/arb): parsing the canonical text of
 * an AST gives that AST back (spans aside), printing is a fixed point, and every other way of writing the
 * same rules (option aliases, long forms, `-c`, old-style `!`, quotes, blanks) parses to the same AST.
 *
 * Seeded: `FC_SEED=<n> npx vitest run test/parse/roundtrip.property.test.ts` replays a run; fast-check prints
 * the seed and the shrunk counterexample (as iptables-save text) when a property fails. `FC_RUNS=<n>`
 * sets the number of runs (default 1000).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { printRuleset } from "../../src/ast/index.js";
import { formatDiagnostic } from "../../src/diagnostic/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { stripSpans } from "../helpers/ast.js";
import { arbSpellingChoices, respellRuleset } from "../arb/respell.js";
import { arbRuleset } from "../arb/ruleset.js";
import { propertySeed } from "../arb/seed.js";

const seed = propertySeed();
// `FC_RUNS` raises it for a longer hunt; 1000 runs take a few seconds.
const numRuns = Number(process.env.FC_RUNS ?? 1000);

/** Parses canonical text with the family it was printed for; throws with located diagnostics on failure. */
function parsePrinted(text: string, family: "ipv4" | "ipv6") {
  const { value, diagnostics } = parseRuleset(text, { family });
  if (value === undefined || diagnostics.some((d) => d.severity === "error")) {
    throw new Error(`the printed ruleset does not parse cleanly:\n${diagnostics.map((d) => formatDiagnostic(d, text)).join("\n")}`);
  }
  return value;
}

describe("parse ∘ print", () => {
  it("gives back the AST it printed (spans aside)", () => {
    fc.assert(
      fc.property(arbRuleset(), (ast) => {
        const text = printRuleset(ast);
        expect(stripSpans(parsePrinted(text, ast.family))).toEqual(stripSpans(ast));
      }),
      { seed, numRuns },
    );
  });

  it("makes printing a fixed point", () => {
    fc.assert(
      fc.property(arbRuleset(), (ast) => {
        const text = printRuleset(ast);
        expect(printRuleset(parsePrinted(text, ast.family))).toBe(text);
      }),
      { seed, numRuns },
    );
  });

  it("reads every spelling of a rule as the same AST", () => {
    fc.assert(
      fc.property(arbRuleset(), arbSpellingChoices(), (ast, choices) => {
        const text = respellRuleset(ast, choices);
        const { value, diagnostics } = parseRuleset(text, { family: ast.family });
        if (value === undefined || diagnostics.some((d) => d.severity === "error")) {
          throw new Error(`a respelled ruleset does not parse cleanly:\n${diagnostics.map((d) => formatDiagnostic(d, text)).join("\n")}\n--- text:\n${text}`);
        }
        expect(stripSpans(value)).toEqual(stripSpans(ast));
      }),
      { seed, numRuns },
    );
  });
});
