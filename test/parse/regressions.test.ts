/**
 * Inputs that property tests and the fuzzer (test/parse/roundtrip.property.test.ts, fuzz.test.ts) found
 * mishandled, kept as plain examples so they stay fixed whatever the seed.
 */
import { describe, expect, it } from "vitest";
import { printRuleset } from "../../src/ast/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { stripSpans } from "../helpers/ast.js";

/** Parses, prints and parses again; both parses must be clean and agree. */
function roundTrip(text: string, family: "ipv4" | "ipv6") {
  const first = parseRuleset(text, { family });
  expect(first.diagnostics).toEqual([]);
  const printed = printRuleset(first.value!);
  const again = parseRuleset(printed, { family });
  expect(again.diagnostics).toEqual([]);
  expect(stripSpans(again.value)).toEqual(stripSpans(first.value));
  return first.value!;
}

describe("regressions", () => {
  // The NAT range codec read any text starting with ":" as a port-only range, so an IPv6 address such as
  // `::` or `::1` without a port (printed without brackets) failed with `":" is not a valid port`.
  it("reads an IPv6 NAT address that starts with :: as an address, not a port", () => {
    for (const addr of ["::", "::1", "::ffff:0:1-::ffff:0:9"]) {
      const ruleset = roundTrip(`*nat\n:PREROUTING ACCEPT\n-A PREROUTING -j DNAT --to-destination ${addr}\nCOMMIT\n`, "ipv6");
      const target = ruleset.tables[0]?.rules[0]?.target;
      expect(target?.kind).toBe("DNAT");
      expect(stripSpans(target)).toMatchObject({ toDestination: { value: { addresses: { from: { family: "ipv6" } } } } });
      expect(JSON.stringify(target)).not.toContain('"ports"');
    }
    // A port-only range still reads as one, in both families.
    for (const family of ["ipv4", "ipv6"] as const) {
      const ruleset = roundTrip("*nat\n:PREROUTING ACCEPT\n-A PREROUTING -p tcp -j DNAT --to-destination :8080\nCOMMIT\n", family);
      expect(stripSpans(ruleset.tables[0]?.rules[0]?.target)).toMatchObject({ toDestination: { value: { ports: { from: 8080, to: 8080 } } } });
    }
  });

  // The fuzzer found quoted chain names that cannot be written back: iptables-save writes chain names
  // bare (`-A NAME`, `-j NAME`, `:NAME`), so `-N "a b"`, or a jump to a chain declared `:-x -`, printed
  // as text that no longer parsed. Such names are refused where they are used.
  it.each([
    ['-N "a b"\n-A "a b" -j ACCEPT', 1, 4],
    ['-N "-x"', 1, 4],
    ['-N "!"', 1, 4],
    ['-N x\n-A INPUT -j "x y"', 2, 13],
    ['*filter\n:-x - [0:0]\n-A INPUT -j "-x"\nCOMMIT\n', 3, 13],
    ['*filter\n:!x - [0:0]\n-A INPUT -g "!x"\nCOMMIT\n', 3, 13],
  ])("refuses the chain name in %j", (text, line, column) => {
    const { value, diagnostics } = parseRuleset(text);
    expect(value).toBeUndefined();
    expect(diagnostics[0]).toMatchObject({ code: "bad-value", span: { start: { line, column } } });
  });

  it("still reads chain names that print bare, quoted or not", () => {
    roundTrip('-N "x#y"\n-N "a\\\\b"\n-A INPUT -j "x#y"\n-A "x#y" -g a\\b\n', "ipv4");
  });

  // An unknown module keeps its words as one flat list, so the printer writes option-shaped words bare
  // (they are usually options). A quoted value shaped like a command or a generic option (`"-A"`, `"-s"`)
  // would re-parse as that command or option, so the printer quotes exactly those.
  it("prints a quoted option-shaped value of an unknown module so that it re-parses", () => {
    roundTrip('*filter\n:INPUT ACCEPT\n-A INPUT -j UNKA --unk-a "-A"\nCOMMIT\n', "ipv4");
  });
});
