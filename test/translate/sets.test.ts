/**
 * Named sets: `-m recent`, `-m set` and `-j SET` (src/translate/sets.ts). Exact nft text for the sets and the
 * rules, negations and edge values, refusals with their reasons, rules that constrain each other through one
 * list or set, the corpus files that use ipsets and recent lists, and one kernel load of everything.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Family, Ruleset } from "../../src/ast/index.js";
import type { IpsetSave } from "../../src/ast/ipset.js";
import { type NftRuleset, type NftTable, printNftJsonText, printNftRule, printNftSet, printNftText } from "../../src/nft/index.js";
import { parseIpsetSave, parseRuleset } from "../../src/parse/index.js";
import { isRefusal, type RuleContext, TableObjects } from "../../src/translate/context.js";
import { translate, type TranslatedRuleset } from "../../src/translate/index.js";
import { translateRecent, translateSetMatch } from "../../src/translate/sets.js";
import { createNetns } from "../helpers/netns.js";
import { kernelSkipReason } from "../helpers/translate.js";

const fixtures = join(import.meta.dirname, "..", "fixtures");

/** ipsets of every type the translator handles, without the members it refuses (nomatch, ICMP, port 0). */
const ipsetText = `create hosts hash:ip family inet hashsize 64 maxelem 1000 timeout 300 counters comment bucketsize 4 initval 0x797b0d23
add hosts 10.1.0.1 timeout 299 packets 0 bytes 0 comment "ssh from \\\\fileserv\\ (ticket 42)"
add hosts 10.0.0.9 timeout 0 packets 5 bytes 300
create temp hash:ip family inet hashsize 64 maxelem 65536 timeout 60 bucketsize 12 initval 0x00000001
add temp 10.9.0.1 timeout 40
create plain hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x00000002
add plain 192.0.2.1
add plain 192.0.2.2
create hosts6 hash:ip family inet6 hashsize 1024 maxelem 65536 netmask 64 bucketsize 12 initval 0x84b7ae6d
add hosts6 2001:db8::
create masked hash:ip family inet hashsize 1024 maxelem 65536 bitmask 255.0.255.0 bucketsize 12 initval 0x0ee62330
add masked 172.0.5.0
create nets hash:net family inet hashsize 1024 maxelem 4096 bucketsize 12 initval 0x2d461df1
add nets 10.0.0.0/8
add nets 10.1.0.0/16
add nets 10.0.0.4/31
add nets 192.168.0.0/24
add nets 203.0.113.7
create nets6 hash:net family inet6 hashsize 1024 maxelem 65536 timeout 3600 bucketsize 12 initval 0x4515b980
add nets6 2001:db8::/32 timeout 0
add nets6 2001:db8:1::/48 timeout 100
create svc hash:ip,port family inet hashsize 1024 maxelem 65536 comment bucketsize 12 initval 0xf9d2c22f
add svc 1.2.3.4,udp:53 comment "dns"
add svc 1.2.3.4,tcp:80
add svc 1.2.3.4,sctp:9
add svc 10.9.9.9,udplite:0
create netsvc hash:net,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x251c6493
add netsvc 192.168.0.0/16,udp:514
add netsvc 10.0.0.0/8,tcp:22
create triples hash:ip,port,ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x6c2e8dcc
add triples 1.1.1.1,tcp:80,10.0.0.1
create ipportnet hash:ip,port,net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x4eea9cfc
add ipportnet 192.168.1.1,tcp:25,0.0.0.0/1
create netif hash:net,iface family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xc60de5c3
add netif 10.1.0.0/16,eth0
add netif 10.4.0.0/16,veth wildcard
add netif 10.3.0.0/16,physdev:br-lan
create netpairs hash:net,net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x3d8e61f0
add netpairs 192.168.0.0/24,10.0.1.0/24
create ipmarks hash:ip,mark family inet markmask 0x0000ffff hashsize 1024 maxelem 65536 bucketsize 12 initval 0x5b1e0c2a
add ipmarks 192.168.1.1,0x00000063
create blocks bitmap:ip range 10.0.0.0-10.0.255.255 netmask 24 timeout 10
add blocks 10.0.4.0 timeout 9
create ports bitmap:port range 0-1024
add ports 22
add ports 80
create allow4 hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x4fa81cf2
add allow4 192.0.2.1
create deny4 hash:ip family inet hashsize 1024 maxelem 65536 timeout 50 bucketsize 12 initval 0x4fa81cf3
add deny4 198.51.100.1 timeout 40
add deny4 192.0.2.1 timeout 0
create allow6 hash:ip family inet6 hashsize 1024 maxelem 65536 bucketsize 12 initval 0x75fe590d
add allow6 2001:db8::1
create lists list:set size 8 timeout 100
add lists allow4 timeout 30
add lists deny4 timeout 0
add lists allow6 timeout 99
create pairs list:set size 8
add pairs netpairs
add pairs allow4
create empty list:set size 8
create exceptions hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x00000003
add exceptions 10.0.0.0/8
add exceptions 10.0.0.0/24 nomatch
create icmps hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x00000004
add icmps 1.2.3.4,icmp:echo-request
create gre hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x00000005
add gre 1.2.3.4,gre:0
create macs hash:mac hashsize 1024 maxelem 65536 bucketsize 12 initval 0x00000006
add macs 02:42:AC:11:00:02
create overlap hash:net family inet hashsize 1024 maxelem 65536 timeout 100 bucketsize 12 initval 0x00000007
add overlap 10.0.0.0/8 timeout 10
add overlap 10.1.0.0/16 timeout 20
create ranges hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x00000008
add ranges 10.0.0.1-10.0.0.5
add ranges 10.0.0.3-10.0.0.9
`;

function ipsets(text = ipsetText): IpsetSave {
  const r = parseIpsetSave(text);
  if (r.value === undefined) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.value;
}

const builtins: Readonly<Record<string, readonly string[]>> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
};

function parseRules(rules: readonly string[], family: Family = "ipv4", table = "filter"): Ruleset {
  const text = [`*${table}`, ...(builtins[table] ?? []).map((c) => `:${c} ACCEPT [0:0]`), ...rules, "COMMIT", ""].join("\n");
  const r = parseRuleset(text, { family });
  if (r.value === undefined) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.value;
}

