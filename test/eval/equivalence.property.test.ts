/**
 * eval(R) = eval(translate(R)) on generated rulesets, ipsets, packets and packet sequences, and on the seed
 * kube-proxy ruleset; and mutation checks: deliberately wrong translations that {@link checkEquivalence}
 * must catch.
 *
 * Rulesets come from test/arb/eq-ruleset.ts: all five tables, user chains reached by jumps and gotos,
 * returns, negations, and every match and target module both evaluators model and the translator
 * translates (the modules left out, and why, are in {@link leftOutMatches} and {@link leftOutTargets}),
 * with `ipset save` data for `-m set` and `-j SET`. Packets and rules share one small vocabulary
 * (test/arb/eq-vocabulary.ts), so packets hit rules. Each ruleset is checked on single packets (each from
 * the empty state) and on packet sequences, where state (limit and hashlimit buckets, quotas, nth counters,
 * recent lists, dynamic sets, connection marks) carries from packet to packet on both sides while the clock
 * moves forward by generated steps.
 *
 * The seed is pinned (test/arb/seed.ts); `FC_SEED=<n>` replays another run. A failure prints the seed, the
 * ruleset as iptables-save and nft text, the ipsets, the packet (and the packets before it in its
 * sequence) and both outcomes with their traces, after fast-check shrank ruleset, ipsets and packets.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type IpsetSave, type KnownMatch, type KnownTarget, type Ruleset, matchSchemas, printIpsetSave, printRuleset, targetSchemas } from "../../src/ast/index.js";
import { type EquivalenceResult, checkEquivalence, describeCounterexample } from "../../src/eval/equivalence.js";
import type { Packet, PacketPath } from "../../src/eval/packet.js";
import { type NftRuleset, printNftText } from "../../src/nft/index.js";
import { parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import { eqMatchBuilders, eqTargetBuilders } from "../arb/eq-modules.js";
import { arbIpsets } from "../arb/eq-ipsets.js";
import { arbEqPacket, arbPacketSequence } from "../arb/eq-packets.js";
import { arbEqRuleset } from "../arb/eq-ruleset.js";
import { equivalenceHost } from "../arb/eq-vocabulary.js";
import { propertySeed } from "../arb/seed.js";
import { newConnection } from "../helpers/eval.js";

// ---------------------------------------------------------------- sizes

/**
 * How much the property checks in CI: RULESETS rulesets per family (IPv4 and IPv6), each on PACKETS single
 * packets and on SEQUENCES sequences of up to SEQUENCE_LENGTH packets. The issue asks for at least 1,000
 * rulesets × 100 packets: both families together make 1,000 rulesets, each with 100 single packets and
 * up to 40 more in sequences. Measured on the shared 2-core machine: about 18 s per family (22 s of CPU
 * for the whole file), inside the 90 s budget of all property files. `EQ_RULESETS=<n>` runs more or fewer.
 */
const RULESETS = Number(process.env.EQ_RULESETS ?? 500);
const PACKETS = 100;
const SEQUENCES = 4;
const SEQUENCE_LENGTH = 10;

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

const formatP = (p: { readonly num: bigint; readonly den: bigint }): string => `${p.num.toString()}/${p.den.toString()}`;

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

// ---------------------------------------------------------------- what is generated

/**
 * Match modules the generator leaves out, each with the reason. Every other known match is generated
 * (test/arb/eq-modules.ts `eqMatchBuilders`); a test below checks that the two lists cover every module.
 */
const leftOutMatches: { readonly [K in KnownMatch["kind"]]?: string } = {
  policy: "not modelled by the iptables evaluator (no IPsec policy state)",
  frag: "not modelled by the iptables evaluator (no IPv6 Fragment header fields)",
  realm: "not modelled by the iptables evaluator (no routing realms)",
  cgroup: "not modelled by the iptables evaluator (no cgroups)",
  cluster: "not modelled by the iptables evaluator; also refused by the translator (xt_cluster's hash)",
  string: "not modelled by the iptables evaluator (no payload); refused by the translator",
  u32: "not modelled by the iptables evaluator (no payload)",
  bpf: "not modelled by the iptables evaluator; refused by the translator",
  physdev: "refused by the translator in ip/ip6 tables (nft sees no bridge ports there)",
};

/** Target extensions the generator leaves out, each with the reason (see {@link leftOutMatches}). */
const leftOutTargets: { readonly [K in KnownTarget["kind"]]?: string } = {
  CHECKSUM: "refused by the translator (nft computes no checksums)",
  TCPMSS: "refused by the translator (nft only rewrites an MSS option that is present)",
  SECMARK: "refused by the translator (no nft secmark objects in the nft model)",
  CONNSECMARK: "refused by the translator (nft cannot test a secmark for zero)",
  IDLETIMER: "refused by the translator (nft has no idle timer)",
  LED: "refused by the translator (nft has no LED trigger)",
  HMARK: "not modelled by the iptables evaluator; refused by the translator (jhash differs)",
  SNPT: "not modelled by the iptables evaluator; refused by the translator",
  DNPT: "not modelled by the iptables evaluator; refused by the translator",
  SYNPROXY: "not modelled by the iptables evaluator (it answers handshakes itself)",
  TCPOPTSTRIP: "not modelled by the iptables evaluator",
  TEE: "not modelled by the iptables evaluator (it duplicates the packet)",
};

