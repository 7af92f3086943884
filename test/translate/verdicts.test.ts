/**
 * REJECT: every --reject-with type of both families, the default, TCP resets and their -p tcp requirement,
 * refusals, netfilter's txlate cases, and one kernel load of everything translated here.
 */
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import type { TranslatedRuleset } from "../../src/translate/index.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { itMatchesTxlate, loadTogether, translateTarget, txlateTranslations } from "./target-cases.js";

/** [command, family, the rule's nft text]. */
const translations: readonly (readonly [string, Family, string])[] = [
  // REJECT's default and nft's default are the same: ICMP port unreachable, which nft lists as `reject`.
  ["-A INPUT -j REJECT", "ipv4", "reject"],
  ["-A INPUT -j REJECT --reject-with icmp-port-unreachable", "ipv4", "reject"],
  ["-A INPUT -j REJECT --reject-with icmp-net-unreachable", "ipv4", "reject with icmp type net-unreachable"],
  ["-A INPUT -j REJECT --reject-with icmp-host-unreachable", "ipv4", "reject with icmp type host-unreachable"],
  ["-A INPUT -j REJECT --reject-with icmp-proto-unreachable", "ipv4", "reject with icmp type prot-unreachable"],
  ["-A INPUT -j REJECT --reject-with icmp-net-prohibited", "ipv4", "reject with icmp type net-prohibited"],
  ["-A INPUT -j REJECT --reject-with icmp-host-prohibited", "ipv4", "reject with icmp type host-prohibited"],
  ["-A FORWARD -j REJECT --reject-with icmp-admin-prohibited", "ipv4", "reject with icmp type admin-prohibited"],
  // Aliases and abbreviations are read as iptables reads them.
  ["-A OUTPUT -j REJECT --reject-with host-prohib", "ipv4", "reject with icmp type host-prohibited"],
  ["-A INPUT -p tcp -j REJECT --reject-with tcp-reset", "ipv4", "meta l4proto tcp reject with tcp reset"],
  ["-A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-rst", "ipv4", "ip frag-off & 0x1fff == 0 tcp dport 22 reject with tcp reset"],
  ["-A INPUT -s 10.0.0.0/8 -j REJECT", "ipv4", "ip saddr 10.0.0.0/8 reject"],
  ["-A USER -j REJECT --reject-with icmp-net-prohibited", "ipv4", "reject with icmp type net-prohibited"],
  ["-A INPUT -j REJECT", "ipv6", "reject"],
  ["-A INPUT -j REJECT --reject-with icmp6-port-unreachable", "ipv6", "reject"],
  ["-A INPUT -j REJECT --reject-with icmp6-no-route", "ipv6", "reject with icmpv6 type no-route"],
  ["-A INPUT -j REJECT --reject-with icmp6-adm-prohibited", "ipv6", "reject with icmpv6 type admin-prohibited"],
  ["-A INPUT -j REJECT --reject-with adm-prohibited", "ipv6", "reject with icmpv6 type admin-prohibited"],
  ["-A INPUT -j REJECT --reject-with icmp6-addr-unreachable", "ipv6", "reject with icmpv6 type addr-unreachable"],
  ["-A INPUT -j REJECT --reject-with icmp6-policy-fail", "ipv6", "reject with icmpv6 type policy-fail"],
  ["-A INPUT -j REJECT --reject-with icmp6-reject-route", "ipv6", "reject with icmpv6 type reject-route"],
  ["-A FORWARD -p tcp -j REJECT --reject-with tcp-reset", "ipv6", "meta l4proto tcp reject with tcp reset"],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  ["-A INPUT -j REJECT --reject-with tcp-reset", "ipv4", /tcp-reset needs -p tcp/],
  ["-A INPUT -p udp -j REJECT --reject-with tcp-reset", "ipv4", /tcp-reset needs -p tcp/],
  ["-A INPUT ! -p tcp -j REJECT --reject-with tcp-reset", "ipv6", /tcp-reset needs -p tcp/],
  ["-t mangle -A INPUT -j REJECT", "ipv4", /REJECT works only in the filter table; the kernel refuses it in mangle/],
  ["-t raw -A USER -j REJECT", "ipv6", /REJECT works only in the filter table; the kernel refuses it in raw/],
];

describe("REJECT", () => {
  for (const [command, family, expected] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateTarget(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
    });
  }
  for (const [command, family, reason] of refusals) {
    it(`refuses ${family} ${command}`, () => {
      const t = translateTarget(command, family);
      expect(t.text).toBeUndefined();
      expect(t.refusals.join("; ")).toMatch(reason);
    });
  }
});

describe("netfilter's txlate cases for REJECT", () => {
  // IPv4 rulesets without conntrack keep later fragments away from port tests explicitly (src/translate/protocols.ts).
  const guard = { why: "later-fragment guard: xt's tcp match never sees non-first fragments; nft's payload would read them" };
  itMatchesTxlate(["REJECT"], 6, {
    "libipt_REJECT.txlate:1": { ...guard, ours: "ip frag-off & 0x1fff == 0 tcp dport 22 reject" },
    "libipt_REJECT.txlate:4": { ...guard, ours: "ip frag-off & 0x1fff == 0 tcp dport 22 reject with icmp type net-unreachable" },
    "libipt_REJECT.txlate:7": { ...guard, ours: "ip frag-off & 0x1fff == 0 tcp dport 22 reject with tcp reset" },
  });
});

describe.skipIf(kernelSkipReason !== undefined)(`kernel${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
  it("loads every REJECT translation of this file, text and JSON, in one nft -c run each", () => {
    const results: TranslatedRuleset[] = translations.flatMap(([c, f]) => {
      const r = translateTarget(c, f).result;
      return r === undefined ? [] : [r];
    });
    expect(results.length).toBe(translations.length);
    expect(loadTogether([...results, ...txlateTranslations(["REJECT"])])).toMatchObject({ text: "", json: "" });
  });
});
