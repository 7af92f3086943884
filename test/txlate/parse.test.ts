import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/parse/index.js";
import { hasTxlate, loadTxlateCases } from "../helpers/txlate.js";

if (!hasTxlate) console.warn("skipping txlate cases: ../shared/conformance/txlate is absent");

describe.skipIf(!hasTxlate)("netfilter txlate cases", () => {
  const cases = hasTxlate ? loadTxlateCases() : [];

  it("has the iptables and ip6tables cases", () => {
    expect(cases.length).toBeGreaterThan(350);
  });

  it.each(cases.map((c) => [`${c.file}:${c.line} ${c.command}`, c] as const))("parses %s", (_name, c) => {
    const { value, diagnostics } = parseCommand(c.command, { family: c.tool === "ip6tables" ? "ipv6" : "ipv4", file: `${c.file}:${c.line}` });
    // Some cases leave out the -p the kernel needs (`-m icmp` alone): a warning, not an error.
    expect(diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
    expect(value).toBeDefined();
    const tableWord = /(?:^|\s)-t\s+(\S+)/.exec(c.command)?.[1] ?? "filter";
    expect(value?.table ?? "filter").toBe(tableWord);
    if (value?.command === "append" || value?.command === "insert") {
      expect(value.rule?.kind).toBe("rule");
      // An unknown module would be kept verbatim, but these are netfilter's own: every one must be typed.
      expect(value.rule?.matches.flatMap((m) => (m.kind === "unknown" ? [m.name] : []))).toEqual([]);
    }
  });
});
