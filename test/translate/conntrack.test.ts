/**
 * Connection tracking matches: conntrack, state, helper, connbytes, connlabel, connlimit. Exact nft text per
 * form (typical, negated, edge values; --ctstate forms split into one nft rule per case), refusals with their
 * reasons, netfilter's txlate cases, and one real kernel load of everything translated here, as text and as
 * JSON. The split forms are counted on real packets in split-rules.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import { printNftRule } from "../../src/nft/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import { kernelSkipReason, rulesetOf } from "../helpers/translate.js";
import { loadForReal, translateMatch, txlateCasesIn, type MatchTranslation, describeTxlateMatches, type TxlateMatchDifferences } from "./match-cases.js";

/** [command, family, the rule's nft text, the sets it declares]. */
const translations: readonly (readonly [string, Family, string, (readonly string[])?])[] = [
  // --ctstate: any listed bit; ! none of them. SNAT/DNAT are ct status bits.
  ["-A INPUT -m conntrack --ctstate NEW,RELATED -j ACCEPT", "ipv4", "ct state new,related accept"],
  ["-A INPUT -m conntrack --ctstate ESTABLISHED", "ipv6", "ct state established"],
  ["-A INPUT -m conntrack ! --ctstate NEW", "ipv4", "ct state != new"],
  ["-A INPUT -m conntrack ! --ctstate NEW,RELATED", "ipv4", "ct state & (new | related) == 0"],
  ["-A INPUT -m conntrack --ctstate INVALID -j DROP", "ipv4", "ct state invalid drop"],
  ["-A INPUT -m conntrack --ctstate UNTRACKED", "ipv4", "ct state untracked"],
  ["-A INPUT -m conntrack --ctstate SNAT", "ipv4", "ct status snat"],
  ["-A INPUT -m conntrack --ctstate SNAT,DNAT", "ipv4", "ct status snat,dnat"],
  // Packets without a connection fail INVALID,UNTRACKED here, as they fail ct status in nft.
  ["-A INPUT -m conntrack ! --ctstate INVALID,UNTRACKED,DNAT", "ipv4", "ct state & (invalid | untracked) == 0 ct status & dnat == 0"],
  // A state that packets without a connection cannot have may go with the other options.
  ["-A INPUT -m conntrack --ctstate NEW --ctproto tcp", "ipv4", "ct state new ct original protocol tcp"],
  ["-A INPUT -m conntrack ! --ctstate INVALID,UNTRACKED --ctdir REPLY", "ipv4", "ct state & (invalid | untracked) == 0 ct direction reply"],
  ["-A INPUT -m conntrack --ctproto udp", "ipv4", "ct original protocol udp"],
  ["-A INPUT -m conntrack ! --ctproto 47", "ipv4", "ct original protocol != gre"],
  ["-A INPUT -m conntrack --ctproto 200", "ipv4", "ct original protocol 200"],
  ["-A INPUT -m conntrack --ctorigsrc 10.100.0.0/255.255.0.0", "ipv4", "ct original ip saddr 10.100.0.0/16"],
  ["-A INPUT -m conntrack ! --ctorigdst 10.0.0.1", "ipv4", "ct original ip daddr != 10.0.0.1"],
  ["-A INPUT -m conntrack --ctreplsrc 10.0.0.0/255.0.255.0", "ipv4", "ct reply ip saddr & 255.0.255.0 == 10.0.0.0"],
  ["-A INPUT -m conntrack --ctrepldst 2001:db8::/32", "ipv6", "ct reply ip6 daddr 2001:db8::/32"],
  ["-A INPUT -m conntrack --ctorigsrc 0.0.0.0/0", "ipv4", "ct original ip saddr 0.0.0.0/0"],
  ["-A INPUT -m conntrack --ctproto tcp --ctorigsrcport 443:444", "ipv4", "ct original protocol tcp ct original proto-src 443-444"],
  ["-A INPUT -m conntrack --ctproto udp ! --ctrepldstport 53", "ipv6", "ct original protocol udp ct reply proto-dst != 53"],
  // Without --ctproto, the rule's -p types the port (its connection has that protocol).
  ["-A INPUT -p udp -m conntrack --ctorigdstport 53", "ipv4", "meta l4proto udp ct original protocol udp ct original proto-dst 53"],
  ["-A INPUT -m conntrack --ctproto tcp --ctreplsrcport 0:65535", "ipv4", "ct original protocol tcp ct reply proto-src 0-65535"],
  ["-A INPUT -m conntrack --ctstatus EXPECTED", "ipv4", "ct status expected"],
  ["-A INPUT -m conntrack --ctstatus ASSURED,CONFIRMED", "ipv4", "ct status assured,confirmed"],
  ["-A INPUT -m conntrack ! --ctstatus CONFIRMED", "ipv4", "ct status & confirmed == 0"],
  ["-A INPUT -m conntrack ! --ctstatus SEEN_REPLY,ASSURED", "ipv4", "ct status & (seen-reply | assured) == 0"],
  // NONE is no bit: it never matches, and with ! matches every packet with a connection.
  ["-A INPUT -m conntrack --ctstatus NONE", "ipv4", "ct status & 0x0 != 0x0"],
  ["-A INPUT -m conntrack ! --ctstatus NONE", "ipv4", "ct status & 0x0 == 0x0"],
  // Whole seconds left: --ctexpire 3 is 3s to 3s999ms.
  ["-A INPUT -m conntrack --ctexpire 3", "ipv4", "ct expiration 3s-3s999ms"],
  ["-A INPUT -m conntrack ! --ctexpire 10:20", "ipv4", "ct expiration != 10s-20s999ms"],
  ["-A INPUT -m conntrack --ctexpire 0", "ipv4", "ct expiration 0ms-999ms"],
  ["-A INPUT -m conntrack --ctexpire 0:4294967295", "ipv4", "ct expiration 0ms-4294967s295ms"],
  ["-A INPUT -m conntrack --ctdir ORIGINAL", "ipv4", "ct direction original"],
  ["-A INPUT -m conntrack --ctdir REPLY", "ipv6", "ct direction reply"],
  // -m state: the same state bits.
  ["-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT", "ipv4", "ct state related,established accept"],
  ["-A INPUT -m state ! --state INVALID", "ipv4", "ct state != invalid"],
  ["-A INPUT -m state ! --state INVALID,NEW", "ipv6", "ct state & (invalid | new) == 0"],
  ["-A INPUT -m state --state INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED", "ipv4", "ct state invalid,new,related,established,untracked"],
  // -m helper: every helper name that is a prefix of the given one (xt_helper's strncmp).
  ["-A FORWARD -m helper --helper a", "ipv4", 'ct helper "a"'],
  ["-A FORWARD -m helper --helper sip", "ipv4", 'ct helper { "s", "si", "sip" }'],
  ["-A FORWARD -m helper --helper ftp-21", "ipv6", 'ct helper { "f", "ft", "ftp", "ftp-", "ftp-2", "ftp-21" }'],
  // -m connbytes
  ["-A OUTPUT -m connbytes --connbytes 200 --connbytes-dir original --connbytes-mode packets", "ipv4", "ct original packets >= 200"],
  ["-A OUTPUT -m connbytes ! --connbytes 200 --connbytes-dir reply --connbytes-mode packets", "ipv4", "ct reply packets < 200"],
  ["-A OUTPUT -m connbytes --connbytes 200:600 --connbytes-dir both --connbytes-mode bytes", "ipv4", "ct bytes 200-600"],
  ["-A OUTPUT -m connbytes ! --connbytes 200:600 --connbytes-dir both --connbytes-mode bytes", "ipv4", "ct bytes != 200-600"],
  ["-A OUTPUT -m connbytes --connbytes 200:200 --connbytes-dir both --connbytes-mode avgpkt", "ipv4", "ct avgpkt 200"],
  ["-A OUTPUT -m connbytes --connbytes :100 --connbytes-dir original --connbytes-mode avgpkt", "ipv6", "ct original avgpkt 0-100"],
  ["-A OUTPUT -m connbytes --connbytes 0 --connbytes-dir both --connbytes-mode bytes", "ipv4", "ct bytes >= 0"],
  ["-A OUTPUT -m connbytes ! --connbytes 0 --connbytes-dir both --connbytes-mode bytes", "ipv4", "ct bytes < 0"],
  ["-A OUTPUT -m connbytes --connbytes 5:18446744073709551614 --connbytes-dir both --connbytes-mode packets", "ipv4", "ct packets 5-18446744073709551614"],
  // -m connlabel
  ["-A INPUT -m connlabel --label 40", "ipv4", "ct label 40"],
  ["-A INPUT -m connlabel --label 0 --set", "ipv4", "ct label set 0 ct label 0"],
  ["-A INPUT -m connlabel --label 127 --set", "ipv6", "ct label set 127 ct label 127"],
  // -m connlimit → ct count per address group.
  ["-A INPUT -m connlimit --connlimit-above 2", "ipv4", "add @connlimit { ip saddr ct count over 2 }", ["set connlimit { type ipv4_addr; flags dynamic }"]],
  ["-A INPUT -m connlimit --connlimit-upto 2 --connlimit-mask 24", "ipv4", "add @connlimit { ip saddr & 255.255.255.0 ct count 2 }", ["set connlimit { type ipv4_addr; flags dynamic }"]],
  ["-A INPUT -m connlimit --connlimit-upto 2 --connlimit-daddr", "ipv4", "add @connlimit { ip daddr ct count 2 }", ["set connlimit { type ipv4_addr; flags dynamic }"]],
  ["-A INPUT -m connlimit ! --connlimit-upto 2", "ipv4", "add @connlimit { ip saddr ct count over 2 }", ["set connlimit { type ipv4_addr; flags dynamic }"]],
  ["-A INPUT -m connlimit ! --connlimit-above 0 --connlimit-mask 32", "ipv4", "add @connlimit { ip saddr ct count 0 }", ["set connlimit { type ipv4_addr; flags dynamic }"]],
  ["-A INPUT -m connlimit --connlimit-above 10 --connlimit-mask 0", "ipv4", "ct count over 10", []],
  [
    "-A INPUT -p tcp --syn -m connlimit --connlimit-above 16 --connlimit-mask 64 -j REJECT",
    "ipv6",
    "tcp flags & (fin | syn | rst | ack) == syn add @connlimit { ip6 saddr & ffff:ffff:ffff:ffff:: ct count over 16 } reject",
    ["set connlimit { type ipv6_addr; flags dynamic }"],
  ],
];

