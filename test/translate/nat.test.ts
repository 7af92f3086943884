/**
 * Address translation targets: DNAT, SNAT, MASQUERADE, REDIRECT, NETMAP (and the refused SNPT, DNPT).
 * Exact nft text per form, refusals with their reasons, netfilter's txlate cases, the kube-proxy seed's
 * DNAT rules, and one kernel load of everything translated here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Family, printRule } from "../../src/ast/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { translate, type TranslatedRuleset } from "../../src/translate/index.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { itMatchesTxlate, loadTogether, missingTranslators, translateTarget, type TxlateDifference, txlateTranslations } from "./target-cases.js";

/**
 * The anchor's motivating bug: `-p tcp -m tcp -j DNAT --to-destination 10.0.0.4:80` became `dnat to
 * 10.0.0.4:80`, which nft rejects for want of a transport protocol match. Whatever the tcp/udp match
 * translates to (protocols.ts: a header read that also keeps out non-first fragments, as the kernel's tcp
 * match does), a protocol match must stand before the port mapping: `meta l4proto P` or a read of P's header.
 */
const protocolKept: readonly (readonly [string, RegExp])[] = [
  ["-t nat -A PREROUTING -p tcp -m tcp -j DNAT --to-destination 10.0.0.4:80", /^(meta l4proto tcp|tcp \S+ \S+) dnat to 10\.0\.0\.4:80$/],
  ["-t nat -A PREROUTING -p udp -m udp -j DNAT --to-destination 172.17.0.2:53", /^(meta l4proto udp|udp \S+ \S+) dnat to 172\.17\.0\.2:53$/],
  ["-t nat -A PREROUTING -p tcp -m tcp --dport 0:65535 -j DNAT --to-destination 10.0.0.4:80", /^(meta l4proto tcp|tcp \S+ \S+) dnat to 10\.0\.0\.4:80$/],
  ["-t nat -A PREROUTING -p tcp -m tcp -j REDIRECT --to-ports 0-65535", /^(meta l4proto tcp|tcp \S+ \S+) redirect to :0-65535$/],
];

