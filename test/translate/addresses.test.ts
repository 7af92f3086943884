/**
 * Address and port-list matches: addrtype, iprange, multiport, mac, policy. Exact nft text per form (typical,
 * negated, edge values), refusals with their reasons, netfilter's txlate cases, and one real kernel load of
 * everything translated here, as text and as JSON.
 */
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import { mergePortRanges } from "../../src/translate/addresses.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { anchorRule, loadForReal, refusalsOf, translateMatch, txlateCasesIn, type MatchTranslation } from "./match-cases.js";
import { countPackets, countSkipReason, type CountRule } from "./packet-counts.js";


/** [command, family, the rule's nft text]. */
const translations: readonly (readonly [string, Family, string])[] = [
  // addrtype, IPv4: the route type of the address is any of the listed ones.
  ["-t nat -A PREROUTING -m addrtype --dst-type LOCAL -j RETURN", "ipv4", "fib daddr type local return"],
  ["-A INPUT -m addrtype ! --src-type BROADCAST,MULTICAST", "ipv4", "fib saddr type != { broadcast, multicast }"],
  ["-A INPUT -m addrtype --src-type UNICAST --dst-type LOCAL", "ipv4", "fib saddr type unicast fib daddr type local"],
  ["-A INPUT -m addrtype --limit-iface-in --dst-type LOCAL,ANYCAST", "ipv4", "fib daddr . iif type { local, anycast }"],
  ["-A OUTPUT -m addrtype --limit-iface-out ! --dst-type UNREACHABLE,BLACKHOLE,PROHIBIT", "ipv4", "fib daddr . oif type != { blackhole, unreachable, prohibit }"],
  ["-A FORWARD -m addrtype --dst-type UNSPEC,THROW,NAT,XRESOLVE", "ipv4", "fib daddr type { unspec, 9, 10, 11 }"],
  // addrtype, IPv6: the address classes by their bits (each listed class required).
  ["-A INPUT -m addrtype --dst-type MULTICAST", "ipv6", "ip6 daddr ff00::/8"],
  ["-A INPUT -m addrtype ! --src-type MULTICAST", "ipv6", "ip6 saddr != ff00::/8"],
  ["-A INPUT -m addrtype --src-type UNICAST", "ipv6", "ip6 saddr != { ::, ::ffff:0:0/96, ff00::/8 }"],
  ["-A INPUT -m addrtype ! --dst-type UNICAST", "ipv6", "ip6 daddr { ::, ::ffff:0:0/96, ff00::/8 }"],
  ["-A INPUT -m addrtype --src-type UNSPEC", "ipv6", "ip6 saddr ::"],
  ["-A INPUT -m addrtype --dst-type UNICAST,MULTICAST", "ipv6", "ip6 length != 0-65535"],
  ["-A INPUT -m addrtype ! --dst-type UNICAST,MULTICAST", "ipv6", ""],
  ["-A INPUT -m addrtype --limit-iface-in --src-type UNSPEC", "ipv6", "ip6 saddr ::"],
  // LOCAL without an interface: the local table's route for the address, as xt_addrtype's own lookup finds it.
  ["-t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER", "ipv6", "fib daddr type local jump DOCKER"],
  ["-A INPUT -m addrtype ! --src-type LOCAL", "ipv6", "fib saddr type != local"],
  ["-A INPUT -m addrtype --dst-type LOCAL,UNICAST", "ipv6", "ip6 daddr != { ::, ::ffff:0:0/96, ff00::/8 } fib daddr type local"],
  // iprange
  ["-A INPUT -m iprange --src-range 192.168.25.149-192.168.25.151 -j ACCEPT", "ipv4", "ip saddr 192.168.25.149-192.168.25.151 accept"],
  ["-A INPUT -m iprange ! --dst-range 10.0.0.1-10.0.0.1", "ipv4", "ip daddr != 10.0.0.1"],
  ["-A INPUT -m iprange --src-range 2001:db8::1-2001:db8::ff ! --dst-range ::2d01-::2d03", "ipv6", "ip6 saddr 2001:db8::1-2001:db8::ff ip6 daddr != ::2d01-::2d03"],
  // mac
  ["-A INPUT -m mac --mac-source 0a:12:3e:4f:b2:c6 -j DROP", "ipv4", "ether saddr 0a:12:3e:4f:b2:c6 drop"],
  ["-A FORWARD -m mac ! --mac-source 00:11:22:33:44:55", "ipv6", "ether saddr != 00:11:22:33:44:55"],
  // multiport: ranges mixed with ports, overlaps joined; --ports is either port.
  ["-A INPUT -p tcp -m multiport --dports 22,80,443 -j ACCEPT", "ipv4", "ip frag-off & 0x1fff == 0 tcp dport { 22, 80, 443 } accept"],
  ["-A INPUT -p udp -m multiport ! --sports 53,1024:2048", "ipv6", "udp sport != { 53, 1024-2048 }"],
  ["-A INPUT -p tcp -m multiport --dports 80:88,85,89,1", "ipv4", "ip frag-off & 0x1fff == 0 tcp dport { 1, 80-88, 89 }"],
  ["-A INPUT -p tcp -m multiport --dports 1000:2000,1500:2500", "ipv4", "ip frag-off & 0x1fff == 0 tcp dport 1000-2500"],
  ["-A INPUT -p sctp -m multiport --ports 10,20:30", "ipv4", "meta l4proto sctp ip frag-off & 0x1fff == 0 sctp sport . sctp dport { 0-65535 . 10, 10 . 0-65535, 0-65535 . 20-30, 20-30 . 0-65535 }"],
  ["-A INPUT -p dccp -m multiport ! --ports 10,20:30", "ipv4", "ip frag-off & 0x1fff == 0 dccp sport != { 10, 20-30 } dccp dport != { 10, 20-30 }"],
  ["-A INPUT -p udplite -m multiport --dports 5,6", "ipv6", "udplite dport { 5, 6 }"],
  ["-A INPUT -p tcp -m multiport --ports 0:65535", "ipv4", "meta l4proto tcp ip frag-off & 0x1fff == 0"],
  ["-A INPUT -p tcp -m multiport ! --dports 0:100,50:65535", "ipv4", "ip frag-off & 0x1fff == 0 tcp sport != 0-65535"],
  // policy: whether IPsec processed the packet.
  ["-A INPUT -m policy --dir in --pol ipsec -j ACCEPT", "ipv4", "meta secpath exists accept"],
  ["-A INPUT -m policy --dir in --pol none", "ipv6", "meta secpath missing"],
  ["-A FORWARD -m policy --dir out --pol ipsec", "ipv4", "rt ipsec exists"],
  ["-A OUTPUT -m policy --dir out --pol none -j DROP", "ipv6", "rt ipsec missing drop"],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  ["-A INPUT -m addrtype --limit-iface-in --dst-type LOCAL", "ipv6", /address type LOCAL with --limit-iface-in\/--limit-iface-out in IPv6: xt_addrtype then looks the route up through that interface/],
  ["-A INPUT -m addrtype ! --src-type ANYCAST,MULTICAST", "ipv6", /address type ANYCAST in IPv6: xt_addrtype reports only routes flagged RTF_ANYCAST/],
  ["-A INPUT -m addrtype --dst-type UNREACHABLE", "ipv6", /UNREACHABLE in IPv6: xt_addrtype calls every failed or rejecting route unreachable/],
  ["-A INPUT -m addrtype ! --dst-type LOCAL,MULTICAST", "ipv6", /not local or not of that class.*an or/],
  ["-A INPUT -m multiport --dports 80", "ipv4", /-m multiport needs -p tcp.*(udplite|the kernel refuses)/],
  ["-A INPUT -p icmp -m multiport --dports 80", "ipv4", /-m multiport needs -p tcp/],
  ["-A INPUT ! -p tcp -m multiport --dports 80", "ipv4", /-m multiport needs/],
  ["-A INPUT -m policy --dir in --pol ipsec --reqid 5", "ipv4", /policy elements .*any state of the IPsec path .*one state by position/],
  ["-A INPUT -m policy --dir in --pol ipsec --strict --proto esp --mode tunnel --tunnel-src 10.0.0.1", "ipv4", /no proto or mode key/],
  ["-A OUTPUT -m policy --dir out --pol ipsec ! --spi 0x10", "ipv6", /policy elements/],
];