/**
 * [command, family, the nft rules it becomes]: --ctstate forms that one nft rule cannot say, as one rule per
 * disjoint case (no connection: ct state invalid/untracked; a connection: ct state new/related/established,
 * ct status and the other options). The iptables counter goes on the first rule (see split-rules.test.ts).
 */
const splits: readonly (readonly [string, Family, readonly string[]])[] = [
  // kube-proxy's KUBE-FIREWALL: no connection, or a NEW connection without DNAT.
  [
    '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    "ipv4",
    [
      'ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8 ct state invalid,untracked drop comment "block incoming localnet connections"',
      'ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8 ct state new ct status & dnat == 0 drop comment "block incoming localnet connections"',
    ],
  ],
  // calico: a jump, which comes back, so the cases must be disjoint (they are).
  ["-A cali-OUTPUT -m conntrack ! --ctstate DNAT -j cali-to-host-endpoint", "ipv4", ["ct state invalid,untracked jump cali-to-host-endpoint", "ct status & dnat == 0 jump cali-to-host-endpoint"]],
  ["-A INPUT -m conntrack ! --ctstate SNAT", "ipv6", ["ct state invalid,untracked", "ct status & snat == 0"]],
  ["-A INPUT -m conntrack ! --ctstate INVALID,SNAT,DNAT", "ipv4", ["ct state untracked", "ct status & (snat | dnat) == 0"]],
  // A state or a NAT bit: the NAT case excludes the listed states.
  ["-A INPUT -m conntrack --ctstate NEW,SNAT", "ipv4", ["ct state new", "ct state != new ct status snat"]],
  ["-A INPUT -m conntrack --ctstate NEW,RELATED,DNAT -j ACCEPT", "ipv4", ["ct state new,related accept", "ct state & (new | related) == 0 ct status dnat accept"]],
  ["-A INPUT -m conntrack --ctstate INVALID,DNAT --ctproto tcp", "ipv4", ["ct state invalid", "ct status dnat ct original protocol tcp"]],
  ["-A INPUT -m conntrack --ctstate UNTRACKED,ESTABLISHED,SNAT --ctdir REPLY", "ipv6", ["ct state untracked", "ct state established ct direction reply", "ct state != established ct status snat ct direction reply"]],
  // Every connection state listed: the NAT bits add nothing for connections.
  ["-A INPUT -m conntrack --ctstate INVALID,NEW,RELATED,ESTABLISHED,DNAT --ctproto udp", "ipv4", ["ct state invalid", "ct state new,related,established ct original protocol udp"]],
  // No connection passes by its state alone; a connection must pass the other tests.
  ["-A INPUT -m conntrack ! --ctstate INVALID --ctdir REPLY", "ipv4", ["ct state untracked", "ct direction reply"]],
  ["-A INPUT -m conntrack ! --ctstate NEW --ctproto tcp -j ACCEPT", "ipv4", ["ct state invalid,untracked accept", "ct state related,established ct original protocol tcp accept"]],
  ["-A INPUT -m conntrack --ctstate INVALID,UNTRACKED,NEW --ctstatus ASSURED", "ipv4", ["ct state invalid,untracked", "ct state new ct status assured"]],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  // Split forms that cannot be split: a limit or numgen would be two, a rule without a target is fine.
  [
    "-A INPUT -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -m limit --limit 1/sec -j DROP",
    "ipv4",
    /! --ctstate RELATED,ESTABLISHED,DNAT matches packets without a connection .*one nft rule per case would do \(2 rules\), but the rule also has `limit rate 1\/second burst 5 packets`, which would keep separate state/,
  ],
  ["-A INPUT -m statistic --mode nth --every 3 -m conntrack --ctstate NEW,SNAT", "ipv4", /cannot say "ct state or ct status".*the rule also has `numgen inc mod 3 0`/],
  ["-A INPUT -m statistic --mode random --probability 0.5 -m conntrack ! --ctstate SNAT -j ACCEPT", "ipv4", /the rule also has `meta random & 0x7fffffff < 1073741824`/],
  ["-A INPUT -m recent --set -m conntrack ! --ctstate SNAT -j ACCEPT", "ipv4", /the rule also has `update @DEFAULT { ip saddr }`, which would keep separate state in each nft rule or act more than once/],
  ["-A INPUT -m conntrack --ctorigsrcport 443", "ipv4", /ct proto-src\/proto-dst after a protocol match.*give --ctproto or -p/],
  ["-A INPUT -m conntrack ! --ctproto tcp --ctorigsrcport 443", "ipv4", /give --ctproto or -p/],
  ["-A FORWARD -m helper ! --helper ftp", "ipv4", /! --helper also matches packets whose connection has no master/],
  ['-A FORWARD -m helper --helper ""', "ipv4", /takes no empty string/],
  ["-A INPUT -m connlabel ! --label 40", "ipv4", /! --label also matches packets without a connection/],
  ["-A INPUT -m connlabel ! --label 40 --set", "ipv4", /! --label also matches packets without a connection/],
  ["-A INPUT -m connlabel --label blue", "ipv4", /"blue" is a name from the host's connlabel.conf/],
];

/** Where our translation of a netfilter case differs from netfilter's text, and why (`ours` undefined: refused). */
const txlateDifferences: TxlateMatchDifferences = {
  "libxt_conntrack.txlate:4": { ours: "ct state & (new | related) == 0 accept", why: "same test; explicit none-of-these-bits" },
  "libxt_conntrack.txlate:7": { ours: "ct state != new accept", why: "same test: a packet has exactly one state bit" },
  "libxt_conntrack.txlate:10": { ours: "ct original protocol udp accept", why: "same test; protocol by name" },
  "libxt_conntrack.txlate:13": { ours: "ct original protocol != udp accept", why: "same test; protocol by name" },
  "libxt_conntrack.txlate:16": { ours: "ct original ip saddr 10.100.2.131 accept", why: "same test; the address family written out" },
  "libxt_conntrack.txlate:19": { ours: "ct original ip saddr 10.100.0.0/16 accept", why: "same test; the address family written out" },
  "libxt_conntrack.txlate:22": { ours: "ct original ip daddr 10.100.2.131 accept", why: "same test; the address family written out" },
  "libxt_conntrack.txlate:25": { ours: "ct reply ip saddr 10.100.2.131 accept", why: "same test; the address family written out" },
  "libxt_conntrack.txlate:28": { ours: "ct reply ip daddr 10.100.2.131 accept", why: "same test; the address family written out" },
  "libxt_conntrack.txlate:31": { ours: "ct original protocol tcp ct original proto-src 443-444 accept", why: "same test; protocol by name" },
  "libxt_conntrack.txlate:37": { ours: "ct status & confirmed == 0 accept", why: "same test; explicit none-of-these-bits" },
  "libxt_conntrack.txlate:40": { ours: "ct status & (assured | confirmed) == 0 accept", why: "same test; explicit none-of-these-bits" },
  "libxt_conntrack.txlate:46": {
    ours: "ct expiration 3s-3s999ms accept",
    why: "xt_conntrack compares whole seconds left (jiffies / HZ, rounded down); nft's ct expiration is milliseconds, so `ct expiration 3` matches only at exactly 3000 ms",
  },
  "libxt_conntrack.txlate:52": {
    ours:
      "ct state new ct direction original ct original ip saddr 192.168.0.1 ct original ip daddr 192.168.0.1 ct reply ip saddr 192.168.0.1 ct reply ip daddr 192.168.0.1 ct original protocol tcp ct original proto-src 12 ct original proto-dst 14 ct reply proto-src 16 ct reply proto-dst 18 ct status seen-reply ct expiration 10s-10s999ms accept",
    why: "--ctexpire 10 is 10s to 10s999ms (netfilter's `ct expiration 10` is exactly 10000 ms); the rest is the same tests in xt_conntrack's order",
  },
  "libxt_connbytes.txlate:1": { ours: "ct original packets >= 200", why: "same test; >= for ge" },
  "libxt_connbytes.txlate:4": { ours: "ct reply packets < 200", why: "same test; < for lt" },
  "libxt_connlabel.txlate:4": {
    refused: /! --label also matches packets without a connection/,
    why: "xt_connlabel with ! matches packets without a connection (and with --set only those); nft's ct label stops the rule for them",
  },
  "libxt_connlimit.txlate:1": { ours: "add @connlimit { ip saddr ct count over 2 }", why: "same test; the set is named after the module" },
  "libxt_connlimit.txlate:5": { ours: "add @connlimit { ip saddr ct count 2 }", why: "same test; the set is named after the module" },
  "libxt_connlimit.txlate:9": { ours: "add @connlimit { ip saddr & 255.255.255.0 ct count 2 }", why: "same test; & for and" },
  "libxt_connlimit.txlate:13": { ours: "add @connlimit { ip daddr ct count 2 }", why: "same test; the set is named after the module" },
  "libxt_helper.txlate:1": {
    ours: 'ct helper { "s", "si", "sip" }',
    why: "xt_helper compares strncmp(helper, NAME, strlen(helper)): every helper whose name is a prefix of NAME matches, not only NAME",
  },
  "libxt_helper.txlate:4": {
    refused: /! --helper also matches packets whose connection has no master/,
    why: "xt_helper with ! matches packets without a connection, master or helper; nft's ct helper stops the rule for them",
  },
};

/** The nft rules (without counters and `#` lines) of the chain the command's rule stands in. */
function splitRules(t: MatchTranslation, command: string, family: Family): readonly string[] {
  const chain = rulesetOf(command, family).tables[0]?.rules[0]?.chain;
  const rules = t.result?.nft.tables[0]?.chains.find((c) => c.name === chain)?.rules ?? [];
  return rules.map((r) => printNftRule({ ...r, counter: undefined, leadingComments: undefined }));
}

const conntrackFiles = ["libxt_conntrack.txlate", "libxt_connbytes.txlate", "libxt_connlabel.txlate", "libxt_connlimit.txlate", "libxt_helper.txlate"];

describe("conntrack translators", () => {
  for (const [command, family, expected, sets] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
      expect(t.declarations).toEqual(sets ?? []);
    });
  }
  for (const [command, family, expected] of splits) {
    it(`splits ${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.refusals).toEqual([]);
      expect(splitRules(t, command, family)).toEqual(expected);
    });
  }
  for (const [command, family, reason] of refusals) {
    it(`refuses ${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.text).toBeUndefined();
      expect(t.refusals).toHaveLength(1);
      expect(t.refusals[0]).toMatch(reason);
    });
  }
  it("gives each connlimit rule of a table its own set", () => {
    const parsed = parseRuleset("*filter\n-A INPUT -m connlimit --connlimit-above 2\n-A INPUT -m connlimit --connlimit-above 2\nCOMMIT\n", { family: "ipv4" });
    if (parsed.value === undefined) throw new Error("does not parse");
    const table = translate(parsed.value).value?.nft.tables[0];
    expect(table?.sets.map((s) => s.name)).toEqual(["connlimit", "connlimit-2"]);
    expect(table?.chains.find((c) => c.name === "INPUT")?.rules.map((r) => printNftRule({ ...r, counter: undefined }))).toEqual([
      "add @connlimit { ip saddr ct count over 2 }",
      "add @connlimit-2 { ip saddr ct count over 2 }",
    ]);
  });
});

