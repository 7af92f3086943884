/**
 * Agreement with the real kernel (issue 4, item 7): one ruleset, its translation and a batch of packets go
 * through the two routers of a {@link KernelLab}; then, rule by rule, the packet counter of the iptables rule
 * (iptables-legacy-save -c), the sum of the counters of the nft rules translated from it (nft -j list
 * ruleset) and the count the iptables evaluator predicts must agree, and so must what reaches each server
 * (addresses and ports after NAT, TTL, DSCP) with each other and with the evaluator's outcome.
 *
 * Pairing: every rule of the input carries a `[0:0]` counter, so the translator gives each nft rule made
 * from it a `counter` and its `span` (the iptables rule's place in the input); a rule split in several nft
 * rules counts the sum of theirs. A built-in chain's policy counter is the counting rule the translator adds
 * at the end of the base chain. nft lists rules in chain order, so the listed rules pair with the translated
 * model's rules by position.
 *
 * Prediction: each packet is run through {@link evaluateIptables} with a host model of the router (its two
 * interfaces and addresses), the state carried from packet to packet as the kernel's is (limit, recent,
 * quota). The kernel picks the path after prerouting from the destination address (a DNAT to the router
 * makes a forwarded packet local, and the other way round), while the evaluator follows `packet.path`: so
 * the outcomes are kept whose address after prerouting fits the path they were evaluated on, evaluating
 * the other path too when needed. The rules each outcome's trace lists are the ones predicted to count it.
 * Where the outcome is a distribution (statistic random), a counter must lie between the least and the
 * most its packets can add.
 */