/** Where our translation of a netfilter case differs from netfilter's text, and why (`ours` undefined: refused). */
const txlateDifferences: Readonly<Record<string, { readonly ours?: string; readonly refused?: RegExp; readonly why: string }>> = {
  "libxt_multiport.txlate:1": { ours: "ip frag-off & 0x1fff == 0 tcp dport { 80, 81 } accept", why: "the IPv4 later-fragment guard (xt_multiport never matches a later fragment); otherwise the same test: the dport read implies the protocol" },
  "libxt_multiport.txlate:4": { ours: "ip frag-off & 0x1fff == 0 tcp dport 80-88 accept", why: "the IPv4 later-fragment guard (xt_multiport never matches a later fragment); otherwise the same test: the dport read implies the protocol" },
  "libxt_multiport.txlate:7": { ours: "ip frag-off & 0x1fff == 0 tcp dport != 80-88 accept", why: "the IPv4 later-fragment guard (xt_multiport never matches a later fragment); otherwise the same test: the dport read implies the protocol" },
  "libxt_multiport.txlate:10": { ours: "ip frag-off & 0x1fff == 0 tcp sport 50 accept", why: "the IPv4 later-fragment guard (xt_multiport never matches a later fragment); otherwise the same test: the sport read implies the protocol" },
};

/** The IPv4 later-fragment guard of protocol matches (see src/translate/protocols.ts), which netfilter never writes. */
const guard = "ip frag-off & 0x1fff == 0 ";

/** Our text without that guard, to compare with netfilter's. */
function withoutGuard(text: string | undefined): string | undefined {
  return text?.replace(guard, "");
}

const addressFiles = ["libxt_addrtype.txlate", "libxt_iprange.txlate", "libxt_multiport.txlate", "libxt_mac.txlate", "libxt_policy.txlate"];

