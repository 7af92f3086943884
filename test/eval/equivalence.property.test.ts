/**
 * eval(R) = eval(translate(R)) on generated packets, for generated rulesets and the seed kube-proxy ruleset;
 * and mutation checks: deliberately wrong translations that {@link checkEquivalence} must catch.
 *
 * The seed is pinned (test/arb/seed.ts); `FC_SEED=<n>` replays another run. A failure prints the seed, the
 * ruleset as iptables-save and nft text, the packet and both outcomes with their traces.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Ruleset } from "../../src/ast/index.js";
import { type EquivalenceResult, checkEquivalence, describeCounterexample } from "../../src/eval/equivalence.js";
import type { Packet, PacketPath } from "../../src/eval/packet.js";
import { type NftRuleset, printNftText } from "../../src/nft/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import { propertySeed } from "../arb/seed.js";
import { newConnection } from "../helpers/eval.js";

// ---------------------------------------------------------------- helpers

function parse(text: string, family: "ipv4" | "ipv6" = "ipv4"): Ruleset {
  const parsed = parseRuleset(text, { family });
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (parsed.value === undefined || errors.length > 0) throw new Error(`${text}\n${errors.map((e) => e.message).join("\n")}`);
  return parsed.value;
}

function translated(ruleset: Ruleset): NftRuleset {
  const result = translate(ruleset);
  if (result.value === undefined) throw new Error(`not translated: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.value.nft;
}

/** The whole story of a failed check: iptables-save text, nft text, the packet and both outcomes. */
function report(text: string, nft: NftRuleset, result: EquivalenceResult): string {
  switch (result.kind) {
    case "equivalent":
      return "equivalent";
    case "unchecked":
      return `unchecked (${result.side}: ${result.feature}: ${result.message})\n--- iptables-save\n${text}--- nft\n${printNftText(nft)}`;
    case "counterexample":
      return `--- iptables-save\n${text}--- nft\n${printNftText(nft)}--- counterexample\n${describeCounterexample(result)}`;
    default:
      return assertNever(result);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

/** A packet of `path` with a first-packet connection (ct state new). */
function packet(path: PacketPath, over: Partial<Packet>): Packet {
  const base: Packet = {
    family: "ipv4",
    path,
    ...(path === "output" ? {} : { iif: "eth0" }),
    ...(path === "input" ? {} : { oif: "eth1" }),
    saddr: "10.0.0.2",
    daddr: "10.0.0.1",
    l4proto: 6,
    sport: 40000,
    dport: 80,
    tcpFlags: 0x02,
    length: 60,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    mark: 0,
    pkttype: "unicast",
    cpu: 0,
    ...over,
  };
  return { ...base, ct: newConnection(base) };
}

// ---------------------------------------------------------------- generated rulesets

/** One generated rule, kept as data so fast-check can shrink it; printed to iptables-save words. */
interface RuleSpec {
  readonly proto?: "tcp" | "udp";
  readonly dport?: string;
  readonly sport?: string;
  readonly source?: { readonly negated: boolean; readonly value: string };
  readonly destination?: { readonly negated: boolean; readonly value: string };
  readonly inIface?: { readonly negated: boolean; readonly value: string };
  readonly outIface?: { readonly negated: boolean; readonly value: string };
  readonly mark?: { readonly negated: boolean; readonly value: string };
  readonly ctstate?: string;
  readonly comment: boolean;
  readonly probability?: string;
  /** One more match from {@link extraMatches}, as iptables-save words. */
  readonly extra?: string;
  readonly target: string;
}

const addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.0/8", "10.1.0.0/16", "192.168.1.0/24", "172.17.0.4", "0.0.0.0/1"];
const ports = ["22", "53", "80", "1000:2000", "8080"];
const marks = ["0x1/0x1", "0x4000/0x4000", "0x2/0x3", "0x5", "0x0/0xffff0000"];
const ctstates = ["NEW", "ESTABLISHED", "RELATED,ESTABLISHED", "INVALID", "NEW,UNTRACKED"];
const probabilities = ["0.25000000000", "0.50000000000", "0.33333333349", "0.10000000009"];

const arbNegated = <T>(values: readonly T[]): fc.Arbitrary<{ readonly negated: boolean; readonly value: T }> => fc.record({ negated: fc.boolean(), value: fc.constantFrom(...values) });

/** Where a chain is called from decides which of -i/-o its rules may use and which NAT targets fit. */
type ChainRole = "in" | "out" | "forward" | "user";

/** `arb` one time in three, else absent: rules with few conditions, so generated packets match them often. */
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

function arbRule(role: ChainRole, targets: fc.Arbitrary<string>): fc.Arbitrary<RuleSpec> {
  return fc
    .record({
      proto: sometimes(fc.constantFrom<"tcp" | "udp">("tcp", "udp")),
      dport: sometimes(fc.constantFrom(...ports)),
      sport: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...ports) }),
      source: sometimes(arbNegated(addresses)),
      destination: sometimes(arbNegated(addresses)),
      inIface: sometimes(arbNegated(["eth0", "eth1", "eth+"])),
      outIface: sometimes(arbNegated(["eth0", "eth1", "eth+"])),
      mark: sometimes(arbNegated(marks)),
      ctstate: sometimes(fc.constantFrom(...ctstates)),
      comment: fc.boolean(),
      probability: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...probabilities) }),
      extra: sometimes(fc.constantFrom(...extraMatches)),
      target: targets,
    })
    .map((r): RuleSpec => {
      // -i is only valid where packets have an input device, -o where they have an output one; user
      // chains may be called from anywhere, so they use neither. Ports need -p tcp/udp, and so do
      // DNAT/SNAT with a port.
      const proto = r.proto ?? (/:\d+(-\d+)?$|--to-ports/.test(r.target) || (r.extra ?? "").includes("multiport") ? "tcp" : undefined);
      const inIface = role === "in" || role === "forward" ? r.inIface : undefined;
      const outIface = role === "out" || role === "forward" ? r.outIface : undefined;
      return {
        comment: r.comment,
        target: r.target,
        ...(proto === undefined ? {} : { proto }),
        ...(proto === undefined || r.dport === undefined ? {} : { dport: r.dport }),
        ...(proto === undefined || r.sport === undefined ? {} : { sport: r.sport }),
        ...(r.source === undefined ? {} : { source: r.source }),
        ...(r.destination === undefined ? {} : { destination: r.destination }),
        ...(inIface === undefined ? {} : { inIface }),
        ...(outIface === undefined ? {} : { outIface }),
        ...(r.mark === undefined ? {} : { mark: r.mark }),
        ...(r.ctstate === undefined ? {} : { ctstate: r.ctstate }),
        ...(r.probability === undefined ? {} : { probability: r.probability }),
        ...(r.extra === undefined ? {} : { extra: r.extra }),
      };
    });
}

