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
      const ruleset = roundTrip("*nat\n:PREROUTING ACCEPT\n-A PREROUTING -j DNAT --to-destination :8080\nCOMMIT\n", family);
      expect(stripSpans(ruleset.tables[0]?.rules[0]?.target)).toMatchObject({ toDestination: { value: { ports: { from: 8080, to: 8080 } } } });
    }
  });
});