import type { Family, IpsetSave, Ruleset, Target } from "../../src/ast/index.js";
import { addressInPrefix, connectionTuples, emptyState, type EvalState, formatRational, type WeightedOutcome } from "../../src/eval/common.js";
import { generatePackets } from "../../src/eval/equivalence.js";
import { evaluateIptables, type IptablesProgram, prepareIptables } from "../../src/eval/iptables.js";
import type { HostModel, Packet, PacketPath } from "../../src/eval/packet.js";
import { type NftRuleset, printNftText } from "../../src/nft/index.js";
import { parseIpsetSave, parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import { type KernelLab, labAddresses, type RouterInterfaces, type WirePacket, type WirePacketSpec } from "./kernel-lab.js";

/** One check: a ruleset, the router's interface names for it, and the packets to send. */
export interface KernelCase {
  readonly name: string;
  readonly family: Family;
  /** iptables-save text; every rule and chain counter is set to [0:0] before loading. */
  readonly iptables: string;
  /** `ipset save` text the rules need. */
  readonly ipsets?: string;
  readonly interfaces: RouterInterfaces;
  /** Packets as the evaluator sees them, made with {@link labPacket}; their index is their tag. */
  readonly packets: (rs: Ruleset, host: HostModel) => readonly Packet[];
}

/** What one check found. */
export interface KernelCaseResult {
  /** Why the case could not be checked at all (translation refused); undefined when it ran. */
  readonly skipped?: string;
  /** Disagreements, one line each; empty when everything agreed. */
  readonly disagreements: readonly string[];
  /** The whole story for a failure message: rulesets, counters, packets, predictions. */
  readonly report: string;
  readonly packets: number;
  readonly rules: number;
  /** Whether the evaluator modelled the ruleset (else only the two kernels were compared). */
  readonly predicted: boolean;
}

/** The host model of the lab's router with these interface names. */
export function labHost(interfaces: RouterInterfaces): HostModel {
  const a4 = labAddresses.ipv4;
  const a6 = labAddresses.ipv6;
  return {
    localAddresses: [a4.in, a4.out, a4.self, "127.0.0.1", a6.in, a6.out, a6.self, "::1"],
    broadcastAddresses: [],
    interfaces: [
      { name: "lo", group: 0, addresses: ["127.0.0.1/8", a4.self, "::1", a6.self] },
      { name: interfaces.in, group: 0, addresses: [a4.in, a6.in] },
      { name: interfaces.out, group: 0, addresses: [a4.out, a6.out] },
    ],
    // As configureRouters sets them: each peer on its own link, everything else through the gateway.
    routes: [
      { destination: `${a4.client}/32`, nexthops: [interfaces.in] },
      { destination: `${a6.client}/128`, nexthops: [interfaces.in] },
      { destination: `${a4.gateway}/32`, nexthops: [interfaces.out] },
      { destination: `${a6.gateway}/128`, nexthops: [interfaces.out] },
      { destination: "0.0.0.0/0", nexthops: [interfaces.out] },
      { destination: "::/0", nexthops: [interfaces.out] },
    ],
  };
}

/** Match modules whose kernel code takes a conntrack reference for the namespace (nf_ct_netns_get). */
const conntrackMatches: ReadonlySet<string> = new Set(["conntrack", "state", "connmark", "connbytes", "connlabel", "connlimit", "helper", "cluster"]);
/** Targets that do the same. */
const conntrackTargets: ReadonlySet<string> = new Set(["CONNMARK", "CT", "NOTRACK", "CONNSECMARK", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP", "SYNPROXY"]);

/**
 * Whether the kernel tracks connections of the ruleset's family at all. Conntrack runs in a namespace only
 * while something holds a reference to it: a rule with one of these modules (or, on the nft side, a ct,
 * nat or masquerade expression). Without one, packets carry no connection, and the nat chains are never
 * traversed (nf_nat_inet_fn lets a packet without conntrack entry through untouched): measured here, an
 * OpenStack nat table of plain jumps counts nothing in both kernels. Packets are then given to the
 * evaluator without a connection.
 */
export function usesConntrack(ruleset: Ruleset): boolean {
  return ruleset.tables.some((t) => t.rules.some((r) => r.matches.some((m) => conntrackMatches.has(m.kind)) || (r.target !== undefined && conntrackTargets.has(r.target.kind))));
}

function untracked(p: Packet): Packet {
  const { ct: _none, ...rest } = p;
  return { ...rest, ctInvalid: true };
}

/** Every line's counters set to [0:0] (added where missing), so the translation counts every rule. */
export function zeroCounters(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      const rule = /^(?:\[\d+:\d+\]\s+)?(-A\s.*)$/.exec(line);
      if (rule?.[1] !== undefined) return `[0:0] ${rule[1]}`;
      const chain = /^(:\S+\s+\S+)(?:\s+\[\d+:\d+\])?\s*$/.exec(line);
      if (chain?.[1] !== undefined) return `${chain[1]} [0:0]`;
      return line;
    })
    .join("\n");
}

/** What a lab packet is made of; the rest is filled in by {@link labPacket}. */
export interface LabPacketFields {
  readonly saddr: string;
  readonly daddr: string;
  readonly l4proto: number;
  readonly sport?: number;
  readonly dport?: number;
  readonly tcpFlags?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  readonly ttl?: number;
  readonly dscp?: number;
  readonly ecn?: number;
  readonly length?: number;
  /** Sent by the router itself (output path); give the router's own source address (labAddresses' `self`). */
  readonly fromRouter?: boolean;
}

const headerSize = (family: Family, l4proto: number): number => (family === "ipv4" ? 20 : 40) + (l4proto === 6 ? 20 : l4proto === 17 || l4proto === 1 || l4proto === 58 ? 8 : 0) + 8;

/** Whether the router treats the address as its own (an address of one of its interfaces). */
export function isRouterAddress(address: string): boolean {
  return Object.values(labAddresses).some((a) => a.in === address || a.out === address || a.self === address);
}

/**
 * A packet as the router meets it: arriving on the client-side interface from the client's MAC, to the
 * router (input path) when the destination is one of its addresses, else forwarded out the server side.
 * Conntrack sees every packet as a new flow, as the kernel does for a first packet: TCP SYN, ACK and
 * PSH-ACK open one (nf_conntrack_tcp_loose), SYN-ACK, FIN-ACK, RST and SYN-FIN are invalid (no entry),
 * ICMP echo requests open one and echo replies are invalid; UDP always opens one.
 */
export function labPacket(family: Family, interfaces: RouterInterfaces, f: LabPacketFields): Packet {
  const path: PacketPath = f.fromRouter === true ? "output" : isRouterAddress(f.daddr) ? "input" : "forward";
  const icmp = f.l4proto === 1 || f.l4proto === 58;
  const base: Packet = {
    family,
    path,
    ...(path === "output" ? {} : { iif: interfaces.in }),
    ...(path === "input" ? {} : { oif: interfaces.out }),
    saddr: f.saddr,
    daddr: f.daddr,
    l4proto: f.l4proto,
    ...(f.l4proto === 6 || f.l4proto === 17 ? { sport: f.sport ?? 40000, dport: f.dport ?? 80 } : {}),
    ...(f.l4proto === 6 ? { tcpFlags: f.tcpFlags ?? 0x02 } : {}),
    ...(icmp ? { icmpType: f.icmpType ?? (family === "ipv4" ? 8 : 128), icmpCode: f.icmpCode ?? 0 } : {}),
    length: Math.min(1400, Math.max(headerSize(family, f.l4proto), f.length ?? 100)),
    ttl: f.ttl ?? 64,
    dscp: f.dscp ?? 0,
    ecn: f.ecn ?? 0,
    mark: 0,
    pkttype: "unicast",
    // The client's MAC on arrival; the router's own packets have a socket (packets.py's raw socket, root's).
    ...(path === "output" ? { socket: { uid: 0, gid: 0, transparent: false, mark: 0, full: true, wildcard: true } } : { mac: "02:00:00:00:01:02" }),
    cpu: 0,
  };
  const opens = f.l4proto === 6 ? [0x02, 0x10, 0x18].includes(base.tcpFlags ?? 0) : icmp ? base.icmpType === (family === "ipv4" ? 8 : 128) : true;
  if (!opens) return { ...base, ctInvalid: true };
  return {
    ...base,
    ct: {
      state: "new",
      status: { expected: false, seenReply: false, assured: false, confirmed: false, snat: false, dnat: false },
      mark: 0,
      zone: 0,
      direction: "original",
      ...connectionTuples(base),
      expires: 120,
      packets: { original: 1n, reply: 0n },
      bytes: { original: BigInt(base.length), reply: 0n },
      labels: [],
    },
  };
}

// ---------------------------------------------------------------- prediction

/** One possible arrival at the server; undefined fields may take any value (a NAT the kernel randomizes). */
interface WireExpectation {
  readonly saddr?: string;
  readonly daddr?: string;
  readonly sport?: number;
  readonly dport?: number;
  readonly ttl: number;
  readonly tos: number;
}

/** What the evaluator says about one packet. */
interface Prediction {
  readonly outcomes: readonly WeightedOutcome[];
  /** Rule key → [least, most] times this packet is counted. */
  readonly counts: ReadonlyMap<string, readonly [number, number]>;
  /** Possible arrivals at the server ("none" when an outcome does not reach it). */
  readonly wire: readonly (WireExpectation | "none")[];
}

interface NatFreedom {
  readonly srcAddr: boolean;
  readonly srcPort: boolean;
  readonly dstAddr: boolean;
  readonly dstPort: boolean;
}

const noFreedom: NatFreedom = { srcAddr: false, srcPort: false, dstAddr: false, dstPort: false };

interface NatRangeValue {
  readonly addresses?: { readonly from: { readonly address: string }; readonly to: { readonly address: string } };
  readonly ports?: { readonly from: number; readonly to: number };
}

/**
 * Which parts of the packet a NAT target leaves to the kernel's choice, where the evaluator takes a
 * deterministic stand-in (see chooseNatTuple): a port under --random / --random-fully, a source port
 * outside the SNAT range (the kernel starts at a random offset), an address in a range (hashed).
 */
function natFreedom(target: Target, oldSport: number | undefined): NatFreedom {
  const hashed = (r: NatRangeValue | undefined): boolean => r?.addresses !== undefined && r.addresses.from.address !== r.addresses.to.address;
  const outside = (ports: { readonly from: number; readonly to: number } | undefined): boolean => ports !== undefined && (oldSport === undefined || oldSport < ports.from || oldSport > ports.to);
  if (target.kind === "SNAT") {
    const range: NatRangeValue | undefined = target.toSource?.value;
    return { ...noFreedom, srcAddr: hashed(range), srcPort: target.random !== undefined || target.randomFully !== undefined || outside(range?.ports) };
  }
  if (target.kind === "MASQUERADE") return { ...noFreedom, srcPort: target.random !== undefined || target.randomFully !== undefined || outside(target.toPorts?.value) };
  if (target.kind === "DNAT") {
    const range: NatRangeValue | undefined = target.toDestination?.value;
    return { ...noFreedom, dstAddr: hashed(range), dstPort: target.random !== undefined && range?.ports !== undefined };
  }
  if (target.kind === "REDIRECT") return { ...noFreedom, dstPort: target.random !== undefined && target.toPorts !== undefined };
  return noFreedom;
}

function ruleAt(ruleset: Ruleset, table: string, chain: string, index: number): Ruleset["tables"][number]["rules"][number] | undefined {
  return ruleset.tables.find((t) => t.name === table)?.rules.filter((r) => r.chain === chain)[index];
}

/** What {@link predict} says of a router's own packet that would come back to it through lo. */
const loopsBack = "loops back through lo";

/** The packet through the evaluator on the path the kernel routes it on. */
function predict(ruleset: Ruleset, program: IptablesProgram, packet: Packet, state: EvalState, host: HostModel, ipsets: IpsetSave | undefined): Prediction | string {
  const options = { host, clock: { now: 1_700_000_000 }, ...(ipsets === undefined ? {} : { ipsets }) };
  const on = (path: PacketPath): readonly WeightedOutcome[] | string => {
    const p: Packet = { ...packet, path, ...(path === "forward" ? { oif: host.interfaces[2]?.name ?? "" } : {}) };
    const { oif: _drop, ...withoutOif } = p;
    const r = evaluateIptables(program, path === "input" ? withoutOif : p, state, options);
    if (r.kind === "unsupported") return `${r.feature}: ${r.message}`;
    // The router's own packets: a NAT to one of its addresses sends the packet round through lo (prerouting
    // and input too), which the evaluator's output path does not walk; such a packet is not sent.
    if (path === "output") return r.outcomes.some((w) => isRouterAddress(w.outcome.packet.daddr)) ? loopsBack : r.outcomes;
    // Kept when the destination after prerouting routes the way this evaluation went.
    return r.outcomes.filter((w) => isRouterAddress(w.outcome.packet.daddr) === (path === "input"));
  };
  const first = on(packet.path);
  if (typeof first === "string") return first;
  let outcomes = first;
  const total = first.reduce((s, w) => s + Number(w.p.num) / Number(w.p.den), 0);
  if (packet.path !== "output" && total < 1 - 1e-9) {
    const other = on(packet.path === "input" ? "forward" : "input");
    if (typeof other === "string") return other;
    outcomes = [...first, ...other];
  }
  const counts = new Map<string, [number, number]>();
  const perOutcome = outcomes.map((w) => {
    const c = new Map<string, number>();
    for (const s of w.outcome.trace) {
      const key = `${s.table}/${s.chain}/${String(s.rule)}`;
      c.set(key, (c.get(key) ?? 0) + 1);
    }
    return c;
  });
  const keys = new Set(perOutcome.flatMap((c) => [...c.keys()]));
  for (const k of keys) {
    const values = perOutcome.map((c) => c.get(k) ?? 0);
    counts.set(k, [Math.min(...values), Math.max(...values)]);
  }
  const wire = outcomes.map((w): WireExpectation | "none" => {
    const o = w.outcome;
    const forwarded = !isRouterAddress(o.packet.daddr);
    if (o.verdict.kind !== "accept" || !forwarded) return "none";
    let free = noFreedom;
    for (const s of o.trace) {
      if (s.rule === "policy" || s.table !== "nat") continue;
      const target = ruleAt(ruleset, s.table, s.chain, s.rule)?.target;
      if (target === undefined) continue;
      const f = natFreedom(target, packet.sport);
      free = { srcAddr: free.srcAddr || f.srcAddr, srcPort: free.srcPort || f.srcPort, dstAddr: free.dstAddr || f.dstAddr, dstPort: free.dstPort || f.dstPort };
    }
    const p = o.packet;
    return {
      ...(free.srcAddr ? {} : { saddr: p.saddr }),
      ...(free.dstAddr ? {} : { daddr: p.daddr }),
      ...(free.srcPort || p.sport === undefined ? {} : { sport: p.sport }),
      ...(free.dstPort || p.dport === undefined ? {} : { dport: p.dport }),
      // The outcome's TTL already has ip_forward's decrement for a forwarded packet (see forwardedPacket).
      ttl: p.ttl,
      tos: (p.dscp << 2) | p.ecn,
    };
  });
  return { outcomes, counts, wire };
}

function withoutSport(e: WireExpectation): WireExpectation {
  const { sport: _taken, ...rest } = e;
  return rest;
}

function wireMatches(seen: WirePacket, e: WireExpectation): boolean {
  return (
    (e.saddr === undefined || e.saddr === seen.saddr) &&
    (e.daddr === undefined || e.daddr === seen.daddr) &&
    (e.sport === undefined || e.sport === seen.sport) &&
    (e.dport === undefined || e.dport === seen.dport) &&
    e.ttl === seen.ttl &&
    e.tos === seen.tos
  );
}

function wireText(w: WirePacket | WireExpectation | "none" | undefined): string {
  if (w === undefined || w === "none") return "nothing";
  const port = (p: number | undefined, known: boolean): string => (known ? (p === undefined ? "" : `:${String(p)}`) : ":*");
  const isSeen = "id" in w;
  const sport = isSeen || "sport" in w;
  const dport = isSeen || "dport" in w;
  return `${w.saddr ?? "*"}${port(w.sport, sport)} > ${w.daddr ?? "*"}${port(w.dport, dport)} ttl ${String(w.ttl)} tos ${String(w.tos)}`;
}

function packetText(p: Packet): string {
  const l4 = p.l4proto === 6 ? `tcp flags 0x${(p.tcpFlags ?? 0).toString(16)}` : p.l4proto === 17 ? "udp" : `proto ${String(p.l4proto)}${p.icmpType === undefined ? "" : ` type ${String(p.icmpType)}`}`;
  const ports = p.sport === undefined ? "" : ` ${String(p.sport)} > ${String(p.dport)}`;
  return `${p.path} ${p.iif ?? ""}>${p.oif ?? ""} ${p.saddr} > ${p.daddr} ${l4}${ports} ttl ${String(p.ttl)} dscp ${String(p.dscp)} len ${String(p.length)} ct ${p.ct?.state ?? "invalid"}`;
}

function wireSpec(id: number, p: Packet): WirePacketSpec {
  return {
    id,
    family: p.family === "ipv4" ? 4 : 6,
    saddr: p.saddr,
    daddr: p.daddr,
    proto: p.l4proto,
    ...(p.sport === undefined ? {} : { sport: p.sport }),
    ...(p.dport === undefined ? {} : { dport: p.dport }),
    ...(p.tcpFlags === undefined ? {} : { flags: p.tcpFlags }),
    ...(p.icmpType === undefined ? {} : { icmpType: p.icmpType, icmpCode: p.icmpCode ?? 0, icmpId: id + 1 }),
    ttl: p.ttl,
    tos: (p.dscp << 2) | p.ecn,
    length: p.length,
    ...(p.path === "output" ? { fromRouter: true } : {}),
  };
}

// ---------------------------------------------------------------- the check

function parseOrThrow(name: string, text: string, family: Family): Ruleset {
  const parsed = parseRuleset(text, { family, file: name });
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (parsed.value === undefined || errors.length > 0) throw new Error(`${name}: does not parse: ${errors.map((d) => `${String(d.span.start.line)}: ${d.message}`).join("; ")}`);
  return parsed.value;
}

/** The `table/chain/index` key of each rule by the offset of its span, and every key (rules and policies) the ruleset has. */
function ruleKeys(ruleset: Ruleset): { readonly byOffset: ReadonlyMap<number, string>; readonly all: readonly string[] } {
  const byOffset = new Map<number, string>();
  const all: string[] = [];
  for (const table of ruleset.tables) {
    const index = new Map<string, number>();
    for (const chain of table.chains) if (chain.builtin) all.push(`${table.name}/${chain.name}/policy`);
    for (const rule of table.rules) {
      const n = index.get(rule.chain) ?? 0;
      index.set(rule.chain, n + 1);
      const key = `${table.name}/${rule.chain}/${String(n)}`;
      byOffset.set(rule.span.start.offset, key);
      all.push(key);
    }
  }
  return { byOffset, all };
}

/** nft counters (packets or bytes) summed per iptables rule key, or the reason they cannot be paired. */
function pairNftCounters(nft: NftRuleset, byOffset: ReadonlyMap<number, string>, listed: ReadonlyMap<string, readonly bigint[]>): Map<string, bigint> | string {
  const sums = new Map<string, bigint>();
  for (const table of nft.tables) {
    for (const chain of table.chains) {
      const counters = listed.get(`${table.family}/${table.name}/${chain.name}`) ?? [];
      if (counters.length !== chain.rules.length) return `nft lists ${String(counters.length)} rules in ${table.family} ${table.name} ${chain.name}, the translation has ${String(chain.rules.length)}`;
      chain.rules.forEach((rule, i) => {
        if (rule.counter === undefined) return;
        const policy = rule.leadingComments?.map((c) => /^policy counter of (\S+)$/.exec(c)?.[1]).find((c) => c !== undefined);
        const key = rule.span === undefined ? (policy === undefined ? undefined : `${table.name}/${policy}/policy`) : byOffset.get(rule.span.start.offset);
        if (key === undefined) return;
        sums.set(key, (sums.get(key) ?? 0n) + (counters[i] ?? 0n));
      });
    }
  }
  return sums;
}

/**
 * Runs one case through the lab and compares. Throws only when the lab itself fails (a tool error);
 * disagreements are returned.
 */
export function runKernelCase(lab: KernelLab, c: KernelCase): KernelCaseResult {
  const text = zeroCounters(c.iptables);
  const ruleset = parseOrThrow(c.name, text, c.family);
  const ipsets = c.ipsets === undefined ? undefined : parseIpsetSave(c.ipsets).value;
  const translated = translate(ruleset, { file: c.name, ...(ipsets === undefined ? {} : { ipsets }) });
  if (translated.value === undefined) {
    const why = translated.diagnostics.filter((d) => d.severity === "error").map((d) => `${String(d.span.start.line)}: ${d.message}`);
    return { skipped: `translation refused: ${why.join("; ")}`, disagreements: [], report: "", packets: 0, rules: 0, predicted: false };
  }
  const nft = translated.value.nft;
  const nftText = printNftText(nft);
  if (lab.routerInterfaces.in !== c.interfaces.in || lab.routerInterfaces.out !== c.interfaces.out) lab.configureRouters(c.interfaces);
  const host = labHost(c.interfaces);
  const tracked = usesConntrack(ruleset);
  const candidates = c.packets(ruleset, host).map((p) => (tracked ? p : untracked(p)));
  const loadError = lab.load(c.family, text, nftText, c.ipsets);
  if (loadError !== undefined) throw new Error(`${c.name}: loading failed: ${loadError}\n--- iptables\n${text}\n--- nft\n${nftText}`);

  // Prediction, packet after packet, with the state the one before left.
  const program = prepareIptables(ruleset, ipsets === undefined ? {} : { ipsets });
  const predictions: (Prediction | string)[] = [];
  const packets: Packet[] = [];
  if (program.kind !== "unsupported") {
    let state = emptyState;
    for (const p of candidates) {
      const r = predict(ruleset, program, p, state, host, ipsets);
      if (r === loopsBack) continue;
      packets.push(p);
      predictions.push(r);
      if (typeof r !== "string") state = r.outcomes[0]?.outcome.state ?? state;
    }
  } else packets.push(...candidates);
  const unpredicted = program.kind === "unsupported" ? `${program.feature}: ${program.message}` : predictions.find((p): p is string => typeof p === "string");

  const wire = lab.send(packets.map((p, i) => wireSpec(i, p)));
  const ipt = lab.iptablesCounters(c.family);
  const nftCounters = lab.nftCounters();

  const disagreements: string[] = [];
  for (const [side, arrived] of [["iptables", ipt.arrived], ["nft", nftCounters.arrived]] as const) {
    if (arrived !== BigInt(packets.length)) disagreements.push(`measurement: ${String(arrived)} of ${String(packets.length)} packets arrived at the ${side} router`);
  }
  const { byOffset, all } = ruleKeys(ruleset);
  const nftSums = pairNftCounters(nft, byOffset, nftCounters.values);
  const nftBytes = pairNftCounters(nft, byOffset, nftCounters.bytes);
  if (typeof nftSums === "string") disagreements.push(`pairing: ${nftSums}`);
  const ruleLines: string[] = [];
  const suspects = new Set<number>();
  for (const key of all) {
    const a = ipt.values.get(key)?.[0];
    const b = typeof nftSums === "string" ? undefined : (nftSums.get(key) ?? (key.endsWith("/policy") ? undefined : 0n));
    let lo = 0;
    let hi = 0;
    let predictedBytes = 0;
    const hitters: number[] = [];
    predictions.forEach((p, i) => {
      if (typeof p === "string") return;
      const [l, h] = p.counts.get(key) ?? [0, 0];
      lo += l;
      hi += h;
      predictedBytes += l * (packets[i]?.length ?? 0);
      if (h > 0) hitters.push(i);
    });
    const range = lo === hi ? String(lo) : `${String(lo)}..${String(hi)}`;
    const within = (v: bigint | undefined): boolean => v === undefined || (v >= BigInt(lo) && v <= BigInt(hi));
    // Bytes too (each counter adds the packet's IP length): the two kernels always, the prediction when exact.
    const aBytes = ipt.bytes.get(key)?.[0];
    const bBytes = typeof nftBytes === "string" ? undefined : nftBytes.get(key);
    const bytesAgree = (b === undefined || aBytes === bBytes) && (unpredicted !== undefined || lo !== hi || aBytes === undefined || aBytes === BigInt(predictedBytes));
    const agree = (unpredicted === undefined ? within(a) && within(b) : a === b || b === undefined) && bytesAgree;
    const line = `${key}: iptables ${a === undefined ? "-" : String(a)}, nft ${b === undefined ? "-" : String(b)}, predicted ${unpredicted === undefined ? range : "?"}${bytesAgree ? "" : ` (bytes: iptables ${String(aBytes)}, nft ${String(bBytes)}, predicted ${String(predictedBytes)})`}`;
    ruleLines.push(`${agree ? " " : "!"} ${line}`);
    if (!agree) {
      disagreements.push(`counter ${line}`);
      for (const h of hitters.slice(0, 12)) suspects.add(h);
    }
  }
  const packetLines: string[] = [];
  // Tuples of the connections made so far: a NAT whose result is taken gets another source port from the
  // kernel (nf_nat_used_tuple), which the evaluator, seeing one connection at a time, cannot know.
  const taken = new Set<string>();
  const tupleOf = (proto: number, saddr: string | undefined, sport: number | undefined, daddr: string | undefined, dport: number | undefined): string => `${String(proto)}|${saddr ?? ""}|${String(sport)}|${daddr ?? ""}|${String(dport)}`;
  packets.forEach((p, i) => {
    const seenA = wire.ipt.filter((w) => w.id === i);
    const seenB = wire.nft.filter((w) => w.id === i);
    const raw = predictions[i];
    const pred =
      raw === undefined || typeof raw === "string"
        ? raw
        : { ...raw, wire: raw.wire.map((e) => (e !== "none" && e.sport !== undefined && taken.has(tupleOf(p.l4proto, e.saddr, e.sport, e.daddr, e.dport)) ? withoutSport(e) : e)) };
    if (p.ct !== undefined && p.sport !== undefined) {
      taken.add(tupleOf(p.l4proto, p.saddr, p.sport, p.daddr, p.dport));
      for (const e of pred === undefined || typeof pred === "string" ? [] : pred.wire) if (e !== "none") taken.add(tupleOf(p.l4proto, e.saddr, e.sport, e.daddr, e.dport));
    }
    const fits = (seen: readonly WirePacket[]): boolean => {
      if (seen.length > 1) return false;
      if (pred === undefined || typeof pred === "string") return true;
      const [s] = seen;
      return s === undefined ? pred.wire.includes("none") : pred.wire.some((e) => e !== "none" && wireMatches(s, e));
    };
    const same = seenA.length === seenB.length && seenA.every((a, j) => { const b = seenB[j]; return b !== undefined && a.saddr === b.saddr && a.daddr === b.daddr && a.ttl === b.ttl && a.tos === b.tos; });
    const ok = fits(seenA) && fits(seenB) && (unpredicted === undefined || same);
    const predicted = pred === undefined || typeof pred === "string" ? "?" : [...new Set(pred.wire.map((e) => wireText(e)))].join(" | ");
    const line = `#${String(i)} ${packetText(p)}: at server iptables ${seenA.map((w) => wireText(w)).join(",") || "nothing"}; nft ${seenB.map((w) => wireText(w)).join(",") || "nothing"}; predicted ${predicted}`;
    if (!ok) {
      disagreements.push(`wire ${line}`);
      suspects.add(i);
    }
    if (suspects.has(i) || !ok) packetLines.push(line);
  });
  for (const i of [...suspects].sort((x, y) => x - y)) {
    const p = packets[i];
    const pred = predictions[i];
    if (p === undefined || packetLines.some((l) => l.startsWith(`#${String(i)} `))) continue;
    const traces = pred === undefined || typeof pred === "string" ? "" : pred.outcomes.map((w) => `p=${formatRational(w.p)} ${w.outcome.verdict.kind} trace ${w.outcome.trace.map((s) => `${s.table}/${s.chain}/${String(s.rule)}`).join(" ")}`).join(" | ");
    packetLines.push(`#${String(i)} ${packetText(p)}: predicted ${traces}`);
  }
  const report = [
    `${c.name} (${c.family}, router interfaces ${c.interfaces.in} → ${c.interfaces.out}, ${String(packets.length)} packets${unpredicted === undefined ? "" : `, not predicted: ${unpredicted}`})`,
    ...disagreements.map((d) => `  ${d}`),
    "--- counters (iptables kernel, nft kernel, evaluator)",
    ...ruleLines,
    "--- packets",
    ...packetLines,
    "--- iptables",
    text,
    "--- nft",
    nftText,
  ].join("\n");
  return { disagreements, report, packets: packets.length, rules: all.length, predicted: unpredicted === undefined };
}

// ---------------------------------------------------------------- packets from the ruleset

function addressIn(address: string, prefixes: readonly (readonly [string, number])[]): boolean {
  return prefixes.some(([net, len]) => addressInPrefix(address, net, len));
}

/** Sources the router drops before any forward rule (martians: loopback, multicast, zero, class E, v4-mapped). */
const badSources: Readonly<Record<Family, readonly (readonly [string, number])[]>> = {
  ipv4: [["0.0.0.0", 8], ["127.0.0.0", 8], ["224.0.0.0", 3]],
  ipv6: [["::", 127], ["ff00::", 8], ["fe80::", 10], ["::ffff:0:0", 96]],
};

/**
 * Packets aimed at what the ruleset mentions ({@link generatePackets}), made into packets the lab can
 * send and the kernel treats as the model says: sources the router would drop as martians or its own
 * addresses, and destinations it cannot forward to the server (loopback, multicast, the client), are
 * replaced by documentation addresses; protocols other than TCP, UDP and ICMP become TCP or UDP; TTLs are
 * at least 2 on the forward path; every TCP and UDP packet is its own flow (a repeated 5-tuple gets another
 * source port); some packets carry a DSCP.
 */
export function labPacketsFor(ruleset: Ruleset, host: HostModel, interfaces: RouterInterfaces, count: number, seed: number): readonly Packet[] {
  const family = ruleset.family;
  const generated = generatePackets(ruleset, { count, seed, paths: ["forward"], host });
  const used = new Set<string>();
  const icmp = family === "ipv4" ? 1 : 58;
  const client = family === "ipv4" ? labAddresses.ipv4.client : labAddresses.ipv6.client;
  return generated.map((g, i) => {
    const saddr = addressIn(g.saddr, badSources[family]) || isRouterAddress(g.saddr) ? (family === "ipv4" ? `198.51.100.${String((i % 200) + 1)}` : `2001:db8:100::${(i + 1).toString(16)}`) : g.saddr;
    // The router's own source address (self) is kept for its own packets: the kernel's answers to packets
    // sent to it would come from it too, and pass the guard.
    const self = family === "ipv4" ? labAddresses.ipv4.self : labAddresses.ipv6.self;
    const badDest = addressIn(g.daddr, badSources[family]) || g.daddr === client || g.daddr === saddr || g.daddr === self || (family === "ipv4" && g.daddr === "255.255.255.255");
    const daddr = badDest ? (family === "ipv4" ? `203.0.113.${String((i % 200) + 1)}` : `2001:db8:200::${(i + 1).toString(16)}`) : g.daddr;
    const l4proto = [6, 17, icmp].includes(g.l4proto) ? g.l4proto : i % 2 === 0 ? 6 : 17;
    const local = isRouterAddress(daddr);
    // One in five is the router's own, to a destination that is not its own (output path).
    const fromRouter = i % 5 === 4 && !local;
    const source = fromRouter ? self : saddr;
    let sport = g.sport ?? 1024 + i;
    const dport = g.dport ?? 80;
    // A tuple seen before, either way round, would make the packet part of (or the reply of) an earlier flow.
    const tuple = (): string => `${String(l4proto)}|${source}|${String(sport)}|${daddr}|${String(dport)}`;
    const reverse = (): string => `${String(l4proto)}|${daddr}|${String(dport)}|${source}|${String(sport)}`;
    if (l4proto !== icmp && (used.has(tuple()) || used.has(reverse()))) sport = 20000 + i;
    used.add(tuple());
    return labPacket(family, interfaces, {
      ...(fromRouter ? { fromRouter } : {}),
      saddr: source,
      daddr,
      l4proto,
      ...(l4proto === icmp ? { icmpType: i % 7 === 3 ? (family === "ipv4" ? 0 : 129) : family === "ipv4" ? 8 : 128 } : { sport, dport }),
      ...(g.tcpFlags === undefined || l4proto !== 6 ? {} : { tcpFlags: g.tcpFlags }),
      ttl: Math.max(local ? 1 : 2, g.ttl),
      dscp: [0, 0, 46, 10, 0, 8][i % 6] ?? 0,
      length: g.length,
    });
  });
}