function printRuleSpec(chain: string, r: RuleSpec): string {
  const words = [`-A ${chain}`];
  const neg = (n: boolean): string => (n ? "! " : "");
  if (r.source) words.push(`${neg(r.source.negated)}-s ${r.source.value}`);
  if (r.destination) words.push(`${neg(r.destination.negated)}-d ${r.destination.value}`);
  if (r.inIface) words.push(`${neg(r.inIface.negated)}-i ${r.inIface.value}`);
  if (r.outIface) words.push(`${neg(r.outIface.negated)}-o ${r.outIface.value}`);
  if (r.proto) {
    words.push(`-p ${r.proto}`);
    if (r.dport !== undefined || r.sport !== undefined) words.push(`-m ${r.proto}${r.sport === undefined ? "" : ` --sport ${r.sport}`}${r.dport === undefined ? "" : ` --dport ${r.dport}`}`);
  }
  if (r.mark) words.push(`-m mark ${neg(r.mark.negated)}--mark ${r.mark.value}`);
  if (r.ctstate !== undefined) words.push(`-m conntrack --ctstate ${r.ctstate}`);
  if (r.comment) words.push(`-m comment --comment "generated rule"`);
  if (r.probability !== undefined) words.push(`-m statistic --mode random --probability ${r.probability}`);
  if (r.extra !== undefined) words.push(r.extra);
  words.push(r.target);
  return words.join(" ");
}