describe("the equivalence generator", () => {
  it("generates every match and target module or says why it leaves it out", () => {
    const generatedMatches = Object.keys(eqMatchBuilders);
    const generatedTargets = Object.keys(eqTargetBuilders);
    expect(generatedMatches.filter((k) => k in leftOutMatches)).toEqual([]);
    expect(generatedTargets.filter((k) => k in leftOutTargets)).toEqual([]);
    expect(Object.keys(matchSchemas).filter((k) => !generatedMatches.includes(k) && !(k in leftOutMatches))).toEqual([]);
    expect(Object.keys(targetSchemas).filter((k) => !generatedTargets.includes(k) && !(k in leftOutTargets))).toEqual([]);
  });

  it.each(["ipv4", "ipv6"] as const)("generates valid %s rulesets: they print and parse back to themselves", (family) => {
    const strip = (r: Ruleset): unknown => JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === "span" ? undefined : typeof v === "bigint" ? v.toString() : v)));
    for (const ruleset of fc.sample(arbEqRuleset(family), { seed: propertySeed(), numRuns: 30 })) {
      const text = printRuleset(ruleset);
      expect(strip(parse(text, family)), text).toEqual(strip(ruleset));
    }
  });
});

// ---------------------------------------------------------------- properties

/** The whole story of a failed check: seed, iptables-save text, ipsets, nft text, the packet(s) and both outcomes. */
function reportGenerated(ruleset: Ruleset, ipsets: IpsetSave | undefined, nft: NftRuleset | undefined, result: EquivalenceResult | string): string {
  const texts = [`--- iptables-save\n${printRuleset(ruleset)}`, ...(ipsets === undefined ? [] : [`--- ipset save\n${printIpsetSave(ipsets)}`]), ...(nft === undefined ? [] : [`--- nft\n${printNftText(nft)}`])];
  if (typeof result === "string") return [result, ...texts].join("\n");
  switch (result.kind) {
    case "equivalent":
      return "equivalent";
    case "unchecked":
      return [`unchecked (${result.side}: ${result.feature}: ${result.message})`, ...texts].join("\n");
    case "counterexample":
      return [...texts, `--- counterexample\n${describeCounterexample(result)}`].join("\n");
    default:
      return assertNever(result);
  }
}

/** Runs a property with the pinned seed; a failure names the seed and keeps the property's own report. */
function assertWithSeed<T>(property: fc.IProperty<T>, numRuns: number): void {
  const seed = propertySeed();
  try {
    fc.assert(property, { seed, numRuns });
  } catch (e) {
    // fast-check keeps the property's own error (the printed counterexample) as the cause. Its own message
    // lists every generated value (a hundred packets); the cause names the ones that matter.
    const message = e instanceof Error ? e.message : String(e);
    const cause = e instanceof Error && e.cause instanceof Error ? `\n${e.cause.message}` : "";
    const summary = message.split("\n").filter((line) => !line.startsWith("Counterexample:") && line.length < 2000);
    throw new Error(`seed ${seed} (replay with FC_SEED=${seed})\n${summary.join("\n")}${cause}`);
  }
}

