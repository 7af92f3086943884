/**
 * Unknown modules keep their words verbatim; printing them must not turn their options into values.
 * Regression: the printer quoted every word starting with `-`, so `-m addrtype --dst-type LOCAL` (before
 * addrtype had a schema) printed as `-m addrtype "--dst-type" LOCAL`, which no longer parsed.
 */
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/parse/index.js";
import { printRuleset } from "../../src/ast/print.js";
import { stripSpans } from "../helpers/ast.js";

// Module and target names no schema will ever claim, so these stay `unknown` nodes.
const text = [
  "*filter",
  ":INPUT ACCEPT [0:0]",
  ":FORWARD ACCEPT [0:0]",
  ":OUTPUT ACCEPT [0:0]",
  '-A INPUT -m xtunknownmatch --opt-a LOCAL ! --opt-b "two words" -o x -j ACCEPT',
  "-A INPUT -j XTUNKNOWNTARGET --to-thing 10.0.0.1:80 --flag",
  "COMMIT",
  "",
].join("\n");

describe("printing unknown modules", () => {
  it("keeps option words bare and quotes only values that need it", () => {
    const { value, diagnostics } = parseRuleset(text);
    expect(diagnostics).toEqual([]);
    const printed = printRuleset(value!);
    expect(printed).toContain('-m xtunknownmatch --opt-a LOCAL ! --opt-b "two words"');
    expect(printed).toContain("-j XTUNKNOWNTARGET --to-thing 10.0.0.1:80 --flag");
  });

  it("quotes a module name that needs quotes (found by test/parse/fuzz.test.ts)", () => {
    const damaged = '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m "two words" -m mark --mark 0x1/0x1 -j ACCEPT\nCOMMIT\n';
    const first = parseRuleset(damaged).value!;
    const printed = printRuleset(first);
    expect(printed).toContain('-m "two words" -m mark');
    expect(stripSpans(parseRuleset(printed).value)).toEqual(stripSpans(first));
  });

  it("re-parses to the same AST", () => {
    const first = parseRuleset(text).value!;
    const again = parseRuleset(printRuleset(first));
    expect(again.diagnostics).toEqual([]);
    expect(stripSpans(again.value)).toEqual(stripSpans(first));
  });
});