/** A generated ruleset: filter with two user chains, nat with one user chain. */
interface RulesetSpec {
  readonly policies: readonly ("ACCEPT" | "DROP")[];
  readonly filter: Readonly<Record<"INPUT" | "FORWARD" | "OUTPUT" | "U1" | "U2", readonly RuleSpec[]>>;
  readonly nat: Readonly<Record<"PREROUTING" | "OUTPUT" | "POSTROUTING" | "INPUT" | "N1", readonly RuleSpec[]>>;
}

/**
 * More matches both evaluators model, one per rule at most. Left out: `addrtype --limit-iface-in` and
 * `devgroup`, which the nft evaluator does not model yet (fib with iif, meta devgroup: packets refused).
 */
const extraMatches = [
  "-m multiport --dports 22,80:90,8080",
  "-m multiport ! --sports 53,1000:2000",
  "-m state --state NEW,ESTABLISHED",
  "-m iprange --src-range 10.0.0.1-10.0.0.200",
  "-m iprange ! --dst-range 10.0.0.2-10.1.0.0",
  "-m addrtype --dst-type LOCAL",
  "-m addrtype ! --src-type LOCAL",
  "-m connmark --mark 0x1/0x1",
  "-m length --length 100:500",
  "-m ttl --ttl-gt 64",
  "-m tos --tos 0x10",
  "-m dscp --dscp 0x0a",
  "-m pkttype --pkt-type unicast",
  "-m conntrack --ctstatus CONFIRMED",
  "-m conntrack --ctdir ORIGINAL",
  "-m conntrack --ctstate NEW --ctproto 6",
  "-m conntrack --ctorigdst 10.0.0.0/8",
  "-m mark ! --mark 0x0",
  "-m statistic --mode random --probability 0.99999999953",
  "-m limit --limit 5/sec",
  "-m helper --helper ftp",
  "-m cpu --cpu 0",
  "-m ecn --ecn-ip-ect 0",
  "-m owner --uid-owner 0",
  "-m quota --quota 1000",
];

const markTargets = [
  "-j MARK --set-xmark 0x1/0x1",
  "-j MARK --set-xmark 0x4000/0x0",
  "-j MARK --set-xmark 0x2/0xffffffff",
  "-j MARK --and-mark 0xf0",
  "-j MARK --or-mark 0x100",
  "-j REJECT --reject-with icmp-host-prohibited",
  "-j REJECT",
  "-j LOG --log-prefix x",
  "-j CONNMARK --set-xmark 0x1/0x3",
  "-j CONNMARK --save-mark",
  "-j CONNMARK --restore-mark --mask 0xff",
  "-j DSCP --set-dscp 0x0a",
  "-j TTL --ttl-set 9",
  "-j NFQUEUE --queue-num 3",
  "-j TOS --set-tos 0x10/0x3f",
];
const filterBuiltinTargets = fc.constantFrom("-j ACCEPT", "-j DROP", "-j U1", "-j U2", "-g U1", ...markTargets);
const filterU1Targets = fc.constantFrom("-j ACCEPT", "-j DROP", "-j RETURN", "-j U2", "-g U2", ...markTargets);
const filterU2Targets = fc.constantFrom("-j ACCEPT", "-j DROP", "-j RETURN", ...markTargets);
const dnatTargets = fc.constantFrom("-j ACCEPT", "-j N1", "-j DNAT --to-destination 172.17.0.4", "-j DNAT --to-destination 172.17.0.5:8080", "-j RETURN", "-j REDIRECT --to-ports 3128", "-j DNAT --to-destination 172.17.0.4-172.17.0.9:80-90", "-j NETMAP --to 192.168.9.0/24");
const n1Targets = fc.constantFrom("-j DNAT --to-destination 172.17.0.4:80", "-j RETURN", "-j ACCEPT");
const snatTargets = fc.constantFrom("-j ACCEPT", "-j MASQUERADE", "-j SNAT --to-source 192.168.1.7", "-j SNAT --to-source 192.168.1.7:2000-2010", "-j RETURN", "-j MASQUERADE --to-ports 3000-3005", "-j SNAT --to-source 192.168.1.7-192.168.1.9", "-j NETMAP --to 192.168.9.0/24");

