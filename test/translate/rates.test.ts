/**
 * Matches on chance and on what came before: statistic, limit, hashlimit, quota. Exact nft text per form
 * (typical, negated, edge values), refusals with their reasons, netfilter's txlate cases, one real kernel
 * load of everything translated here (as text and as JSON), and kernel measurements that nft counts packets
 * the way xt does (statistic nth, quota, limit, hashlimit), with iptables-legacy side by side.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Family } from "../../src/ast/index.js";
import { printNftText } from "../../src/nft/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import { createNetns, hasCommand } from "../helpers/netns.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { loadForReal, translateMatch, txlateCasesIn, type MatchTranslation, describeTxlateMatches, type TxlateMatchDifferences } from "./match-cases.js";

/** [command, family, the rule's nft text, the sets it declares]. */
const translations: readonly (readonly [string, Family, string, (readonly string[])?])[] = [
  // statistic random: (random & 0x7fffffff) < lround(2^31 * p).
  ["-A OUTPUT -m statistic --mode random --probability 0.1", "ipv4", "meta random & 0x7fffffff < 214748365"],
  ["-A OUTPUT -m statistic --mode random ! --probability 0.1", "ipv4", "meta random & 0x7fffffff >= 214748365"],
  ["-A OUTPUT -m statistic --mode random --probability 0", "ipv4", "meta random & 0x7fffffff < 0"],
  ["-A OUTPUT -m statistic --mode random --probability 1", "ipv6", "meta random & 0x7fffffff < 2147483648"],
  ["-A OUTPUT -m statistic --mode random ! --probability 1", "ipv4", "meta random & 0x7fffffff >= 2147483648"],
  ["-A OUTPUT -m statistic --mode random --probability 0.5", "ipv4", "meta random & 0x7fffffff < 1073741824"],
  // statistic nth: packet i (from 0) matches when i mod every == packet.
  ["-A OUTPUT -m statistic --mode nth --every 10 --packet 1", "ipv4", "numgen inc mod 10 1"],
  ["-A OUTPUT -m statistic --mode nth ! --every 10 --packet 5", "ipv4", "numgen inc mod 10 != 5"],
  ["-A OUTPUT -m statistic --mode nth --every 1 --packet 0", "ipv4", "numgen inc mod 1 0"],
  ["-A OUTPUT -m statistic --mode nth --every 3", "ipv6", "numgen inc mod 3 0"],
  ["-A OUTPUT -m statistic --mode nth --every 4294967295 --packet 4294967294", "ipv4", "numgen inc mod 4294967295 4294967294"],
  // limit: defaults 3/hour, burst 5; the burst is always written.
  ["-A INPUT -m limit", "ipv4", "limit rate 3/hour burst 5 packets"],
  ["-A INPUT -m limit --limit 3/m --limit-burst 3", "ipv4", "limit rate 3/minute burst 3 packets"],
  ["-A INPUT -m limit --limit 10/s --limit-burst 5", "ipv4", "limit rate 10/second burst 5 packets"],
  ["-A INPUT -m limit --limit 10000/sec --limit-burst 1", "ipv4", "limit rate 10000/second burst 1 packets"],
  ["-A INPUT -m limit --limit 1/day --limit-burst 1", "ipv6", "limit rate 1/day burst 1 packets"],
  ["-A INPUT -m limit --limit 3/hour --limit-burst 111", "ipv4", "limit rate 3/hour burst 111 packets"],
  // iptables-save's rate: 120/minute is kept as 2/sec.
  ["-A INPUT -m limit --limit 120/minute", "ipv4", "limit rate 2/second burst 5 packets"],
  // hashlimit: a dynamic set per --hashlimit-name, timing out after the expire time.
  [
    "-A OUTPUT -p tcp --dport 443 -m hashlimit --hashlimit-upto 300 --hashlimit-burst 15 --hashlimit-mode srcip,dstip --hashlimit-name https --hashlimit-htable-expire 300000 -j DROP",
    "ipv4",
    "ip frag-off & 0x1fff == 0 tcp dport 443 update @hashlimit_https { ip saddr . ip daddr limit rate 300/second burst 15 packets } drop",
    ['set hashlimit_https { type ipv4_addr . ipv4_addr; flags dynamic,timeout; timeout 300s; comment "hashlimit https: upto 300/second burst 15, mode srcip,dstip, srcmask 32 dstmask 32, expire 300000ms" }'],
  ],
  [
    "-A INPUT -p tcp -m hashlimit --hashlimit-above 1/min --hashlimit-mode srcip,dstport --hashlimit-name ssh --hashlimit-srcmask 16 -j DROP",
    "ipv4",
    "meta l4proto tcp update @hashlimit_ssh { ip saddr & 255.255.0.0 . tcp dport limit rate over 1/minute burst 5 packets } drop",
    ['set hashlimit_ssh { type ipv4_addr . inet_service; flags dynamic,timeout; timeout 60s; comment "hashlimit ssh: above 1/minute burst 5, mode srcip,dstport, srcmask 16 dstmask 32, expire 60000ms" }'],
  ],
  [
    "-A INPUT -p udp -m hashlimit ! --hashlimit-upto 5/hour --hashlimit-mode srcport,dstip --hashlimit-name u.1 --hashlimit-dstmask 64 --hashlimit-htable-max 1000",
    "ipv6",
    "meta l4proto udp update @hashlimit_u.1 { ip6 daddr & ffff:ffff:ffff:ffff:: . udp sport limit rate over 5/hour burst 5 packets }",
    ['set hashlimit_u.1 { type ipv6_addr . inet_service; size 1000; flags dynamic,timeout; timeout 3600s; comment "hashlimit u.1: above 5/hour burst 5, mode srcport,dstip, srcmask 128 dstmask 64, expire 3600000ms" }'],
  ],
  // No mode: one bucket for every packet, still expiring like xt_hashlimit's single entry.
  [
    "-A INPUT -m hashlimit --hashlimit-upto 10/sec --hashlimit-burst 1k --hashlimit-name all",
    "ipv4",
    "update @hashlimit_all { meta protocol limit rate 10/second burst 1024 packets }",
    ['set hashlimit_all { type ether_type; flags dynamic,timeout; timeout 1s; comment "hashlimit all: upto 10/second burst 1024, mode none, srcmask 32 dstmask 32, expire 1000ms" }'],
  ],
  // A mask of 0 does not split the groups either.
  [
    "-A INPUT -m hashlimit --hashlimit-upto 1/day --hashlimit-mode srcip --hashlimit-srcmask 0 --hashlimit-name zero",
    "ipv4",
    "update @hashlimit_zero { meta protocol limit rate 1/day burst 5 packets }",
    ['set hashlimit_zero { type ether_type; flags dynamic,timeout; timeout 86400s; comment "hashlimit zero: upto 1/day burst 5, mode srcip, srcmask 0 dstmask 32, expire 86400000ms" }'],
  ],
  // quota: while the total, this packet included, is not above N.
  ["-A OUTPUT -m quota --quota 111", "ipv4", "quota 111 bytes"],
  ["-A OUTPUT -m quota ! --quota 111", "ipv4", "quota over 111 bytes"],
  ["-A OUTPUT -m quota --quota 0", "ipv6", "quota 0 bytes"],
  ["-A OUTPUT -m quota --quota 9223372036854775807", "ipv4", "quota 9223372036854775807 bytes"],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  ["-A INPUT -m limit --limit 10/s --limit-burst 0", "ipv4", /xt_limit refuses a burst of 0/],
  ["-A INPUT -m limit --limit 1/day", "ipv4", /--limit 1\/day with --limit-burst 5 overflows xt_limit's 32-bit credit counter/],
  ["-A INPUT -m limit --limit 3/hour --limit-burst 112", "ipv4", /--limit-burst 112 overflows/],
  ["-A OUTPUT -m hashlimit --hashlimit-above 20kb/s --hashlimit-name https", "ipv4", /byte rates count 16-byte chunks/],
  ["-A INPUT -m hashlimit --hashlimit-upto 5/hour --hashlimit-name r --hashlimit-rate-match", "ipv4", /--hashlimit-rate-match matches on the measured rate/],
  ["-A INPUT -m hashlimit --hashlimit-upto 5/hour --hashlimit-name e --hashlimit-htable-expire 1500", "ipv4", /1500 ms is not a whole number of seconds/],
  ["-A INPUT -m hashlimit --hashlimit-upto 5/hour --hashlimit-name e --hashlimit-htable-expire 0", "ipv4", /xt_hashlimit refuses it/],
  ["-A INPUT -m hashlimit --hashlimit-upto 1/min --hashlimit-mode dstport --hashlimit-name c", "ipv4", /--hashlimit-mode dstport reads ports only for tcp, udp, udplite, sctp and dccp/],
  ["-A INPUT -p icmp -m hashlimit --hashlimit-upto 1/min --hashlimit-mode srcport --hashlimit-name c", "ipv4", /--hashlimit-mode srcport reads ports only/],
  ["-A OUTPUT -m quota --quota 9223372036854775808", "ipv4", /above nft's largest quota/],
  [`-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-name ${"n".repeat(60)}`, "ipv4", /too long .* for the set comment/],
];

/** Where our translation of a netfilter case differs from netfilter's text, and why (`refused`: we refuse it). */
const txlateDifferences: TxlateMatchDifferences = {
  "libxt_statistic.txlate:7": { ours: "meta random & 0x7fffffff < 214748365", why: "same test; the mask in hex" },
  "libxt_limit.txlate:7": { refused: /xt_limit refuses a burst of 0/, why: "xt_limit refuses --limit-burst 0 (ERANGE): the rule cannot exist; nft's burst 0 means its default of 5" },
  "libxt_hashlimit.txlate:1": {
    refused: /byte rates count 16-byte chunks/,
    why: "xt_hashlimit's byte mode counts 16-byte chunks, caps one packet's cost at one second of rate and spends the burst as one-off refills; nft's byte limit is a plain token bucket",
  },
  "libxt_hashlimit.txlate:4": {
    ours: "tcp dport 443 update @hashlimit_https { ip saddr . ip daddr limit rate 300/second burst 15 packets } ct state new drop",
    why: "same buckets; a named set with a timeout (300 s) instead of the older meter syntax",
  },
};

const rateFiles = ["libxt_statistic.txlate", "libxt_limit.txlate", "libxt_hashlimit.txlate", "libxt_quota.txlate"];

describe("rate translators", () => {
  for (const [command, family, expected, sets] of translations) {
    it(`${family} ${command}`, () => {
      const t = translateMatch(command, family);
      expect(t.refusals).toEqual([]);
      expect(t.text).toBe(expected);
      expect(t.declarations).toEqual(sets ?? []);
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
});

describe("hashlimit tables shared by name", () => {
  const translateRules = (rules: readonly string[]): ReturnType<typeof translate> => {
    const parsed = parseRuleset(`*filter\n${rules.join("\n")}\nCOMMIT\n`, { family: "ipv4" });
    if (parsed.value === undefined) throw new Error("does not parse");
    return translate(parsed.value);
  };
  it("share one set when their settings agree, as xt_hashlimit shares one table", () => {
    const r = translateRules([
      "-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-mode srcip --hashlimit-name web",
      "-A FORWARD -m hashlimit --hashlimit-upto 5/sec --hashlimit-mode srcip --hashlimit-name web",
    ]);
    expect(r.diagnostics).toEqual([]);
    expect(r.value?.nft.tables[0]?.sets.map((x) => x.name)).toEqual(["hashlimit_web"]);
  });
  it("are refused when their settings differ (xt_hashlimit would use the first rule's)", () => {
    const r = translateRules([
      "-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-mode srcip --hashlimit-name web",
      "-A FORWARD -m hashlimit --hashlimit-upto 9/sec --hashlimit-mode srcip --hashlimit-name web",
    ]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "table filter, chain FORWARD: another rule uses --hashlimit-name web with other settings; xt_hashlimit would share one table and use the first rule's settings, which nft sets cannot reproduce",
    ]);
  });
});

describeTxlateMatches("statistic, limit, hashlimit, quota", rateFiles, 10, txlateDifferences);

describe("kernel", () => {
  it.skipIf(kernelSkipReason !== undefined)(`loads every translation here, as text and as JSON${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
    const all: MatchTranslation[] = [...translations.map(([c, f]) => translateMatch(c, f)), ...txlateCasesIn(rateFiles).map((c) => translateMatch(c.command, c.family))];
    const loaded = loadForReal(all.flatMap((t) => (t.result === undefined ? [] : [t.result])));
    expect(loaded).toEqual({ text: "", json: "", jsonDiffers: [] });
  });

  /**
   * Sends UDP datagrams of 100 bytes (IP length) to 127.0.0.1:9999 in a namespace where the same rules stand
   * in iptables-legacy's OUTPUT chain and, translated, in an nft output chain; after each datagram, compares
   * how many packets each rule matched.
   */
  const legacySkip = kernelSkipReason ?? (hasCommand("iptables-legacy") ? undefined : "needs iptables-legacy");
  it.skipIf(legacySkip !== undefined)(`counts like xt: statistic nth, quota, limit, hashlimit${legacySkip === undefined ? "" : ` (skipped: ${legacySkip})`}`, () => {
    const rules = [
      "-A OUTPUT -p udp --dport 9999 -m statistic --mode nth --every 3 --packet 1",
      "-A OUTPUT -p udp --dport 9999 -m statistic --mode nth ! --every 3 --packet 2",
      "-A OUTPUT -p udp --dport 9999 -m quota --quota 200",
      "-A OUTPUT -p udp --dport 9999 -m quota ! --quota 200",
      "-A OUTPUT -p udp --dport 9999 -m limit --limit 1/min --limit-burst 3",
      "-A OUTPUT -p udp --dport 9999 -m hashlimit --hashlimit-upto 1/min --hashlimit-burst 2 --hashlimit-mode dstip --hashlimit-name up",
      "-A OUTPUT -p udp --dport 9999 -m hashlimit --hashlimit-above 1/min --hashlimit-burst 2 --hashlimit-mode dstip,dstport --hashlimit-name over",
    ];
    const ns = createNetns("ipt2nft-rates");
    const dir = mkdtempSync(join(tmpdir(), "ipt2nft-rates-"));
    try {
      expect(ns.exec("ip", ["link", "set", "lo", "up"]).code).toBe(0);
      for (const r of rules) expect(ns.exec("iptables-legacy", r.split(" ")).stderr).toBe("");
      // Each rule in its own table, so that every one sees every datagram.
      const tables = rules.map((r, i) => {
        const table = translateMatch(r, "ipv4").result?.nft.tables[0];
        if (table === undefined) throw new Error(`no translation for ${r}`);
        return { ...table, name: `r${i}` };
      });
      const file = join(dir, "rules.nft");
      writeFileSync(file, printNftText({ kind: "ruleset", tables }));
      expect(ns.exec("nft", ["-f", file]).stderr).toBe("");
      const send = "const d=require('dgram').createSocket('udp4');d.send(Buffer.alloc(72),9999,'127.0.0.1',()=>d.close());";
      const xtCounts = (): number[] =>
        ns
          .exec("iptables-legacy", ["-L", "OUTPUT", "-v", "-x", "-n"])
          .stdout.split("\n")
          .slice(2)
          .filter((l) => l.trim() !== "")
          .map((l) => Number(l.trim().split(/\s+/)[0]));
      const nftCounts = (): number[] => tables.map((t) => Number(/counter packets (\d+)/.exec(ns.exec("nft", ["list", "chain", "ip", t.name, "OUTPUT"]).stdout)?.[1] ?? "-1"));
      const seen: { xt: number[]; nft: number[] }[] = [];
      for (let i = 0; i < 7; i++) {
        expect(ns.exec("node", ["-e", send]).code).toBe(0);
        seen.push({ xt: xtCounts(), nft: nftCounts() });
      }
      // The counts of the two sides agree after every datagram, and are what xt's definitions say.
      for (const s of seen) expect(s.nft).toEqual(s.xt);
      expect(seen.map((s) => s.xt)).toEqual([
        [0, 1, 1, 0, 1, 1, 0],
        [1, 2, 2, 0, 2, 2, 0],
        [1, 2, 2, 1, 3, 2, 1],
        [1, 3, 2, 2, 3, 2, 2],
        [2, 4, 2, 3, 3, 2, 3],
        [2, 4, 2, 4, 3, 2, 4],
        [2, 5, 2, 5, 3, 2, 5],
      ]);
    } finally {
      ns.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