/** [command, family, the rule's nft text]. */
const translations: readonly (readonly [string, Family, string])[] = [
  ["-t nat -A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.4:80", "ipv4", "meta l4proto tcp dnat to 10.0.0.4:80"],
  ["-t nat -A PREROUTING -p udp -j DNAT --to-destination 172.17.0.2:53", "ipv4", "meta l4proto udp dnat to 172.17.0.2:53"],
  // A port match gives nft the protocol itself.
  ["-t nat -A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.4:80", "ipv4", "tcp dport 8080 dnat to 10.0.0.4:80"],
  ["-t nat -A PREROUTING -p tcp -m tcp ! --dport 0:65535 -j DNAT --to-destination 10.0.0.4:80", "ipv4", "tcp dport != 0-65535 dnat to 10.0.0.4:80"],
  ["-t nat -A PREROUTING -p sctp -j DNAT --to-destination 10.0.0.4:80", "ipv4", "meta l4proto sctp dnat to 10.0.0.4:80"],
  ["-t nat -A PREROUTING -p dccp -j DNAT --to-destination 10.0.0.4:80", "ipv4", "meta l4proto dccp dnat to 10.0.0.4:80"],
  ["-t nat -A PREROUTING -p icmp -j DNAT --to-destination 10.0.0.4:100", "ipv4", "meta l4proto icmp dnat to 10.0.0.4:100"],
  ["-t nat -A PREROUTING -d 1.2.3.4 -j DNAT --to-destination 10.0.0.4", "ipv4", "ip daddr 1.2.3.4 dnat to 10.0.0.4"],
  ["-t nat -A OUTPUT -p tcp -j DNAT --to-destination :8080", "ipv4", "meta l4proto tcp dnat to :8080"],
  ["-t nat -A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1-10.0.0.9:1000-2000 --random --persistent", "ipv4", "meta l4proto tcp dnat to 10.0.0.1-10.0.0.9:1000-2000 random,persistent"],
  ["-t nat -A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.1:0-65535", "ipv4", "meta l4proto tcp dnat to 10.0.0.1:0-65535"],
  ["-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fec0::1]:80", "ipv6", "meta l4proto tcp dnat to [fec0::1]:80"],
  ["-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fec0::1-fec0::9]:80-90", "ipv6", "meta l4proto tcp dnat to [fec0::1]-[fec0::9]:80-90"],
  ["-t nat -A PREROUTING -j DNAT --to-destination fec0::1-fec0::9", "ipv6", "dnat to fec0::1-fec0::9"],
  ["-t nat -A POSTROUTING -o eth0 -j SNAT --to-source 1.2.3.4", "ipv4", 'oifname "eth0" snat to 1.2.3.4'],
  ["-t nat -A POSTROUTING -p udp -j SNAT --to-source 1.2.3.4:1024-65535 --random --random-fully --persistent", "ipv4", "meta l4proto udp snat to 1.2.3.4:1024-65535 random,fully-random,persistent"],
  ["-t nat -A INPUT -j SNAT --to-source 1.2.3.4", "ipv4", "snat to 1.2.3.4"],
  ["-t nat -A POSTROUTING -p tcp -j SNAT --to-source [2001:db8::1]:1-20", "ipv6", "meta l4proto tcp snat to [2001:db8::1]:1-20"],
  ["-t nat -A POSTROUTING -j MASQUERADE", "ipv4", "masquerade"],
  ["-t nat -A POSTROUTING -j MASQUERADE --random-fully", "ipv4", "masquerade fully-random"],
  ["-t nat -A POSTROUTING -p tcp -j MASQUERADE --to-ports 1024-2048 --random", "ipv4", "meta l4proto tcp masquerade to :1024-2048 random"],
  ["-t nat -A POSTROUTING ! -o lo -j MASQUERADE", "ipv6", 'oifname != "lo" masquerade'],
  ["-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 3128", "ipv4", "tcp dport 80 redirect to :3128"],
  ["-t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 0-65535", "ipv4", "meta l4proto tcp redirect to :0-65535"],
  ["-t nat -A OUTPUT -j REDIRECT", "ipv4", "redirect"],
  ["-t nat -A OUTPUT -j REDIRECT --random", "ipv6", "redirect random"],
  ["-t nat -A PREROUTING -d 192.0.2.0/24 -j NETMAP --to 10.0.0.0/24", "ipv4", "ip daddr 192.0.2.0/24 dnat prefix to 10.0.0.0/24"],
  ["-t nat -A OUTPUT -j NETMAP --to 10.0.0.0/8", "ipv4", "dnat prefix to 10.0.0.0/8"],
  ["-t nat -A POSTROUTING -s 10.0.0.0/24 -j NETMAP --to 192.0.2.0/24", "ipv4", "ip saddr 10.0.0.0/24 snat prefix to 192.0.2.0/24"],
  ["-t nat -A INPUT -j NETMAP --to 192.0.2.7/32", "ipv4", "snat prefix to 192.0.2.7/32"],
  ["-t nat -A POSTROUTING -j NETMAP --to 2001:db8:1::/48", "ipv6", "snat prefix to 2001:db8:1::/48"],
  // Targets in user chains: the hook is checked by nft when the chain is reached.
  ["-t nat -A SVC -p tcp -j DNAT --to-destination 10.0.0.4:80", "ipv4", "meta l4proto tcp dnat to 10.0.0.4:80"],
];

/** [command, family, what the refusal says]. */
const refusals: readonly (readonly [string, Family, RegExp])[] = [
  ["-t nat -A PREROUTING -j DNAT --to-destination 10.0.0.4:80", "ipv4", /DNAT --to-destination with a port needs -p tcp, udp, sctp, dccp or icmp/],
  ["-t nat -A PREROUTING ! -p tcp -j DNAT --to-destination 10.0.0.4:80", "ipv4", /with ! -p tcp: nft maps ports only after a positive transport protocol match/],
  ["-t nat -A PREROUTING -p gre -j DNAT --to-destination 10.0.0.4:80", "ipv4", /iptables refuses a port mapping with -p gre/],
  ["-t nat -A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.4:1000-1099/2000", "ipv4", /base port \(\/2000\).*no shifted port ranges/],
  ["-t nat -A POSTROUTING -j SNAT --to-source 1.2.3.4:1024-2048", "ipv4", /SNAT --to-source with a port needs -p/],
  ["-t nat -A POSTROUTING -j MASQUERADE --to-ports 1024", "ipv4", /MASQUERADE --to-ports needs -p/],
  ["-t nat -A PREROUTING -j REDIRECT --to-ports 8080", "ipv6", /REDIRECT --to-ports needs -p/],
  ["-t nat -A SVC -j NETMAP --to 10.0.0.0/24", "ipv4", /NETMAP in the user chain SVC maps the destination or the source depending on the hook/],
  ["-t nat -A POSTROUTING -j DNAT --to-destination 10.0.0.4", "ipv4", /DNAT works only in PREROUTING, OUTPUT; the kernel refuses it in POSTROUTING/],
  ["-t nat -A PREROUTING -j SNAT --to-source 10.0.0.4", "ipv4", /SNAT works only in POSTROUTING, INPUT/],
  ["-t nat -A OUTPUT -j MASQUERADE", "ipv4", /MASQUERADE works only in POSTROUTING/],
  ["-A FORWARD -j DNAT --to-destination 10.0.0.4", "ipv4", /DNAT works only in the nat table; the kernel refuses it in filter/],
  ["-t mangle -A POSTROUTING -j SNPT --src-pfx 2001:db8::/64 --dst-pfx 2001:db8:1::/64", "ipv6", /SNPT: nft 1\.0\.6 has no stateless IPv6 prefix translation/],
  ["-t mangle -A PREROUTING -j DNPT --src-pfx 2001:db8:1::/64 --dst-pfx 2001:db8::/64", "ipv6", /DNPT: nft 1\.0\.6 has no stateless IPv6 prefix translation/],
];

