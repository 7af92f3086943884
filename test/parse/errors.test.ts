/**
 * Every kind of bad input gets a located diagnostic: file, line, column, what was expected and what was
 * found, printed like a compiler message.
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/diagnostic/index.js";
import { parseRuleset } from "../../src/parse/index.js";

function errorsOf(text: string): { code: string; line: number; column: number; message: string }[] {
  const r = parseRuleset(text, { file: "rules.v4" });
  expect(r.value).toBeUndefined();
  return r.diagnostics.filter((d) => d.severity === "error").map((d) => ({ code: d.code, line: d.span.start.line, column: d.span.start.column, message: d.message }));
}

const wrap = (...lines: string[]): string => ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ...lines, "COMMIT", ""].join("\n");

describe("located diagnostics", () => {
  const cases: readonly (readonly [string, string, string, number, number, RegExp])[] = [
    ["unknown option of a known module", wrap("-A INPUT -p tcp -m tcp --dprot 22 -j ACCEPT"), "unknown-option", 5, 24, /unknown option --dprot/],
    ["port above 65535", wrap("-A INPUT -p tcp -m tcp --dport 65536 -j ACCEPT"), "bad-value", 5, 32, /65536 is out of range/],
    ["bad prefix length", wrap("-A INPUT -s 10.0.0.0/33 -j DROP"), "bad-value", 5, 13, /prefix length 33/],
    ["bad address", wrap("-A INPUT -s 10.0.0.300 -j DROP"), "bad-value", 5, 13, /not an IPv4 or IPv6 address/],
    ["probability above 1", wrap("-A INPUT -m statistic --mode random --probability 1.5 -j DROP"), "bad-value", 5, 51, /outside \[0, 1\]/],
    ["jump to an undeclared chain", wrap("-A INPUT -j NOWHERE"), "undeclared-chain", 5, 10, /NOWHERE/],
    ["rule appended to an undeclared chain", wrap("-A NOWHERE -j ACCEPT"), "undeclared-chain", 5, 4, /NOWHERE is not declared/],
    ["rule before any table", "-A INPUT -j ACCEPT\n*filter\nCOMMIT\n", "rule-outside-table", 1, 1, /before any \*table/],
    ["missing COMMIT", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n", "missing-commit", 1, 1, /not closed by COMMIT/],
    ["unknown table", "*nosuch\nCOMMIT\n", "unknown-table", 1, 1, /unknown table "nosuch"/],
    ["option given twice", wrap("-A INPUT -p tcp --dport 1 --dport 2 -j ACCEPT"), "duplicate-option", 5, 27, /given twice/],
    ["negating what cannot be negated", wrap("-A INPUT -m comment ! --comment x -j ACCEPT"), "not-negatable", 5, 21, /cannot be negated/],
    ["missing argument", wrap("-A INPUT -p tcp --dport"), "missing-argument", 5, 17, /needs an argument/],
    ["built-in chain with a bad policy", "*filter\n:INPUT REJECT [0:0]\nCOMMIT\n", "bad-value", 2, 1, /ACCEPT or DROP/],
  ];

  it.each(cases)("%s", (_name, text, code, line, column, message) => {
    const errs = errorsOf(text);
    expect(errs[0]).toMatchObject({ code, line, column });
    expect(errs[0]?.message).toMatch(message);
  });

  it("reports a syntax error with what was expected and what was found", () => {
    const r = parseRuleset(wrap('-A INPUT -m comment --comment "unterminated -j ACCEPT'), { file: "rules.v4" });
    const d = r.diagnostics[0];
    expect(d?.code).toBe("syntax");
    expect(d?.span.start.line).toBe(5);
    expect(d?.expected?.length).toBeGreaterThan(0);
    expect(d?.found).toBeDefined();
  });

  it("reports every error, not just the first", () => {
    const errs = errorsOf(wrap("-A INPUT -p tcp --dport 70000 -j ACCEPT", "-A INPUT -s 1.2.3.4/40 -j DROP", "-A INPUT -j MISSING"));
    expect(errs.map((e) => e.line)).toEqual([5, 6, 7]);
  });

  it("prints like a compiler: file:line:col, the line and a caret", () => {
    const text = wrap("-A INPUT -p tcp --dport 99999 -j ACCEPT");
    const r = parseRuleset(text, { file: "rules.v4" });
    const d = r.diagnostics[0];
    if (d === undefined) throw new Error("expected a diagnostic");
    expect(formatDiagnostic(d, text)).toBe(
      ["rules.v4:5:25: error: --dport: 99999 is out of range for a port (0-65535) [bad-value]", "  -A INPUT -p tcp --dport 99999 -j ACCEPT", "                          ^~~~~"].join("\n"),
    );
  });
});