describe("address translators", () => {
  for (const [command, family, expected] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
    });
  }
  for (const [command, family, reason] of refusals) {
    it(`refuses ${family} ${command}`, () => {
      const refused = refusalsOf(command, family);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatch(reason);
    });
  }
  it("joins overlapping port ranges and keeps adjacent ones apart", () => {
    expect(mergePortRanges([{ from: 90, to: 95 }, { from: 1, to: 1 }, { from: 80, to: 91 }, { from: 96, to: 96 }])).toEqual([
      { from: 1, to: 1 },
      { from: 80, to: 95 },
      { from: 96, to: 96 },
    ]);
  });
});

describe("netfilter's txlate cases for addrtype, iprange, multiport, mac, policy", () => {
  const cases = txlateCasesIn(addressFiles);
  it.skipIf(cases.length === 0)("are all here (../shared/conformance/txlate)", () => {
    expect(cases.length).toBe(18);
  });
  for (const c of cases) {
    it(`${c.key} ${c.command}`, () => {
      const d = txlateDifferences[c.key];
      if (d?.refused !== undefined) {
        const refused = refusalsOf(c.command, c.family);
        expect(refused).toHaveLength(1);
        expect(refused[0]).toMatch(d.refused);
        return;
      }
      const t = translateMatch(c.command, c.family);
      expect(t.refusals).toEqual([]);
      if (d?.ours !== undefined) expect(t.text).toBe(d.ours);
      else expect(withoutGuard(t.text)).toBe(anchorRule(c.expected));
    });
  }
});

describe("kernel", () => {
  it.skipIf(kernelSkipReason !== undefined)(`loads every translation here, as text and as JSON${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
    const all: MatchTranslation[] = [...translations.map(([c, f]) => translateMatch(c, f)), ...txlateCasesIn(addressFiles)
        .filter((c) => txlateDifferences[c.key]?.refused === undefined)
        .map((c) => translateMatch(c.command, c.family)),
    ];
    const loaded = loadForReal(all.flatMap((t) => (t.result === undefined ? [] : [t.result])));
    expect(loaded).toEqual({ text: "", json: "", jsonDiffers: [] });
  });

  /**
   * Address types, ranges, port lists and IPsec policy on real packets (127.0.0.1 and ::1 are local unicast addresses; nothing here is IPsec). Both sides must count alike, and a rule expected to match some of packet-counts.ts's packets must
   * have matched something (`false`: none), so the test is not vacuous.
   */
  const countRules: readonly (readonly [CountRule, boolean])[] = [
    [{ family: "ipv4", rule: "-m addrtype --dst-type LOCAL" }, true],
    [{ family: "ipv4", rule: "-m addrtype --src-type UNICAST,BROADCAST" }, false],
    [{ family: "ipv4", rule: "-m addrtype ! --dst-type LOCAL" }, false],
    [{ family: "ipv4", rule: "-m iprange --dst-range 127.0.0.1-127.0.0.5" }, true],
    [{ family: "ipv4", rule: "-m iprange ! --src-range 127.0.0.2-127.255.255.255" }, true],
    [{ family: "ipv4", rule: "-p tcp -m multiport --ports 80,443" }, true],
    [{ family: "ipv4", rule: "-p tcp -m multiport ! --ports 80" }, true],
    [{ family: "ipv4", rule: "-p tcp -m multiport --dports 1:79,81:65535" }, true],
    [{ family: "ipv4", rule: "-p udp -m multiport --dports 53,54" }, true],
    [{ family: "ipv4", rule: "-m policy --dir out --pol none" }, true],
    [{ family: "ipv4", rule: "-m policy --dir out --pol ipsec" }, false],
    [{ family: "ipv6", rule: "-m addrtype --dst-type UNICAST" }, true],
    [{ family: "ipv6", rule: "-m addrtype --dst-type MULTICAST" }, false],
    [{ family: "ipv6", rule: "-m addrtype ! --src-type UNSPEC" }, true],
    [{ family: "ipv6", rule: "-m addrtype --dst-type LOCAL" }, true],
    [{ family: "ipv6", rule: "-m addrtype ! --src-type LOCAL" }, false],
    [{ family: "ipv6", rule: "-m iprange --src-range ::1-::2" }, true],
    [{ family: "ipv6", rule: "-m policy --dir out --pol none" }, true],
  ];
  it.skipIf(countSkipReason !== undefined)(`counts packets like xt${countSkipReason === undefined ? "" : ` (skipped: ${countSkipReason})`}`, () => {
    const { xt, nft } = countPackets(countRules.map(([r]) => r));
    const table = (counts: readonly number[]): string[] => countRules.map(([r], i) => `${r.family} ${r.rule}: ${counts[i] ?? -1}`);
    expect(table(nft)).toEqual(table(xt));
    expect(countRules.map(([r, some], i) => `${r.rule}: ${some === (xt[i] ?? 0) > 0 ? "as expected" : "unexpected"}`)).toEqual(countRules.map(([r]) => `${r.rule}: as expected`));
  });
});