/** Everything translated in this file, for the kernel test. */
const translated: TranslatedRuleset[] = [];

interface Outcome {
  /** Per rule: its nft text (no counter), or `refused: REASON`. */
  readonly rules: readonly string[];
  /** The table's sets, one line each. */
  readonly sets: readonly string[];
  /** Helper chains, `NAME: RULE`. */
  readonly helpers: readonly string[];
}

/** Translates rules of one table, keeping refused ones as `refused: REASON`. */
function run(rules: readonly string[], options: { readonly family?: Family; readonly table?: string; readonly ipsets?: IpsetSave | false } = {}): Outcome {
  const ruleset = parseRules(rules, options.family, options.table);
  const { value, diagnostics } = translate(ruleset, { allowUntranslated: true, ...(options.ipsets === false ? {} : { ipsets: options.ipsets ?? ipsets() }) });
  if (value === undefined) throw new Error(diagnostics.map((d) => d.message).join("; "));
  translated.push(value);
  const table = value.nft.tables[0];
  if (table === undefined) throw new Error("no table");
  const byLine = new Map<number, string>();
  for (const chain of table.chains) {
    for (const rule of chain.rules) {
      const line = rule.span?.start.line;
      if (line !== undefined) byLine.set(line, printNftRule({ ...rule, counter: undefined }).trim());
    }
  }
  for (const u of value.untranslated) byLine.set(u.line, `refused: ${u.reasons.map((r) => r.refused).join("; ")}`);
  const firstRuleLine = 2 + (builtins[options.table ?? "filter"]?.length ?? 0);
  return {
    rules: rules.map((_r, i) => byLine.get(firstRuleLine + i) ?? "(nothing)"),
    sets: table.sets.map(oneLine),
    helpers: table.chains.filter((c) => c.base === undefined && c.comment?.startsWith("-j SET") === true).flatMap((c) => c.rules.map((r) => `${c.name}: ${printNftRule(r).trim()}`)),
  };
}

function oneLine(set: Parameters<typeof printNftSet>[0]): string {
  return printNftSet(set, "")
    .split("\n")
    .map((l) => l.trim())
    .join(" ");
}