/** The NAT targets' txlate cases whose translation differs from netfilter's on purpose. */
const natTargets = ["DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP"];
const txlateDifferences: Readonly<Record<string, TxlateDifference>> = {
  "libxt_DNAT.txlate:28": {
    ours: "meta l4proto tcp dnat to [fec0::1234]-[fec0::2000]:1-20",
    why: "each end of an IPv6 range goes in its own brackets; nft lists netfilter's [a-b]:p form the same way",
  },
};

describe("NAT targets", () => {
  for (const [command, expected] of protocolKept) {
    it(`keeps the protocol: ${command}`, () => {
      const t = translateTarget(command);
      expect(t.refusals).toEqual([]);
      expect(t.text).toMatch(expected);
    });
  }

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
      expect(t.refusals).toHaveLength(1);
      expect(t.refusals[0]).toMatch(reason);
    });
  }
});

describe("netfilter's txlate cases for NAT targets", () => {
  itMatchesTxlate(natTargets, 43, txlateDifferences);
});

const seedPath = join(import.meta.dirname, "..", "fixtures", "corpus", "seed", "kube-proxy-minikube-nat.rules");

/** The seed's DNAT and MASQUERADE rules as commands, without their -m comment (translated elsewhere). */
function seedNatCommands(): string[] {
  const parsed = parseRuleset(readFileSync(seedPath, "utf8"), { family: "ipv4" });
  const rules = parsed.value?.tables[0]?.rules ?? [];
  return rules
    .filter((r) => r.target?.kind === "DNAT" || r.target?.kind === "MASQUERADE")
    .map((r) => `-t nat ${printRule({ ...r, counters: undefined, matches: r.matches.filter((m) => m.kind !== "comment") })}`);
}

describe("kube-proxy seed (test/fixtures/corpus/seed)", () => {
  it("translates its DNAT rules with the protocol kept in front of the port mapping", () => {
    const texts = seedNatCommands().map((c) => translateTarget(c).text ?? "");
    expect(texts).toHaveLength(4);
    expect(texts[0]).toBe("masquerade fully-random");
    expect(texts[1]).toMatch(/^(meta l4proto tcp|tcp \S+ \S+) dnat to 172\.17\.0\.4:80$/);
    expect(texts[2]).toMatch(/^(meta l4proto udp|udp \S+ \S+) dnat to 172\.17\.0\.2:53$/);
    expect(texts[3]).toMatch(/^(meta l4proto tcp|tcp \S+ \S+) dnat to 172\.17\.0\.5:80$/);
  });

  const whole = parseRuleset(readFileSync(seedPath, "utf8"), { family: "ipv4" }).value;
  const pending = [...new Set((whole?.tables[0]?.rules ?? []).flatMap((r) => missingTranslators(`-t nat ${printRule({ ...r, counters: undefined })}`)))];
  it.skipIf(pending.length > 0 || kernelSkipReason !== undefined)(
    `translates whole and loads${pending.length > 0 ? ` (skipped: no translator yet for ${pending.join(", ")})` : kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`,
    () => {
      if (whole === undefined) throw new Error("the seed does not parse");
      const r = translate(whole);
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      if (r.value === undefined) throw new Error("no translation");
      expect(loadTogether([r.value])).toMatchObject({ text: "", json: "" });
    },
  );
});

describe.skipIf(kernelSkipReason !== undefined)(`kernel${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
  it("loads every NAT translation of this file, text and JSON, in one nft -c run each", () => {
    const commands: (readonly [string, Family])[] = [
      ...translations.map(([c, f]) => [c, f] as const),
      ...protocolKept.map(([c]) => [c, "ipv4"] as const),
      ...seedNatCommands().map((c) => [c, "ipv4"] as const),
    ];
    const results: TranslatedRuleset[] = commands.flatMap(([c, f]) => {
      const r = translateTarget(c, f).result;
      return r === undefined ? [] : [r];
    });
    expect(results.length).toBe(commands.length);
    expect(loadTogether([...results, ...txlateTranslations(natTargets)])).toMatchObject({ text: "", json: "" });
  });
});