describeTxlateMatches("conntrack, connbytes, connlabel, connlimit, helper", conntrackFiles, 33, txlateDifferences);

describe("kernel", () => {
  it.skipIf(kernelSkipReason !== undefined)(`loads every translation here, as text and as JSON${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
    const all: MatchTranslation[] = [
      ...translations.map(([c, f]) => translateMatch(c, f)),
      ...splits.map(([c, f]) => translateMatch(c, f)),
      ...txlateCasesIn(conntrackFiles).map((c) => translateMatch(c.command, c.family)),
    ];
    const loaded = loadForReal(all.flatMap((t) => (t.result === undefined ? [] : [t.result])));
    expect(loaded).toEqual({ text: "", json: "", jsonDiffers: [] });
  });
});

describe("connlimit and conntrack zones", () => {
  const text = (zone: boolean): string =>
    `*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${zone ? "-A PREROUTING -i eth1 -j CT --zone 3\n" : ""}COMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m connlimit --connlimit-above 2 --connlimit-mask 32 --connlimit-saddr -j DROP\n-A INPUT -p tcp -m connlimit --connlimit-upto 5 --connlimit-mask 0 -j ACCEPT\nCOMMIT\n`;
  const translated = (zone: boolean) => {
    const parsed = parseRuleset(text(zone));
    if (parsed.value === undefined) throw new Error("does not parse");
    return translate(parsed.value);
  };

  it("is exact when no rule sets a zone", () => {
    expect(translated(false).value?.approximations).toEqual([]);
  });

  it("says, when rules set zones, that xt_connlimit counts per zone and nft does not (with the mask and without)", () => {
    const { value, diagnostics } = translated(true);
    expect(value?.approximations.map((a) => [a.line, a.caveat.nftMatches, a.morePermissive])).toEqual([
      [10, "more", false],
      [11, "fewer", false],
    ]);
    expect(value?.approximations[0]?.caveat.differs).toMatch(/different conntrack zones .* xt_connlimit counts each zone apart/);
    expect(diagnostics.filter((d) => d.code === "approximate")).toHaveLength(2);
  });
});