describe("-m recent", () => {
  it("translates kube-proxy's session affinity: --set in the endpoint chain, --rcheck --seconds --reap in the service chain", () => {
    const text = [
      "*nat",
      ":PREROUTING ACCEPT [0:0]",
      ":INPUT ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
      ":POSTROUTING ACCEPT [0:0]",
      ":KUBE-SEP-I77PXRDZVX7PMWMN - [0:0]",
      ":KUBE-SVC-NUKIZ6OKUXPJNT4C - [0:0]",
      "-A KUBE-SEP-I77PXRDZVX7PMWMN -m recent --set --name KUBE-SEP-I77PXRDZVX7PMWMN --mask 255.255.255.255 --rsource -j ACCEPT",
      "-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-I77PXRDZVX7PMWMN --mask 255.255.255.255 --rsource -j KUBE-SEP-I77PXRDZVX7PMWMN",
      "COMMIT",
      "",
    ].join("\n");
    const parsed = parseRuleset(text);
    if (parsed.value === undefined) throw new Error("parse");
    const { value } = translate(parsed.value);
    expect(value).toBeDefined();
    if (value === undefined) return;
    translated.push(value);
    const table = value.nft.tables[0];
    expect(table?.sets.map(oneLine)).toEqual([
      'set KUBE-SEP-I77PXRDZVX7PMWMN { type ipv4_addr size 4294967295 flags dynamic,timeout timeout 10800s comment "xt_recent list KUBE-SEP-I77PXRDZVX7PMWMN" }',
    ]);
    const rules = table?.chains.flatMap((c) => c.rules.filter((r) => r.exprs.length > 0).map((r) => printNftRule({ ...r, counter: undefined }).trim()));
    expect(rules).toEqual(["update @KUBE-SEP-I77PXRDZVX7PMWMN { ip saddr } accept", "ip saddr @KUBE-SEP-I77PXRDZVX7PMWMN jump KUBE-SEP-I77PXRDZVX7PMWMN"]);
  });

  it("gives the list's set the window of the rule that checks it, whichever comes first", () => {
    const checkFirst = run(["-A INPUT -m recent --update --seconds 60 --name SSH -j DROP", "-A INPUT -p tcp -m tcp --dport 22 -m recent --set --name SSH"]);
    // No conntrack in this ruleset, so the IPv4 port test also keeps later fragments out (protocols.ts).
    expect(checkFirst.rules).toEqual(["ip saddr @SSH update @SSH { ip saddr } drop", "ip frag-off & 0x1fff == 0 tcp dport 22 update @SSH { ip saddr }"]);
    expect(checkFirst.sets).toEqual(['set SSH { type ipv4_addr size 4294967295 flags dynamic,timeout timeout 60s comment "xt_recent list SSH" }']);
    const setFirst = run(["-A INPUT -p tcp -m tcp --dport 22 -m recent --set --name SSH", "-A INPUT -m recent --update --seconds 60 --name SSH -j DROP"]);
    expect(setFirst.sets).toEqual(checkFirst.sets);
  });

  /** [rule, family, nft rule, nft set]. */
  const forms: readonly (readonly [string, Family, string, string])[] = [
    ["-A INPUT -m recent --set --name L", "ipv4", "update @L { ip saddr }", 'set L { type ipv4_addr size 4294967295 flags dynamic comment "xt_recent list L" }'],
    // iptables-save writes the defaults out; they change nothing.
    ["-A INPUT -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource", "ipv4", "update @DEFAULT { ip saddr }", 'set DEFAULT { type ipv4_addr size 4294967295 flags dynamic comment "xt_recent list DEFAULT" }'],
    ["-A INPUT -m recent --set", "ipv4", "update @DEFAULT { ip saddr }", 'set DEFAULT { type ipv4_addr size 4294967295 flags dynamic comment "xt_recent list DEFAULT" }'],
    // ! --set still adds the address, and never matches.
    ["-A INPUT -m recent ! --set --name L --rdest -j DROP", "ipv4", "update @L { ip daddr } ip saddr != 0.0.0.0/0 drop", 'set L { type ipv4_addr size 4294967295 flags dynamic comment "xt_recent list L" }'],
    ["-A INPUT -m recent --rcheck --name L -j DROP", "ipv4", "ip saddr @L drop", 'set L { type ipv4_addr flags dynamic comment "xt_recent list L" }'],
    ["-A INPUT -m recent ! --rcheck --name L --rdest -j DROP", "ipv4", "ip daddr != @L drop", 'set L { type ipv4_addr flags dynamic comment "xt_recent list L" }'],
    ["-A INPUT -m recent --rcheck --seconds 1 --name L -j DROP", "ipv4", "ip saddr @L drop", 'set L { type ipv4_addr flags dynamic,timeout timeout 1s comment "xt_recent list L" }'],
    ["-A INPUT -m recent --rcheck --seconds 4294967 --name L", "ipv4", "ip saddr @L", 'set L { type ipv4_addr flags dynamic,timeout timeout 4294967s comment "xt_recent list L" }'],
    // --hitcount 1 is what any hit in the window gives; --reap frees only entries the window already excludes.
    ["-A INPUT -m recent --update --seconds 30 --reap --hitcount 1 --name L -j DROP", "ipv4", "ip saddr @L update @L { ip saddr } drop", 'set L { type ipv4_addr size 4294967295 flags dynamic,timeout timeout 30s comment "xt_recent list L" }'],
    ["-A INPUT -m recent --update --hitcount 0 --name L", "ipv4", "ip saddr @L update @L { ip saddr }", 'set L { type ipv4_addr size 4294967295 flags dynamic comment "xt_recent list L" }'],
    // Without a window, ! --update never refreshes: it is ! --rcheck.
    ["-A INPUT -m recent ! --update --name L -j ACCEPT", "ipv4", "ip saddr != @L accept", 'set L { type ipv4_addr flags dynamic comment "xt_recent list L" }'],
    ["-A INPUT -m recent --remove --name L -j ACCEPT", "ipv4", "ip saddr @L delete @L { ip saddr } accept", 'set L { type ipv4_addr flags dynamic comment "xt_recent list L" }'],
    ["-A INPUT -m recent --set --name N --mask 255.255.255.0", "ipv4", "update @N { ip saddr & 255.255.255.0 }", 'set N { type ipv4_addr size 4294967295 flags dynamic comment "xt_recent list N" }'],
    ["-A INPUT -m recent --rcheck --seconds 5 --name N --mask 0.0.0.0 --rdest", "ipv4", "ip daddr & 0.0.0.0 @N", 'set N { type ipv4_addr flags dynamic,timeout timeout 5s comment "xt_recent list N" }'],
    ["-A INPUT -m recent --update --seconds 10 --name L6", "ipv6", "ip6 saddr @L6 update @L6 { ip6 saddr }", 'set L6 { type ipv6_addr size 4294967295 flags dynamic,timeout timeout 10s comment "xt_recent list L6" }'],
    ["-A INPUT -m recent --set --name L6 --mask ffff:ffff:ffff:ffff:: --rdest", "ipv6", "update @L6 { ip6 daddr & ffff:ffff:ffff:ffff:: }", 'set L6 { type ipv6_addr size 4294967295 flags dynamic comment "xt_recent list L6" }'],
    // A list name nft cannot write is rewritten as chain names are; the comment keeps the original.
    ["-A INPUT -m recent --set --name 1st:list", "ipv4", "update @set_1st_list { ip saddr }", 'set set_1st_list { type ipv4_addr size 4294967295 flags dynamic comment "xt_recent list 1st:list" }'],
  ];
  it.each(forms)("%s (%s)", (rule, family, nft, set) => {
    const r = run([rule], { family });
    expect(r.rules).toEqual([nft]);
    expect(r.sets).toEqual([set]);
  });

  /** [rule, reason]. */
  const refusals: readonly (readonly [string, string])[] = [
    [
      "-A INPUT -m recent --update --seconds 30 --hitcount 6 --name DEFAULT --rsource -j DROP",
      "-m recent --hitcount 6 counts the address's hits within the window (xt_recent keeps its last ip_pkt_list_tot hit times); an nft set element keeps one expiry time and cannot count hits in a sliding window",
    ],
    ["-A INPUT -m recent --rcheck --hitcount 2 --name L", "-m recent --hitcount 2 counts the address's hits within the window (xt_recent keeps its last ip_pkt_list_tot hit times); an nft set element keeps one expiry time and cannot count hits in a sliding window"],
    ["-A INPUT -m recent --rcheck --rttl --name L", "-m recent --rttl also compares the TTL the address was last seen with; an nft set element stores no TTL"],
    [
      "-A INPUT -m recent --rcheck --seconds 4294968 --name L",
      "-m recent --seconds 4294968: xt_recent computes seconds * HZ in 32 bits, which wraps above 4294967 s on HZ=1000 kernels, so the window depends on the kernel's HZ",
    ],
    [
      "-A INPUT -m recent ! --update --seconds 60 --name L",
      "! --update --seconds refreshes an address whose last hit is older than 60 s (xt_recent updates whenever the negated match holds); nft has already expired that entry and cannot tell it from an unknown address",
    ],
    ["-A INPUT -m recent ! --remove --name L", "! --remove deletes a listed address and then fails, and matches an unlisted one; an nft rule can test membership before a delete statement or after it, not both"],
  ];
  it.each(refusals)("refuses %s", (rule, reason) => {
    expect(run([rule]).rules).toEqual([`refused: ${reason}`]);
  });

  it("refuses a second rule that checks the list with another window, none, another mask, or --remove with a window", () => {
    expect(run(["-A INPUT -m recent --rcheck --seconds 60 --name L", "-A INPUT -m recent --rcheck --seconds 30 --name L"]).rules[1]).toBe(
      "refused: xt_recent list L is checked with --seconds 30 here and with --seconds 60 on line 5: an nft set has one timeout, so it cannot answer both",
    );
    expect(run(["-A INPUT -m recent --rcheck --name L", "-A INPUT -m recent --update --seconds 30 --name L"]).rules[1]).toBe(
      "refused: xt_recent list L is checked with --seconds 30 here and without --seconds on line 5: an nft set has one timeout, so it cannot answer both",
    );
    expect(run(["-A INPUT -m recent --rcheck --seconds 30 --name L", "-A INPUT -m recent --rcheck --name L"]).rules[1]).toBe(
      "refused: xt_recent list L is checked without --seconds here and with --seconds 30 on line 5: an nft set has one timeout, so it cannot answer both",
    );
    expect(run(["-A INPUT -m recent --set --name L", "-A INPUT -m recent --rcheck --name L --mask 255.255.0.0"]).rules[1]).toBe(
      "refused: xt_recent list L gets --mask 255.255.0.0 here but 255.255.255.255 on line 5: the kernel keeps the mask of whichever rule created the list, nft masks per rule",
    );
    expect(run(["-A INPUT -m recent --remove --name L", "-A INPUT -m recent --rcheck --seconds 9 --name L"]).rules[1]).toBe(
      "refused: xt_recent list L is checked with --seconds (line 6) and has --remove (line 5): --remove also matches an address last seen longer ago than the window, which the nft set has already expired",
    );
    expect(run(["-A INPUT -m recent --rcheck --seconds 9 --name L", "-A INPUT -m recent --remove --name L"]).rules[1]).toBe(
      "refused: xt_recent list L is checked with --seconds (line 5) and has --remove (line 6): --remove also matches an address last seen longer ago than the window, which the nft set has already expired",
    );
    // Lists are independent of each other, and --set, --remove and a window-less check agree.
    expect(run(["-A INPUT -m recent --rcheck --seconds 60 --name A", "-A INPUT -m recent --rcheck --seconds 30 --name B"]).rules).toEqual(["ip saddr @A", "ip saddr @B"]);
    expect(run(["-A INPUT -m recent --rcheck --name L", "-A INPUT -m recent --remove --name L", "-A INPUT -m recent --set --name L"]).rules).toEqual([
      "ip saddr @L",
      "ip saddr @L delete @L { ip saddr }",
      "update @L { ip saddr }",
    ]);
  });

  it("keeps a recent list and an ipset of the same name apart", () => {
    const r = run(["-A INPUT -m recent --set --name plain", "-A INPUT -m set --match-set plain src"]);
    expect(r.rules).toEqual(["update @plain { ip saddr }", "ip saddr @plain_2"]);
  });

  it("refuses a list used in two tables when the translator is given the whole ruleset", () => {
    const text = ["*filter", ":INPUT ACCEPT [0:0]", "-A INPUT -m recent --rcheck --name L", "COMMIT", "*mangle", ":PREROUTING ACCEPT [0:0]", "-A PREROUTING -m recent --set --name L", "COMMIT", ""].join("\n");
    const ruleset = parseRuleset(text).value;
    const rule = ruleset?.tables[0]?.rules[0];
    const m = rule?.matches[0];
    if (ruleset === undefined || rule === undefined || m?.kind !== "recent") throw new Error("parse");
    const cx = context(ruleset, rule);
    const t = translateRecent(m, { ...cx, ruleset });
    expect(isRefusal(t) ? t.refused : "").toBe("xt_recent list L is used in tables filter, mangle: the kernel has one list for all of them, nft sets belong to one table");
    expect(isRefusal(translateRecent(m, cx))).toBe(false);
  });
});