describe("checkEquivalence: eval(R) = eval(translate(R))", () => {
  it.each(["ipv4", "ipv6"] as const)(
    `holds on ${String(RULESETS)} generated %s rulesets (five tables, user chains, every modelled module, ipsets), each on ${String(PACKETS)} packets and ${String(SEQUENCES)} sequences of up to ${String(SEQUENCE_LENGTH)} packets with a clock`,
    (family) => {
      const property = fc.property(
        arbEqRuleset(family),
        arbIpsets(family),
        fc.array(arbEqPacket(family), { minLength: PACKETS, maxLength: PACKETS }),
        fc.array(arbPacketSequence(family, SEQUENCE_LENGTH), { minLength: SEQUENCES, maxLength: SEQUENCES }),
        (ruleset, ipsets, packets, sequences) => {
          const translated = translate(ruleset, { ipsets });
          if (translated.value === undefined) throw new Error(reportGenerated(ruleset, ipsets, undefined, `refused by the translator: ${translated.diagnostics.map((d) => d.message).join("; ")}`));
          const nft = translated.value.nft;
          const result = checkEquivalence(ruleset, nft, { packets, sequences, ipsets, host: equivalenceHost });
          if (result.kind !== "equivalent") throw new Error(reportGenerated(ruleset, ipsets, nft, result));
          // Nothing generated here is outside both evaluators' models: a refusal would hide a difference.
          if (result.unsupported.length > 0) throw new Error(reportGenerated(ruleset, ipsets, nft, `unsupported: ${result.unsupported.map((u) => `${u.side} ${u.feature}: ${u.message}`).join(", ")}\npacket: ${JSON.stringify(result.unsupported[0]?.packet, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`));
        },
      );
      assertWithSeed(property, RULESETS);
    },
  );

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

  it("catches a limit burst off by one, over a packet sequence only", () => {
    const text = "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m limit --limit 1/sec --limit-burst 2 -j ACCEPT\nCOMMIT\n";
    const ruleset = parse(text);
    const mutant = mutateFirst(translated(ruleset), (node) => (kindOf(node, "limit") && typeof node.burst === "number" ? { ...node, burst: node.burst + 1 } : undefined));
    const syn = packet("input", {});
    // Three packets at once and one half a second later: the third is over the burst of 2.
    const burst = [0, 0, 0, 0.5].map((advance) => ({ packet: syn, advance }));
    expect(checkEquivalence(ruleset, mutant, { packets: [syn, syn, syn] }).kind, "single packets each start with a full bucket").toBe("equivalent");
    expect(checkEquivalence(ruleset, translated(ruleset), { sequences: [burst] })).toMatchObject({ kind: "equivalent", packets: 4, sequences: 1, truncated: 0 });
    expect(checkEquivalence(ruleset, mutant, { sequences: [burst] })).toMatchObject({ kind: "counterexample", sequence: { index: 0, step: 2, clock: 1_700_000_000 } });
  });

  it("catches a quota counted from the wrong start, over a packet sequence only", () => {
    const text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m quota --quota 100 -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n";
    const ruleset = parse(text);
    const mutant = mutateFirst(translated(ruleset), (node) => (kindOf(node, "quota") && typeof node.bytes === "bigint" ? { ...node, bytes: node.bytes + 60n } : undefined));
    const sixty = packet("input", { length: 60 });
    const twice = [0, 1].map((advance) => ({ packet: sixty, advance }));
    expect(checkEquivalence(ruleset, mutant, { packets: [sixty] }).kind).toBe("equivalent");
    expect(checkEquivalence(ruleset, translated(ruleset), { sequences: [twice] }).kind).toBe("equivalent");
    expect(checkEquivalence(ruleset, mutant, { sequences: [twice] })).toMatchObject({ kind: "counterexample", sequence: { step: 1 } });
  });

  it("catches a connlimit count off by one, over a sequence of connections only", () => {
    const text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m connlimit --connlimit-above 2 --connlimit-mask 24 --connlimit-saddr -j REJECT --reject-with tcp-reset\nCOMMIT\n";
    const ruleset = parse(text);
    const mutant = mutateFirst(translated(ruleset), (node) => (kindOf(node, "ct count") && typeof node.count === "number" ? { ...node, count: node.count + 1 } : undefined));
    // Three new connections from one /24: the third is over the limit of 2; a fourth from another /24 is not.
    const connections = [40001, 40002, 40003].map((sport) => ({ packet: packet("input", { saddr: "10.0.0.2", sport }), advance: 1 }));
    const sequence = [...connections, { packet: packet("input", { saddr: "10.9.0.2", sport: 40004 }), advance: 1 }];
    expect(checkEquivalence(ruleset, mutant, { packets: sequence.map((t) => t.packet) }).kind, "single packets each start with no connection counted").toBe("equivalent");
    const good = checkEquivalence(ruleset, translated(ruleset), { sequences: [sequence] });
    expect(good).toMatchObject({ kind: "equivalent", packets: 4 });
    expect(checkEquivalence(ruleset, mutant, { sequences: [sequence] })).toMatchObject({ kind: "counterexample", sequence: { step: 2 } });
  });

  it("compares sequences branch by branch when a rule is random, and names the branch that differs", () => {
    // Half of the packets spend the quota: after an accepted first packet, a second one (again picked with
    // p = 1/2) finds 60 of 100 bytes used and is dropped; after a dropped one it is accepted.
    const text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m statistic --mode random --probability 0.50000000000 -m quota --quota 100 -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n";
    const ruleset = parse(text);
    const mutant = mutateFirst(translated(ruleset), (node) => (kindOf(node, "quota") && typeof node.bytes === "bigint" ? { ...node, bytes: node.bytes + 60n } : undefined));
    const sixty = packet("input", { length: 60 });
    const twice = [0, 1].map((advance) => ({ packet: sixty, advance }));
    expect(checkEquivalence(ruleset, translated(ruleset), { sequences: [twice] })).toMatchObject({ kind: "equivalent", packets: 2, truncated: 0 });
    const bad = checkEquivalence(ruleset, mutant, { sequences: [twice] });
    expect(bad.kind).toBe("counterexample");
    if (bad.kind !== "counterexample") return;
    expect(bad.sequence?.step).toBe(1);
    expect(bad.sequence?.history[0]).toMatch(/^accept/);
    // On that branch (p = 1/2 so far), the second packet is accepted with p = 1/4 on the nft side only.
    expect(bad.iptables.distribution.map((d) => [d.key.split(";")[0], formatP(d.p)])).toEqual([["drop", "1/2"]]);
    expect(bad.nft.distribution.map((d) => [d.key.split(";")[0], formatP(d.p)])).toEqual([
      ["accept", "1/4"],
      ["drop", "1/4"],
    ]);
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
