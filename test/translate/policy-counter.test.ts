/**
 * The policy counter of a built-in chain when packets can reach the policy other than by falling off the
 * chain's end: through RETURN in it, or at the end of a chain it went to with -g. The kernel agreement test
 * (test/kernel/generated.test.ts) found the trailing counting rule missing exactly those packets in nft;
 * now the policy's counter and verdict live in a chain every way to the policy goes to.
 */
import { describe, expect, it } from "vitest";
import { checkEquivalence } from "../../src/eval/equivalence.js";
import { printNftText } from "../../src/nft/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import { kernelSkipReason, nftCheck } from "../helpers/translate.js";

const leaving = `*filter
:INPUT DROP [5:300]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:u1 - [0:0]
[1:60] -A INPUT -p tcp -j RETURN
[2:120] -A INPUT -p udp -g u1
[0:0] -A INPUT -p icmp -g u1
[0:0] -A FORWARD -j u1
[3:180] -A u1 -s 10.0.0.1 -j ACCEPT
COMMIT
`;

function nftOf(text: string): { text: string; ok: ReturnType<typeof translate> } {
  const parsed = parseRuleset(text);
  if (parsed.value === undefined) throw new Error("does not parse");
  const ok = translate(parsed.value);
  if (ok.value === undefined) throw new Error("not translated");
  return { text: printNftText(ok.value.nft), ok };
}

describe("policy counter with RETURN and goto in a built-in chain", () => {
  it("puts the policy's counter and verdict in a chain that return, goto and the chain's end all go to", () => {
    const { text } = nftOf(leaving);
    expect(text).toContain("\t\tmeta l4proto tcp counter packets 1 bytes 60 goto INPUT-policy\n");
    expect(text).toContain("\t\tmeta l4proto udp counter packets 2 bytes 120 goto INPUT-goto-u1\n");
    // One helper per goto target, shared by the rules that go there.
    expect(text).toContain("\t\tmeta l4proto icmp counter goto INPUT-goto-u1\n\t\tgoto INPUT-policy\n\t}");
    expect(text).toContain("\tchain INPUT-goto-u1 {\n\t\tjump u1\n\t\tgoto INPUT-policy\n\t}");
    expect(text).toContain("\tchain INPUT-policy {\n\t\t# policy counter of INPUT\n\t\tcounter packets 5 bytes 300 drop\n\t}");
  });

  it("keeps the trailing counting rule in chains that only fall off their end", () => {
    const { text } = nftOf(leaving);
    expect(text).toContain("\t\tcounter jump u1\n\t\t# policy counter of FORWARD\n\t\tcounter\n\t}");
    expect(text).not.toContain("FORWARD-policy");
  });

  it("means the same as the input on every path (evaluators)", () => {
    const parsed = parseRuleset(leaving);
    const { ok } = nftOf(leaving);
    if (parsed.value === undefined || ok.value === undefined) throw new Error("no translation");
    const result = checkEquivalence(parsed.value, ok.value.nft, { count: 300, seed: 3 });
    expect(result.kind).toBe("equivalent");
  });

  it.skipIf(kernelSkipReason !== undefined)(`loads into the kernel${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
    expect(nftCheck(nftOf(leaving).text)).toBe("");
  });
});