/** A rule context like the translator's, for calling a translator directly. */
function context(ruleset: Ruleset, rule: Ruleset["tables"][number]["rules"][number], save?: IpsetSave): RuleContext {
  const byName = new Map((save?.sets ?? []).map((s) => [s.name, s]));
  return {
    family: ruleset.family,
    nftFamily: ruleset.family === "ipv4" ? "ip" : "ip6",
    table: ruleset.tables[0]?.name ?? "filter",
    chain: rule.chain,
    rule,
    protocol: undefined,
    objects: new TableObjects(),
    chainName: (n) => n,
    freshChainName: (n) => n,
    ipsets: save === undefined ? undefined : (n) => byName.get(n),
  };
}

describe("-m set", () => {
  /** [rule, family, nft rule, the table's sets]. */
  const forms: readonly (readonly [string, Family, string, readonly string[]])[] = [
    [
      "-A INPUT -m set --match-set hosts src -j DROP",
      "ipv4",
      "ip saddr @hosts drop",
      ['set hosts { type ipv4_addr size 1000 flags timeout counter comment "ipset hosts" elements = { 10.1.0.1 timeout 299s comment "ssh from \\\\fileserv\\ (ticket 42)", 10.0.0.9 } }'],
    ],
    ["-A INPUT -m set ! --match-set plain dst -j DROP", "ipv4", "ip daddr != @plain drop", ['set plain { type ipv4_addr size 65536 comment "ipset plain" elements = { 192.0.2.1, 192.0.2.2 } }']],
    // Extra FLAGS are ignored, as ip_set_test ignores them.
    ["-A INPUT -m set --match-set plain dst,src,src", "ipv4", "ip daddr @plain", ['set plain { type ipv4_addr size 65536 comment "ipset plain" elements = { 192.0.2.1, 192.0.2.2 } }']],
    ["-A INPUT -m set --match-set hosts6 src", "ipv6", "ip6 saddr & ffff:ffff:ffff:ffff:: @hosts6", ['set hosts6 { type ipv6_addr size 65536 comment "ipset hosts6" elements = { 2001:db8:: } }']],
    ["-A INPUT -m set --match-set masked dst", "ipv4", "ip daddr & 255.0.255.0 @masked", ['set masked { type ipv4_addr size 65536 comment "ipset masked" elements = { 172.0.5.0 } }']],
    // 10.1.0.0/16 lies inside 10.0.0.0/8 and adds nothing; nft would refuse the overlap.
    ["-A INPUT -m set --match-set nets src", "ipv4", "ip saddr @nets", ['set nets { type ipv4_addr flags interval comment "ipset nets" elements = { 10.0.0.0/8, 192.168.0.0/24, 203.0.113.7 } }']],
    // A permanent network outlives the one inside it.
    ["-A INPUT -m set --match-set nets6 dst", "ipv6", "ip6 daddr @nets6", ['set nets6 { type ipv6_addr flags interval,timeout comment "ipset nets6" elements = { 2001:db8::/32 } }']],
    [
      "-A INPUT -m set --match-set svc dst,dst",
      "ipv4",
      "ip daddr . meta l4proto . th dport @svc",
      ['set svc { type ipv4_addr . inet_proto . inet_service size 65536 comment "ipset svc" elements = { 1.2.3.4 . udp . 53 comment "dns", 1.2.3.4 . tcp . 80, 1.2.3.4 . sctp . 9, 10.9.9.9 . udplite . 0 } }'],
    ],
    // Fragments carry no port: with ! -f the negation means the same in nft.
    [
      "-A INPUT ! -f -m set ! --match-set svc src,src",
      "ipv4",
      "ip frag-off & 0x1fff == 0 ip saddr . meta l4proto . th sport != @svc",
      ['set svc { type ipv4_addr . inet_proto . inet_service size 65536 comment "ipset svc" elements = { 1.2.3.4 . udp . 53 comment "dns", 1.2.3.4 . tcp . 80, 1.2.3.4 . sctp . 9, 10.9.9.9 . udplite . 0 } }'],
    ],
    [
      "-A INPUT -m set --match-set netsvc src,dst",
      "ipv4",
      "ip saddr . meta l4proto . th dport @netsvc",
      ['set netsvc { type ipv4_addr . inet_proto . inet_service flags interval comment "ipset netsvc" elements = { 192.168.0.0/16 . udp . 514, 10.0.0.0/8 . tcp . 22 } }'],
    ],
    ["-A INPUT -m set --match-set triples src,dst,dst", "ipv4", "ip saddr . meta l4proto . th dport . ip daddr @triples", ['set triples { type ipv4_addr . inet_proto . inet_service . ipv4_addr size 65536 comment "ipset triples" elements = { 1.1.1.1 . tcp . 80 . 10.0.0.1 } }']],
    [
      "-A INPUT -m set --match-set ipportnet dst,dst,src",
      "ipv4",
      "ip daddr . meta l4proto . th dport . ip saddr @ipportnet",
      ['set ipportnet { type ipv4_addr . inet_proto . inet_service . ipv4_addr flags interval comment "ipset ipportnet" elements = { 192.168.1.1 . tcp . 25 . 0.0.0.0/1 } }'],
    ],
    // The physdev member never matches: xt_set never looks up bridge ports.
    ["-A FORWARD -m set --match-set netif src,src", "ipv4", "ip saddr . iifname @netif", ['set netif { type ipv4_addr . ifname flags interval comment "ipset netif" elements = { 10.1.0.0/16 . "eth0", 10.4.0.0/16 . "veth*" } }']],
    ["-A FORWARD -m set ! --match-set netif dst,dst", "ipv4", "ip daddr . oifname != @netif", ['set netif { type ipv4_addr . ifname flags interval comment "ipset netif" elements = { 10.1.0.0/16 . "eth0", 10.4.0.0/16 . "veth*" } }']],
    ["-A INPUT -m set --match-set netpairs src,dst", "ipv4", "ip saddr . ip daddr @netpairs", ['set netpairs { type ipv4_addr . ipv4_addr flags interval comment "ipset netpairs" elements = { 192.168.0.0/24 . 10.0.1.0/24 } }']],
    // The mark dimension has no direction: its flag is ignored, but must be there.
    ["-A INPUT -m set --match-set ipmarks dst,dst", "ipv4", "ip daddr . meta mark & 0xffff @ipmarks", ['set ipmarks { type ipv4_addr . mark size 65536 comment "ipset ipmarks" elements = { 192.168.1.1 . 0x63 } }']],
    ["-A INPUT -m set --match-set blocks src", "ipv4", "ip saddr & 255.255.255.0 @blocks", ['set blocks { type ipv4_addr size 256 flags timeout comment "ipset blocks" elements = { 10.0.4.0 timeout 9s } }']],
    // bitmap:port matches TCP and UDP ports alike (ip_set_get_ip_port).
    ["-A INPUT -m set --match-set ports dst", "ipv4", "meta l4proto . th dport @ports", ['set ports { type inet_proto . inet_service size 2050 comment "ipset ports" elements = { tcp . 22, udp . 22, tcp . 80, udp . 80 } }']],
    ["-A INPUT -m set --match-set ports src", "ipv6", "meta l4proto . th sport @ports", ['set ports { type inet_proto . inet_service size 2050 comment "ipset ports" elements = { tcp . 22, udp . 22, tcp . 80, udp . 80 } }']],
    // list:set: the union of the members that can match; a member's elements leave with it (min of timeouts).
    [
      "-A INPUT -m set --match-set lists src",
      "ipv4",
      "ip saddr @lists",
      ['set lists { type ipv4_addr flags timeout comment "ipset list:set lists (allow4, deny4)" elements = { 192.0.2.1, 198.51.100.1 timeout 40s } }'],
    ],
    ["-A INPUT -m set --match-set lists dst", "ipv6", "ip6 daddr @lists", ['set lists { type ipv6_addr flags timeout comment "ipset list:set lists (allow6)" elements = { 2001:db8::1 timeout 99s } }']],
    // One FLAG: netpairs (two dimensions) cannot match, allow4 alone stays.
    ["-A INPUT -m set --match-set pairs src", "ipv4", "ip saddr @pairs", ['set pairs { type ipv4_addr comment "ipset list:set pairs (allow4)" elements = { 192.0.2.1 } }']],
    // Never: another family, too few FLAGS, an empty list:set, --return-nomatch on a type with nomatch entries.
    ["-A INPUT -m set --match-set allow6 src -j ACCEPT", "ipv4", "ip saddr != 0.0.0.0/0 accept", []],
    ["-A INPUT -m set ! --match-set allow6 src -j ACCEPT", "ipv4", "accept", []],
    ["-A INPUT -m set --match-set svc src -j ACCEPT", "ipv4", "ip saddr != 0.0.0.0/0 accept", []],
    ["-A INPUT -m set --match-set empty src -j ACCEPT", "ipv6", "ip6 saddr != ::/0 accept", []],
    ["-A INPUT -m set ! --match-set empty src -j ACCEPT", "ipv4", "accept", []],
    ["-A INPUT -m set --match-set nets src --return-nomatch -j ACCEPT", "ipv4", "ip saddr != 0.0.0.0/0 accept", ['set nets { type ipv4_addr flags interval comment "ipset nets" elements = { 10.0.0.0/8, 192.168.0.0/24, 203.0.113.7 } }']],
    ["-A INPUT -m set ! --match-set nets src --return-nomatch -j ACCEPT", "ipv4", "accept", ['set nets { type ipv4_addr flags interval comment "ipset nets" elements = { 10.0.0.0/8, 192.168.0.0/24, 203.0.113.7 } }']],
    // hash:ip has no nomatch entries: --return-nomatch changes nothing; so do counter tests on a set without counters.
    ["-A INPUT -m set --match-set plain src --return-nomatch ! --update-counters --packets-gt 5 -j ACCEPT", "ipv4", "ip saddr @plain accept", ['set plain { type ipv4_addr size 65536 comment "ipset plain" elements = { 192.0.2.1, 192.0.2.2 } }']],
  ];
  it.each(forms)("%s (%s)", (rule, family, nft, sets) => {
    const r = run([rule], { family });
    expect(r.rules).toEqual([nft]);
    expect(r.sets).toEqual(sets);
  });

  /** [rule, family, reason]. */
  const refusals: readonly (readonly [string, Family, string])[] = [
    ["-A INPUT -m set --match-set nosuch src", "ipv4", "ipset nosuch is not defined: pass its `ipset save` output with --ipset"],
    ["-A INPUT -m set --match-set exceptions src", "ipv4", 'ipset exceptions has the nomatch entry "10.0.0.0/24", an exception to the networks around it; nft sets have no exceptions'],
    ["-A INPUT -m set --match-set icmps src,dst", "ipv4", "ipset icmps has the member \"1.2.3.4,icmp:echo-request\": ipset keys ICMP packets by type and code in the port's place, which nft's `th dport` (the ICMP checksum) cannot produce in the same key"],
    ["-A INPUT -m set --match-set gre src,dst", "ipv4", "ipset gre has the member \"1.2.3.4,gre:0\": ipset keys protocols without ports with port 0, while nft's `th dport` reads the packet's bytes there"],
    [
      "-A INPUT -m set --match-set macs src",
      "ipv4",
      "ipset macs is hash:mac: ipset reads MAC addresses from any 14-byte link-layer header (and bitmap:ip,mac fills missing MACs from the first packet), nft only behind its own `meta iiftype ether` check; ipt2nft does not translate MAC sets",
    ],
    ["-A INPUT -m set --match-set overlap src", "ipv4", 'ipset overlap has the overlapping members "10.0.0.0/8" and "10.1.0.0/16" with different timeouts or partly overlapping ranges; an nft interval set cannot hold both'],
    ["-A INPUT -m set --match-set ranges src", "ipv4", 'ipset ranges has the overlapping members "10.0.0.1-10.0.0.5" and "10.0.0.3-10.0.0.9" with different timeouts or partly overlapping ranges; an nft interval set cannot hold both'],
    ["-A INPUT -m set --match-set pairs src,dst", "ipv4", "list:set pairs holds netpairs (hash:net,net) and allow4 (hash:ip), which nft looks up with different keys; one rule can test only one"],
    [
      "-A INPUT -m set ! --match-set svc dst,dst",
      "ipv4",
      "! --match-set svc also matches non-first fragments, where ipset finds no port and so no element; nft's `th` port cannot be read there and stops the rule instead (add ! -f to the rule to exclude fragments)",
    ],
    ["-A INPUT -m set ! --match-set ports dst", "ipv6", "! --match-set ports also matches non-first fragments, where ipset finds no port and so no element; nft's `th` port cannot be read there and stops the rule instead"],
    [
      "-A INPUT -m set --match-set hosts src --packets-gt 5",
      "ipv4",
      "the --packets-*/--bytes-* options compare the counters of the matching element of ipset hosts; an nft set lookup cannot compare an element's counters",
    ],
    [
      "-A INPUT -m set --match-set hosts src ! --bytes-eq 0",
      "ipv4",
      "the --packets-*/--bytes-* options compare the counters of the matching element of ipset hosts; an nft set lookup cannot compare an element's counters",
    ],
  ];
  it.each(refusals)("refuses %s (%s)", (rule, family, reason) => {
    expect(run([rule], { family }).rules).toEqual([`refused: ${reason}`]);
  });

  it("refuses every rule when no ipsets were given", () => {
    expect(run(["-A INPUT -m set --match-set plain src"], { ipsets: false }).rules).toEqual(["refused: ipset plain is not defined: pass its `ipset save` output with --ipset"]);
  });

  it("makes one set per ipset per table, and refuses a list:set whose FLAGS select other members elsewhere", () => {
    const r = run(["-A INPUT -m set --match-set plain src", "-A OUTPUT -m set ! --match-set plain dst", "-A INPUT -m set --match-set pairs src", "-A INPUT -m set --match-set pairs src,dst,dst"]);
    expect(r.rules).toEqual([
      "ip saddr @plain",
      "ip daddr != @plain",
      "ip saddr @pairs",
      "refused: list:set pairs is tested here with FLAGS that let netpairs, allow4 match, and with FLAGS that let allow4 match elsewhere; one nft set cannot stand for both",
    ]);
    expect(r.sets.map((s) => s.split(" ")[1])).toEqual(["plain", "pairs"]);
  });

  it("translates the corpus files that use ipsets with their ipset save output, and they load", () => {
    const corpus = join(fixtures, "corpus", "public");
    for (const [file, rule] of [
      ["codeindex-calico-ipip-node-filter-grep.S-converted", 'meta l4proto ipencap ip saddr @cali40all-hosts-net fib daddr type local counter accept comment "cali:PajejrV4aFdkZojI; Allow IPIP packets from Calico hosts"'],
      ["hejingkai-istio-ambient-ztunnel-kind-mangle", "meta l4proto tcp ip saddr @ztunnel-pods-ips"],
    ] as const) {
      const parsed = parseRuleset(readFileSync(join(corpus, `${file}.rules`), "utf8"));
      const save = parseIpsetSave(readFileSync(join(corpus, `${file}.ipset`), "utf8")).value;
      if (parsed.value === undefined || save === undefined) throw new Error(file);
      const { value, diagnostics } = translate(parsed.value, { ipsets: save, allowUntranslated: true });
      expect(diagnostics.filter((d) => /ipset|set /.test(d.message))).toEqual([]);
      if (value === undefined) throw new Error(file);
      translated.push(value);
      expect(printNftText(value.nft)).toContain(rule);
    }
  });
});