// MASQUERADE only works in POSTROUTING.
const inputSnatTargets = fc.constantFrom("-j ACCEPT", "-j SNAT --to-source 192.168.1.7", "-j SNAT --to-source 192.168.1.7:2000-2010", "-j RETURN", "-j SNAT --to-source 192.168.1.7-192.168.1.9", "-j NETMAP --to 192.168.9.0/24");

const chainRules = (role: ChainRole, targets: fc.Arbitrary<string>): fc.Arbitrary<readonly RuleSpec[]> => fc.array(arbRule(role, targets), { maxLength: 3 });

const arbRulesetSpec: fc.Arbitrary<RulesetSpec> = fc.record({
  policies: fc.array(fc.constantFrom<"ACCEPT" | "DROP">("ACCEPT", "DROP"), { minLength: 3, maxLength: 3 }),
  filter: fc.record({
    INPUT: chainRules("in", filterBuiltinTargets),
    FORWARD: chainRules("forward", filterBuiltinTargets),
    OUTPUT: chainRules("out", filterBuiltinTargets),
    U1: chainRules("user", filterU1Targets),
    U2: chainRules("user", filterU2Targets),
  }),
  nat: fc.record({
    PREROUTING: chainRules("in", dnatTargets),
    OUTPUT: chainRules("out", dnatTargets),
    POSTROUTING: chainRules("out", snatTargets),
    INPUT: chainRules("in", inputSnatTargets),
    N1: chainRules("user", n1Targets),
  }),
});

/**
 * The IPv6 twin of a generated ruleset: each IPv4 address of the vocabulary above becomes an IPv6 one (so
 * prefixes keep their nesting), ttl becomes hl, and the ICMP reject type its ICMPv6 counterpart.
 */
const ipv6Words: readonly (readonly [string, string])[] = [
  ["172.17.0.4-172.17.0.9:80-90", "[fd17::4-fd17::9]:80-90"],
  ["172.17.0.5:8080", "[fd17::5]:8080"],
  ["172.17.0.4:80", "[fd17::4]:80"],
  ["192.168.1.7-192.168.1.9", "fd01::7-fd01::9"],
  ["192.168.1.7:2000-2010", "[fd01::7]:2000-2010"],
  ["10.0.0.1-10.0.0.200", "fd00::1-fd00::200"],
  ["10.0.0.2-10.1.0.0", "fd00::2-fd00:1::"],
  ["192.168.9.0/24", "fd09::/64"],
  ["192.168.1.0/24", "fd01::/64"],
  ["192.168.1.7", "fd01::7"],
  ["172.17.0.4", "fd17::4"],
  ["10.0.0.0/8", "fd00::/16"],
  ["10.1.0.0/16", "fd00:1::/32"],
  ["10.0.0.1", "fd00::1"],
  ["10.0.0.2", "fd00::2"],
  ["0.0.0.0/1", "::/1"],
  ["-m ttl --ttl-gt 64", "-m hl --hl-gt 64"],
  ["-j TTL --ttl-set 9", "-j HL --hl-set 9"],
  ["icmp-host-prohibited", "icmp6-adm-prohibited"],
];

function ipv6Text(text: string): string {
  return ipv6Words.reduce((t, [from, to]) => t.split(from).join(to), text);
}

function printRulesetSpec(spec: RulesetSpec): string {
  const [pIn = "ACCEPT", pFwd = "ACCEPT", pOut = "ACCEPT"] = spec.policies;
  const lines = ["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", ":N1 - [0:0]"];
  for (const [chain, rules] of Object.entries(spec.nat)) for (const r of rules) lines.push(printRuleSpec(chain, r));
  lines.push("COMMIT", "*filter", `:INPUT ${pIn} [0:0]`, `:FORWARD ${pFwd} [0:0]`, `:OUTPUT ${pOut} [0:0]`, ":U1 - [0:0]", ":U2 - [0:0]");
  for (const [chain, rules] of Object.entries(spec.filter)) for (const r of rules) lines.push(printRuleSpec(chain, r));
  lines.push("COMMIT");
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------- properties

describe("checkEquivalence: eval(R) = eval(translate(R))", () => {
  it.each(["ipv4", "ipv6"] as const)("holds on generated %s rulesets (filter and nat, 1-3 chains deep, marks, conntrack, NAT, reject) and packets aimed at their rules", (family) => {
    const seed = propertySeed();
    try {
      fc.assert(
        fc.property(arbRulesetSpec, fc.integer({ min: 1, max: 0x7fffffff }), (spec, packetSeed) => {
          const text = family === "ipv4" ? printRulesetSpec(spec) : ipv6Text(printRulesetSpec(spec));
          const ruleset = parse(text, family);
          const nft = translated(ruleset);
          const result = checkEquivalence(ruleset, nft, { count: 40, seed: packetSeed });
          if (result.kind !== "equivalent") throw new Error(report(text, nft, result));
          // Nothing generated here is outside both evaluators' models: a refusal would hide a difference.
          if (result.unsupported.length > 0) throw new Error(`unsupported: ${result.unsupported.map((u) => `${u.side} ${u.feature}`).join(", ")}\n${text}`);
        }),
        { seed, numRuns: 200 },
      );
    } catch (e) {
      // fast-check keeps the property's own error (the printed counterexample) as the cause.
      const cause = e instanceof Error && e.cause instanceof Error ? `\n${e.cause.message}` : "";
      throw new Error(`seed ${seed} (replay with FC_SEED=${seed})\n${e instanceof Error ? e.message : String(e)}${cause}`);
    }
  });

  const seedText = readFileSync("test/fixtures/corpus/seed/kube-proxy-minikube-nat.rules", "utf8");
  const seedRuleset = parse(seedText);
  const seedNft = translated(seedRuleset);
  /** Packets at the seed's services (dns udp 53, httpd tcp 8080), from inside and outside the pod network. */
  const servicePackets: readonly Packet[] = (["input", "forward", "output"] as const).flatMap((path) =>
    ["10.244.0.5", "172.17.0.4", "192.168.49.1"].flatMap((saddr) => [
      packet(path, { saddr, daddr: "10.96.0.10", l4proto: 17, dport: 53, sport: 5353 }),
      packet(path, { saddr, daddr: "10.96.0.10", l4proto: 6, dport: 53, sport: 5353 }),
      packet(path, { saddr, daddr: "10.107.19.164", l4proto: 6, dport: 8080 }),
      packet(path, { saddr, daddr: "10.107.19.164", l4proto: 6, dport: 8081 }),
      packet(path, { saddr, daddr: "10.107.19.164", l4proto: 6, dport: 8080, mark: 0x4000 }),
    ]),
  );

  it("holds on the seed kube-proxy ruleset at its service addresses and on generated packets", () => {
    const atServices = checkEquivalence(seedRuleset, seedNft, { packets: servicePackets });
    expect(atServices.kind, report(seedText, seedNft, atServices)).toBe("equivalent");
    expect(atServices).toMatchObject({ packets: servicePackets.length, paths: ["input", "forward", "output"], unsupported: [] });
    const generated = checkEquivalence(seedRuleset, seedNft, { count: 700, seed: propertySeed() });
    expect(generated.kind, report(seedText, seedNft, generated)).toBe("equivalent");
    expect(generated).toMatchObject({ packets: 2100, unsupported: [] });
  });

  // ---------------------------------------------------------------- mutation checks

  /** A deep copy of `value` in which each object `edit` returns something for is replaced by that. */
  function rewrite<T>(value: T, edit: (node: Record<string, unknown>) => unknown): T {
    const walk = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(walk);
      if (typeof v !== "object" || v === null) return v;
      const replaced = edit(v as Record<string, unknown>);
      if (replaced !== undefined) return replaced;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    };
    return walk(value) as T;
  }

  /** `nft` with the first node `edit` changes changed (the others kept), and how many it changed. */
  function mutateFirst(nft: NftRuleset, edit: (node: Record<string, unknown>) => unknown): NftRuleset {
    let done = false;
    const result = rewrite(nft, (node) => {
      if (done) return undefined;
      const replaced = edit(node);
      if (replaced !== undefined) done = true;
      return replaced;
    });
    expect(done, "the mutation found nothing to change").toBe(true);
    return result;
  }

  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  const kindOf = (v: unknown, kind: string): boolean => isObject(v) && v.kind === kind;

  function expectCaught(ruleset: Ruleset, mutant: NftRuleset, packets?: readonly Packet[]): void {
    // The unmutated translation agrees, so the difference comes from the mutation.
    const good = checkEquivalence(ruleset, translated(ruleset), packets === undefined ? { count: 300 } : { packets });
    expect(good.kind).toBe("equivalent");
    const bad = checkEquivalence(ruleset, mutant, packets === undefined ? { count: 300 } : { packets });
    expect(bad.kind, printNftText(mutant)).toBe("counterexample");
  }

  it("catches a protocol match dropped before NAT", () => {
    const text = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A PREROUTING -d 10.96.0.1/32 -p tcp -j DNAT --to-destination 172.17.0.4\nCOMMIT\n";
    const ruleset = parse(text);
    const nft = translated(ruleset);
    // Remove the l4proto / ip protocol match of the rule that does the DNAT.
    const mutant = mutateFirst(nft, (node) => {
      if (!kindOf(node, "rule") || !Array.isArray(node.exprs) || !node.exprs.some((e) => kindOf(e, "dnat"))) return undefined;
      const exprs = node.exprs.filter((e) => !(kindOf(e, "match") && isObject(e) && isObject(e.left) && ((e.left.kind === "meta" && e.left.key === "l4proto") || (e.left.kind === "payload" && e.left.field === "protocol"))));
      return exprs.length === node.exprs.length ? undefined : { ...node, exprs };
    });
    expectCaught(ruleset, mutant);
  });

  it("catches a port range shifted by one", () => {
    const text = "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 1000:2000 -j ACCEPT\nCOMMIT\n";
    const ruleset = parse(text);
    const mutant = mutateFirst(translated(ruleset), (node) => {
      if (!kindOf(node, "range") || !isObject(node.low) || !isObject(node.high) || typeof node.low.value !== "number" || typeof node.high.value !== "number") return undefined;
      return { ...node, low: { ...node.low, value: node.low.value + 1 }, high: { ...node.high, value: node.high.value + 1 } };
    });
    expectCaught(ruleset, mutant);
  });

  it("catches --set-xmark treated as a plain set (seed ruleset)", () => {
    // meta mark set meta mark | 0x4000  →  meta mark set 0x4000: other mark bits are lost.
    const mutant = mutateFirst(seedNft, (node) => {
      if (!kindOf(node, "mangle") || !isObject(node.key) || node.key.kind !== "meta" || node.key.key !== "mark" || !kindOf(node.value, "binop") || !isObject(node.value)) return undefined;
      return { ...node, value: node.value.right };
    });
    const marked = servicePackets.map((p) => ({ ...p, mark: 0x1 }));
    expectCaught(seedRuleset, mutant, marked);
    expectCaught(seedRuleset, mutant);
  });

  it("catches a lost negation (seed ruleset)", () => {
    const mutant = mutateFirst(seedNft, (node) => (kindOf(node, "match") && node.op === "!=" ? { ...node, op: "==" } : undefined));
    expectCaught(seedRuleset, mutant, servicePackets);
    expectCaught(seedRuleset, mutant);
  });

  it("catches a statistic threshold rounded the other way (seed ruleset)", () => {
    // meta random & 0x7fffffff < 1073741824  →  < 1073741825: p differs by 2^-31, which exact distributions see.
    const mutant = mutateFirst(seedNft, (node) => {
      if (!kindOf(node, "match") || node.op !== "<" || !isObject(node.left) || !isObject(node.right) || typeof node.right.value !== "number") return undefined;
      if (!JSON.stringify(node.left).includes('"random"')) return undefined;
      return { ...node, right: { ...node.right, value: node.right.value + 1 } };
    });
    expectCaught(seedRuleset, mutant, servicePackets);
  });
});