describe("kube-proxy corpus file", () => {
  it("translates its session-affinity rules", () => {
    const parsed = parseRuleset(readFileSync(join(fixtures, "corpus", "public", "k8s-kubeproxy-overall-rules.rules"), "utf8"));
    if (parsed.value === undefined) throw new Error("parse");
    const { value, diagnostics } = translate(parsed.value, { allowUntranslated: true });
    expect(diagnostics.filter((d) => /recent/.test(d.message))).toEqual([]);
    if (value === undefined) throw new Error("translate");
    translated.push(value);
    const text = printNftText(value.nft);
    expect(text).toContain("set KUBE-SEP-I77PXRDZVX7PMWMN {\n\t\ttype ipv4_addr\n\t\tsize 4294967295\n\t\tflags dynamic,timeout\n\t\ttimeout 10800s\n");
    expect(text).toContain("update @KUBE-SEP-I77PXRDZVX7PMWMN { ip saddr }");
    expect(text).toContain("ip saddr @KUBE-SEP-I77PXRDZVX7PMWMN counter jump KUBE-SEP-I77PXRDZVX7PMWMN");
  });
});

describe("-j SET", () => {
  /** [rules, family, nft rules, helper chains]. */
  const forms: readonly (readonly [readonly string[], Family, readonly string[], readonly string[]])[] = [
    [["-A INPUT -j SET --add-set plain src"], "ipv4", ["add @plain { ip saddr }"], []],
    [["-A INPUT -j SET --del-set plain dst"], "ipv4", ["delete @plain { ip daddr }"], []],
    [["-A INPUT -j SET --add-set plain src --del-set allow4 dst"], "ipv4", ["add @plain { ip saddr } delete @allow4 { ip daddr }"], []],
    // The set's default timeout, the rule's own, capped at IPSET_MAX_TIMEOUT, 0 for permanent.
    [["-A INPUT -j SET --add-set temp src"], "ipv4", ["add @temp { ip saddr timeout 60s }"], []],
    [["-A INPUT -j SET --add-set temp src --timeout 5"], "ipv4", ["add @temp { ip saddr timeout 5s }"], []],
    [["-A INPUT -j SET --add-set temp src --timeout 4294967294"], "ipv4", ["add @temp { ip saddr timeout 2147483s }"], []],
    [["-A INPUT -j SET --add-set temp src --timeout 0"], "ipv4", ["add @temp { ip saddr }"], []],
    // --timeout means nothing to a set without timeouts.
    [["-A INPUT -j SET --add-set plain src --timeout 5 --exist"], "ipv4", ["add @plain { ip saddr }"], []],
    // --exist refreshes an existing member's timeout: nft's update.
    [["-A INPUT -j SET --add-set temp src --exist"], "ipv4", ["update @temp { ip saddr timeout 60s }"], []],
    [["-A INPUT -j SET --add-set ipmarks src,src"], "ipv4", ["add @ipmarks { ip saddr . meta mark & 0xffff }"], []],
    [["-A INPUT -j SET --add-set hosts6 dst"], "ipv6", ["add @hosts6 { ip6 daddr & ffff:ffff:ffff:ffff:: }"], []],
    // Another family, too few FLAGS: the kernel does nothing.
    [["-A INPUT -j SET --add-set allow6 src"], "ipv4", [""], []],
    [["-A INPUT -p tcp -j SET --add-set svc src"], "ipv4", ["meta l4proto tcp"], []],
    // Keys that read the transport header, and bitmap ranges, go through a helper chain.
    [
      ["-A INPUT -p tcp -j SET --add-set svc src,dst", "-A OUTPUT -p udp -j SET --add-set svc src,dst"],
      "ipv4",
      ["meta l4proto tcp jump SET-add-svc", "meta l4proto udp jump SET-add-svc"],
      ["SET-add-svc: add @svc { ip saddr . meta l4proto . th dport }"],
    ],
    [["-A INPUT -p udp -j SET --del-set ports src"], "ipv4", ["meta l4proto udp jump SET-delete-ports"], ["SET-delete-ports: delete @ports { meta l4proto . th sport }"]],
    [["-A INPUT -p tcp -j SET --add-set ports dst"], "ipv4", ["meta l4proto tcp jump SET-add-ports"], ["SET-add-ports: th dport 0-1024 add @ports { meta l4proto . th dport }"]],
    [["-A INPUT -j SET --add-set blocks dst --timeout 7"], "ipv4", ["jump SET-add-blocks"], ["SET-add-blocks: ip daddr 10.0.0.0-10.0.255.255 add @blocks { ip daddr & 255.255.255.0 timeout 7s }"]],
  ];
  it.each(forms)("%s (%s)", (rules, family, nft, helpers) => {
    const r = run(rules, { family });
    expect(r.rules).toEqual(nft);
    expect(r.helpers).toEqual(helpers);
  });

  /** [rules, reason of the last rule]. */
  const refusals: readonly (readonly [readonly string[], string])[] = [
    [["-A INPUT -j SET --add-set nosuch src"], "ipset nosuch is not defined: pass its `ipset save` output with --ipset"],
    [["-A INPUT -j SET --map-set plain src --map-mark"], "-j SET --map-set copies the matching element's skbinfo to the packet: the mark as (mark & ~mask) ^ value with a mask per element, the priority and the queue mapping; nft maps carry one value per key and nft cannot set the queue mapping"],
    [["-A INPUT -j SET --add-set lists src"], "-j SET on list:set lists adds to or deletes from the first member set that takes the element; one nft set statement cannot choose among sets"],
    [
      ["-A INPUT -j SET --add-set nets src"],
      "-j SET on hash:net set nets stores the packet's address with the prefix length of the set's most specific network at that moment; nft cannot read that from the set (and cannot add to interval sets from rules)",
    ],
    [["-A INPUT -j SET --add-set ranges src"], "ipset ranges has the overlapping members \"10.0.0.1-10.0.0.5\" and \"10.0.0.3-10.0.0.9\" with different timeouts or partly overlapping ranges; an nft interval set cannot hold both"],
    [["-A INPUT -j SET --add-set svc src,dst"], "-j SET on hash:ip,port set svc stores ICMP type/code or port 0 for packets without ports, which nft's `th` ports cannot produce; give the rule -p tcp, udp, sctp or udplite"],
    [["-A INPUT -p sctp -j SET --add-set ports src"], "-j SET on bitmap:port set ports takes the port of TCP and UDP packets only; give the rule -p tcp or -p udp so nft reads the port of those alone"],
    [["-A INPUT -j SET --add-set temp src --exist --timeout 0"], "--exist --timeout 0 makes an existing member of temp permanent; nft's update statement cannot take an element's expiry away"],
    [["-A INPUT -j SET --add-set deny4 src --exist"], "--exist would give the permanent member of deny4 (192.0.2.1) a timeout; nft's update statement leaves permanent elements permanent"],
    [["-A INPUT -j SET --add-set temp src --timeout 0", "-A INPUT -j SET --add-set temp src --exist"], "--exist would give the permanent member of temp (added by line 5) a timeout; nft's update statement leaves permanent elements permanent"],
    [["-A INPUT -j SET --add-set temp src --exist", "-A INPUT -j SET --add-set temp dst --timeout 0"], "this rule adds permanent members to temp, which --exist on line 5 would give a timeout; nft's update statement leaves permanent elements permanent"],
    [["-A INPUT -m set --match-set lists src", "-A INPUT -j SET --add-set allow4 src"], "ipset allow4 is a member of list:set lists, whose nft set (line 5) holds a copy of its members that would not see this change"],
    [["-A INPUT -j SET --add-set allow4 src", "-A INPUT -m set --match-set lists src"], "list:set lists copies the members of allow4, which -j SET changes on line 5; the copy in nft would not see the change"],
  ];
  it.each(refusals)("refuses %s", (rules, reason) => {
    expect(run(rules).rules.at(-1)).toBe(`refused: ${reason}`);
  });

  it("refuses a set changed in one table and read in another when the translator is given the whole ruleset", () => {
    const text = ["*filter", ":INPUT ACCEPT [0:0]", "-A INPUT -m set --match-set plain src", "COMMIT", "*raw", ":PREROUTING ACCEPT [0:0]", "-A PREROUTING -j SET --add-set plain src", "COMMIT", ""].join("\n");
    const ruleset = parseRuleset(text).value;
    const rule = ruleset?.tables[0]?.rules[0];
    const m = rule?.matches[0];
    if (ruleset === undefined || rule === undefined || m?.kind !== "set") throw new Error("parse");
    const cx = context(ruleset, rule, ipsets());
    const t = translateSetMatch(m, { ...cx, ruleset });
    expect(isRefusal(t) ? t.refused : "").toBe("ipset plain is changed by -j SET and used in tables filter, raw: the kernel has one set for all of them, nft sets belong to one table");
    expect(isRefusal(translateSetMatch(m, cx))).toBe(false);
  });
});

describe("ipset fixtures", () => {
  it("every kernel-made fixture set either becomes an nft set or is refused with a reason naming it", () => {
    const dir = join(fixtures, "ipset");
    for (const file of ["hash-ip", "hash-net", "hash-ip-port", "hash-net-port", "hash-ip-port-ip", "hash-ip-port-net", "hash-net-iface", "bitmap-ip", "bitmap-port", "list-set"]) {
      const path = join(dir, `${file}.ipset`);
      if (!existsSync(path)) continue;
      const save = ipsets(readFileSync(path, "utf8"));
      for (const family of ["ipv4", "ipv6"] as const) {
        const rules = save.sets.map((s) => `-A INPUT -m set --match-set ${s.name} ${Array.from({ length: s.setType.dims.length }, () => "src").join(",")}`);
        const r = run(rules, { family, ipsets: save });
        r.rules.forEach((text, i) => {
          const name = save.sets[i]?.name ?? "";
          if (text.startsWith("refused: ")) expect(text).toContain(name);
          else expect(text).toMatch(new RegExp(`@${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b|0\\.0\\.0\\.0/0|::/0`));
        });
      }
    }
  });
});

/** Loads every translation of this file in one namespace: one text file and one JSON file, each table renamed. */
function loadAll(results: readonly TranslatedRuleset[]): { readonly text: string; readonly json: string } {
  const tables: NftTable[] = results.flatMap((r, i) => r.nft.tables.map((t, j) => ({ ...t, name: `t${i}_${j}` })));
  const ruleset: NftRuleset = { kind: "ruleset", tables };
  const dir = mkdtempSync(join(tmpdir(), "ipt2nft-sets-"));
  const ns = createNetns("ipt2nft-sets");
  try {
    const load = (name: string, content: string, json: boolean): string => {
      const path = join(dir, name);
      writeFileSync(path, content);
      // A real load, not -c: nft -c skips some of the kernel's checks of set elements.
      const r = ns.exec("nft", [...(json ? ["-j"] : []), "-f", path]);
      ns.exec("nft", ["flush", "ruleset"]);
      return r.code === 0 ? "" : r.stderr || `nft exited ${r.code}`;
    };
    const check = (json: boolean): string => {
      const print = json ? printNftJsonText : printNftText;
      const all = load("all", print(ruleset), json);
      if (all === "") return "";
      // Name the tables that fail alone, for a readable failure.
      const failing = tables.filter((t) => load("one", print({ kind: "ruleset", tables: [t] }), json) !== "");
      return `${all}in tables: ${failing.map((t) => `${t.name}\n${printNftText({ kind: "ruleset", tables: [t] })}`).join("\n")}`;
    };
    return { text: check(false), json: check(true) };
  } finally {
    ns.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(kernelSkipReason !== undefined)(`kernel${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
  it("loads every translation of this file, as nft text and as JSON", () => {
    expect(translated.length).toBeGreaterThan(50);
    expect(loadAll(translated)).toEqual({ text: "", json: "" });
  });
});
