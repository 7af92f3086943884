/**
 * Equivalence of an iptables ruleset and an nft ruleset on packets: each packet runs through both
 * evaluators on its path and the exact outcome distributions (verdict, packet after mangling and NAT,
 * reject type, effects) must be equal. The caller gives both rulesets (usually `R` and `translate(R)`);
 * this module never calls the translator it judges.
 *
 * Packets come from the caller or are generated from what the iptables rules mention (addresses and the
 * edges of their prefixes and ranges, ports and their neighbours, interfaces, marks), mixed with random
 * values from a seeded generator, so the same inputs always check the same packets. Each packet starts
 * from the same state: stateful modules over packet sequences are not covered here.
 * @module
 */
import type { IpsetSave, Ruleset } from "../ast/index.js";
import type { NftRuleset } from "../nft/index.js";
import {
  type EvalEnvironment,
  type EvalResult,
  type EvalState,
  type WeightedOutcome,
  addressValue,
  connectionTuples,
  emptyState,
  formatAddress,
  formatRational,
  outcomeDistribution,
  ratEquals,
} from "./common.js";
import { evaluateIptables, prepareIptables } from "./iptables.js";
import { evaluateNft, prepareNft } from "./nft.js";
import type { Conntrack, CtState, HostModel, Packet, PacketFamily, PacketPath, Rational } from "./packet.js";

/**
 * Options of {@link checkEquivalence}.
 *
 * @example
 * ```ts
 * const options: EquivalenceOptions = { count: 500, seed: 42, paths: ["input", "forward"] };
 * ```
 */
export interface EquivalenceOptions {
  /** The packets to check. Without them, packets are generated from the iptables rules (see {@link generatePackets}). */
  readonly packets?: readonly Packet[];
  /** How many packets to generate per path when none are given (default 200). */
  readonly count?: number;
  /** Seed of the packet generator (default 1). */
  readonly seed?: number;
  /** The paths generated packets take (default all three). */
  readonly paths?: readonly PacketPath[];
  /** The host both evaluators see (default {@link defaultEquivalenceHost}). */
  readonly host?: HostModel;
  /** The clock both evaluators see (default 1,700,000,000 s). */
  readonly clock?: EvalEnvironment["clock"];
  /** The state every packet starts from (default empty). */
  readonly state?: EvalState;
  /** ipsets the iptables rules refer to. */
  readonly ipsets?: IpsetSave;
  /** Timer frequency of the iptables evaluator. */
  readonly hz?: number;
}

/**
 * A packet one evaluator could not model, so it was not compared.
 *
 * @example
 * ```ts
 * const reasons = (r: EquivalenceResult): string[] =>
 *   r.kind === "unchecked" ? [] : r.unsupported.map((u: UnsupportedPacket) => `${u.side}: ${u.feature}`);
 * ```
 */
export interface UnsupportedPacket {
  readonly packet: Packet;
  readonly side: "iptables" | "nft";
  readonly feature: string;
  readonly message: string;
}

/**
 * One side's answer for a counterexample packet.
 *
 * @example
 * ```ts
 * const keys = (r: EquivalenceResult): string[] =>
 *   r.kind === "counterexample" ? r.iptables.distribution.map((d) => d.key) : [];
 * const side: (s: SideResult) => number = (s) => s.outcomes.length;
 * ```
 */
export interface SideResult {
  readonly outcomes: readonly WeightedOutcome[];
  /** The outcome distribution as compared: outcome keys with their probabilities. */
  readonly distribution: readonly { readonly key: string; readonly p: Rational }[];
}

/**
 * What {@link checkEquivalence} found.
 *
 * @example
 * ```ts
 * const summary = (r: EquivalenceResult): string =>
 *   r.kind === "equivalent" ? `${String(r.packets)} packets on ${r.paths.join(", ")}`
 *   : r.kind === "counterexample" ? describeCounterexample(r)
 *   : `${r.side} evaluator: ${r.message}`;
 * ```
 */
export type EquivalenceResult =
  | {
      readonly kind: "equivalent";
      readonly equivalent: true;
      /** Packets compared (both evaluators gave outcomes). */
      readonly packets: number;
      readonly paths: readonly PacketPath[];
      /** Packets left out because an evaluator does not model them; never counted as equal. */
      readonly unsupported: readonly UnsupportedPacket[];
    }
  | {
      readonly kind: "counterexample";
      readonly equivalent: false;
      readonly packet: Packet;
      readonly iptables: SideResult;
      readonly nft: SideResult;
      /** Packets that agreed before this one. */
      readonly packets: number;
      readonly unsupported: readonly UnsupportedPacket[];
    }
  | {
      readonly kind: "unchecked";
      readonly equivalent: false;
      /** A ruleset that one evaluator refuses as a whole. */
      readonly side: "iptables" | "nft";
      readonly feature: string;
      readonly message: string;
    };

/**
 * A small host: this host's addresses on eth0, eth1 and lo, used when the caller gives none. Every interface
 * address is also a local address: the iptables evaluator's addrtype reads `localAddresses` while the nft
 * evaluator's fib also reads the interfaces' addresses, so a host where they differ makes them disagree.
 *
 * @example
 * ```ts
 * // The default host with one more local address.
 * const host: HostModel = { ...defaultEquivalenceHost, localAddresses: [...defaultEquivalenceHost.localAddresses, "10.0.0.9"] };
 * ```
 */
export const defaultEquivalenceHost: HostModel = {
  localAddresses: ["10.0.0.1", "192.168.1.1", "127.0.0.1", "fd00::1", "fd01::1", "::1"],
  broadcastAddresses: ["10.0.0.255", "192.168.1.255"],
  interfaces: [
    { name: "lo", group: 0, addresses: ["127.0.0.1", "::1"] },
    { name: "eth0", group: 1, addresses: ["10.0.0.1", "fd00::1"] },
    { name: "eth1", group: 2, addresses: ["192.168.1.1", "fd01::1"] },
  ],
};

/**
 * Runs every packet through both rulesets and compares the outcome distributions exactly. Returns the
 * number of packets compared and the paths, or the first packet on which they differ with both sides'
 * outcomes (traces included). Packets either evaluator does not model are listed in `unsupported`.
 *
 * @example
 * ```ts
 * const { value: ruleset } = parseRuleset(text);
 * const translated = ruleset && translate(ruleset).value;
 * if (ruleset && translated) {
 *   const result = checkEquivalence(ruleset, translated.nft, { count: 200, seed: 1 });
 *   if (result.kind === "counterexample") console.error(describeCounterexample(result));
 *   else if (result.kind === "equivalent") console.log(`${String(result.packets)} packets agree`);
 * }
 * ```
 */
export function checkEquivalence(iptables: Ruleset, nft: NftRuleset, options: EquivalenceOptions = {}): EquivalenceResult {
  const iptProgram = prepareIptables(iptables, { ...(options.ipsets === undefined ? {} : { ipsets: options.ipsets }), ...(options.hz === undefined ? {} : { hz: options.hz }) });
  if (iptProgram.kind === "unsupported") return { kind: "unchecked", equivalent: false, side: "iptables", feature: iptProgram.feature, message: iptProgram.message };
  const nftProgram = prepareNft(nft);
  if (nftProgram.kind === "unsupported") return { kind: "unchecked", equivalent: false, side: "nft", feature: nftProgram.feature, message: nftProgram.message };
  const host = options.host ?? defaultEquivalenceHost;
  const env: EvalEnvironment = { host, clock: options.clock ?? { now: 1_700_000_000 } };
  const state = options.state ?? emptyState;
  const paths = options.paths ?? allPaths;
  const packets = options.packets ?? generatePackets(iptables, { count: options.count ?? 200, seed: options.seed ?? 1, paths, host });
  const unsupported: UnsupportedPacket[] = [];
  let compared = 0;
  for (const packet of packets) {
    const left = evaluateIptables(iptProgram, packet, state, { ...env, ...(options.ipsets === undefined ? {} : { ipsets: options.ipsets }), ...(options.hz === undefined ? {} : { hz: options.hz }) });
    const right = evaluateNft(nftProgram, packet, state, env);
    const refused = refusal(packet, left, "iptables") ?? refusal(packet, right, "nft");
    if (refused !== undefined || left.kind === "unsupported" || right.kind === "unsupported") {
      if (refused !== undefined) unsupported.push(refused);
      continue;
    }
    const l = outcomeDistribution(left.outcomes);
    const r = outcomeDistribution(right.outcomes);
    if (!sameDistribution(l, r)) {
      return { kind: "counterexample", equivalent: false, packet, iptables: { outcomes: left.outcomes, distribution: l }, nft: { outcomes: right.outcomes, distribution: r }, packets: compared, unsupported };
    }
    compared++;
  }
  const usedPaths = allPaths.filter((p) => packets.some((q) => q.path === p));
  return { kind: "equivalent", equivalent: true, packets: compared, paths: usedPaths, unsupported };
}

const allPaths: readonly PacketPath[] = ["input", "forward", "output"];

function refusal(packet: Packet, result: EvalResult, side: "iptables" | "nft"): UnsupportedPacket | undefined {
  return result.kind === "unsupported" ? { packet, side, feature: result.feature, message: result.message } : undefined;
}

function sameDistribution(a: readonly { readonly key: string; readonly p: Rational }[], b: readonly { readonly key: string; readonly p: Rational }[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    return y !== undefined && x.key === y.key && ratEquals(x.p, y.p);
  });
}

/**
 * A counterexample as text: the packet, then each side's outcomes with probabilities and traces.
 *
 * @example
 * ```ts
 * const report = (result: EquivalenceResult): void => {
 *   if (result.kind === "counterexample") process.stderr.write(`${describeCounterexample(result)}\n`);
 * };
 * ```
 */
export function describeCounterexample(result: Extract<EquivalenceResult, { kind: "counterexample" }>): string {
  const side = (name: string, s: SideResult): string =>
    [`${name}:`, ...s.outcomes.map((w) => `  p=${formatRational(w.p)}  ${outcomeKeyText(w)}\n    trace: ${w.outcome.trace.map((t) => `${t.hook} ${t.table}/${t.chain}#${String(t.rule)}`).join(" → ")}`)].join("\n");
  return [`packet: ${JSON.stringify(result.packet, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`, side("iptables", result.iptables), side("nft", result.nft)].join("\n");
}

function outcomeKeyText(w: WeightedOutcome): string {
  const [first] = outcomeDistribution([w]);
  return first?.key ?? "";
}

// ---------------------------------------------------------------- packet generation

/**
 * Options of {@link generatePackets}.
 *
 * @example
 * ```ts
 * const options: PacketGenerationOptions = { count: 1000, seed: 7, paths: ["forward"], host: defaultEquivalenceHost };
 * ```
 */
export interface PacketGenerationOptions {
  /** Packets per path. */
  readonly count: number;
  readonly seed: number;
  readonly paths: readonly PacketPath[];
  readonly host: HostModel;
}

/** What a ruleset mentions, the raw material of generated packets. */
interface Mentions {
  readonly addresses: Set<string>;
  readonly ports: Set<number>;
  readonly interfaces: Set<string>;
  readonly marks: Set<number>;
  readonly protocols: Set<number>;
}

/** {@link Mentions} in a stable order, to pick from with the seeded generator. */
interface SortedMentions {
  readonly addresses: readonly string[];
  readonly ports: readonly number[];
  readonly interfaces: readonly string[];
  readonly marks: readonly number[];
  readonly protocols: readonly number[];
}

const emptyMentions: SortedMentions = { addresses: [], ports: [], interfaces: [], marks: [], protocols: [] };

/**
 * Packets aimed at the rules: addresses the rules mention and the edges of their prefixes and ranges (one
 * below, first, last, one above), ports and their neighbours, interface names (a wildcard's prefix with a
 * suffix), marks and mark values with mask bits flipped, mixed with random ones; tcp, udp and icmp; every
 * conntrack state. Deterministic for a given seed (a 32-bit xorshift, not Math.random).
 *
 * @example
 * ```ts
 * const { value: ruleset } = parseRuleset(text);
 * const packets = ruleset ? generatePackets(ruleset, { count: 100, seed: 1, paths: ["input", "forward", "output"], host: defaultEquivalenceHost }) : [];
 * // The same packets checked against a hand-written nft ruleset:
 * const check = (nft: NftRuleset): EquivalenceResult | undefined => ruleset && checkEquivalence(ruleset, nft, { packets });
 * ```
 */
export function generatePackets(ruleset: Ruleset, options: PacketGenerationOptions): readonly Packet[] {
  const family: PacketFamily = ruleset.family === "ipv6" ? "ipv6" : "ipv4";
  const mentions: Mentions = { addresses: new Set(), ports: new Set([0, 22, 53, 80, 443, 1024, 65535]), interfaces: new Set(["lo"]), marks: new Set([0]), protocols: new Set() };
  collectMentions(ruleset.tables, family, mentions);
  for (const i of options.host.interfaces) mentions.interfaces.add(i.name);
  for (const a of options.host.localAddresses) if (addressValue(a)?.family === family) mentions.addresses.add(a);
  // Each rule's own mentions too: a packet aimed at one rule takes its fields from that rule together
  // (address, protocol, port and mark at once), which independent picks rarely hit.
  const perRule: Mentions[] = ruleset.tables.flatMap((t) =>
    t.rules.map((r) => {
      const own: Mentions = { addresses: new Set(), ports: new Set(), interfaces: new Set(), marks: new Set(), protocols: new Set() };
      collectMentions(r, family, own);
      return own;
    }),
  );
  const random = xorshift(options.seed);
  const sorted = (m: Mentions): SortedMentions => ({
    addresses: [...m.addresses].sort(),
    ports: [...m.ports].sort((a, b) => a - b),
    interfaces: [...m.interfaces].sort(),
    marks: [...m.marks].sort((a, b) => a - b),
    protocols: [...m.protocols].sort((a, b) => a - b),
  });
  const global = sorted(mentions);
  const rules = perRule.map(sorted);
  const pick = <T>(xs: readonly T[], fallback: T): T => xs[random() % Math.max(1, xs.length)] ?? fallback;
  // From the aimed rule's values when it has some (3 in 4), else from every rule's.
  const from = <T>(own: readonly T[], all: readonly T[], fallback: T): T => (own.length > 0 && random() % 4 !== 0 ? pick(own, fallback) : pick(all, fallback));
  const randomAddress = (): string => (family === "ipv4" ? formatAddress("ipv4", BigInt(random())) : formatAddress("ipv6", (0xfd00n << 112n) | BigInt(random())));
  const packets: Packet[] = [];
  for (const path of options.paths) {
    for (let n = 0; n < options.count; n++) {
      const aimed = random() % 2 === 0 ? pick(rules, global) : emptyMentions;
      const address = (): string => (random() % 5 === 0 || global.addresses.length === 0 ? randomAddress() : from(aimed.addresses, global.addresses, "10.0.0.2"));
      const port = (): number => (random() % 6 === 0 ? random() % 65536 : from(aimed.ports, global.ports, 80));
      const mark = (): number => (random() % 6 === 0 ? random() >>> 0 : from(aimed.marks, global.marks, 0));
      const protoChoice = random() % 8;
      const l4proto = aimed.protocols.length > 0 && protoChoice < 6 ? pick(aimed.protocols, 6) : protoChoice < 4 ? 6 : protoChoice < 7 ? 17 : family === "ipv4" ? 1 : 58;
      const transport = l4proto === 6 || l4proto === 17;
      const saddr = address();
      const daddr = address();
      const sport = transport ? port() : undefined;
      const dport = transport ? port() : undefined;
      const base: Packet = {
        family,
        path,
        ...(path === "output" ? {} : { iif: from(aimed.interfaces, global.interfaces, "eth0") }),
        ...(path === "input" ? {} : { oif: from(aimed.interfaces, global.interfaces, "eth1") }),
        saddr,
        daddr,
        l4proto,
        ...(sport === undefined ? {} : { sport }),
        ...(dport === undefined ? {} : { dport }),
        ...(l4proto === 6 ? { tcpFlags: pick([0x02, 0x10, 0x12, 0x11, 0x04, 0x18], 0x02) } : {}),
        ...(transport ? {} : { icmpType: 8, icmpCode: 0 }),
        length: 40 + (random() % 1460),
        ttl: 1 + (random() % 255),
        dscp: 0,
        ecn: 0,
        mark: mark(),
        pkttype: "unicast",
        cpu: 0,
      };
      packets.push(withConntrack(base, pick(ctStates, "new"), from(aimed.marks, global.marks, 0)));
    }
  }
  return packets;
}

const ctStates: readonly (CtState | "none")[] = ["new", "new", "new", "established", "related", "invalid", "untracked"];

function withConntrack(p: Packet, state: CtState | "none", ctMark: number): Packet {
  if (state === "invalid" || state === "none") return { ...p, ctInvalid: true };
  if (state === "untracked") return { ...p, ctInvalid: false };
  const { original, reply } = connectionTuples(p);
  const first = state === "new" || state === "related";
  const ct: Conntrack = {
    state,
    status: { expected: state === "related", seenReply: !first, assured: !first, confirmed: !first, snat: false, dnat: false },
    mark: first ? 0 : ctMark,
    zone: 0,
    direction: "original",
    original,
    reply,
    expires: 120,
    packets: { original: 1n, reply: first ? 0n : 1n },
    bytes: { original: BigInt(p.length), reply: 0n },
    labels: [],
  };
  return { ...p, ct };
}

/** A 32-bit xorshift generator: the same seed gives the same numbers (unsigned 32-bit). */
function xorshift(seed: number): () => number {
  let x = (seed | 0) === 0 ? 0x9e3779b9 : seed | 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/**
 * Walks the ruleset's AST (whatever its node kinds) for values worth aiming at: strings that are addresses
 * of the family, `{ address, length }` prefixes, `{ from, to }` ranges (addresses or ports), `{ value, mask }`
 * marks, `{ name, wildcard }` interfaces and `port`/`dport`/`sport` numbers. A generic walk, so a new module
 * needs no change here.
 */
function collectMentions(node: unknown, family: PacketFamily, m: Mentions): void {
  if (Array.isArray(node)) {
    for (const x of node) collectMentions(x, family, m);
    return;
  }
  if (typeof node !== "object" || node === null) {
    if (typeof node === "string") addAddress(node, undefined, family, m);
    return;
  }
  const o = node as Record<string, unknown>;
  if (typeof o.address === "string" && typeof o.length === "number") addAddress(o.address, o.length, family, m);
  if (typeof o.from === "number" && typeof o.to === "number") addPorts([o.from, o.to], m);
  if (typeof o.from === "string" && typeof o.to === "string") {
    addAddress(o.from, undefined, family, m);
    addAddress(o.to, undefined, family, m);
  }
  if (typeof o.value === "number" && typeof o.mask === "number") {
    m.marks.add(o.value >>> 0);
    m.marks.add((o.value ^ o.mask) >>> 0);
    m.marks.add((o.value | ~o.mask) >>> 0);
  }
  if (typeof o.name === "string" && typeof o.wildcard === "boolean") {
    m.interfaces.add(o.wildcard ? `${o.name}0` : o.name);
    m.interfaces.add(`${o.name}x`);
  }
  // The rule's -p (a protocol number); tcp and udp also for protocol-free rules, through the defaults.
  if (o.kind === "rule" && isObject(o.protocol) && typeof o.protocol.value === "number" && o.protocol.value !== 0) m.protocols.add(o.protocol.value);
  for (const key of ["port", "dport", "sport", "toPort"]) {
    const v = o[key];
    if (typeof v === "number") addPorts([v], m);
  }
  for (const [key, v] of Object.entries(o)) if (key !== "span") collectMentions(v, family, m);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function addPorts(ports: readonly number[], m: Mentions): void {
  for (const p of ports) for (const q of [p - 1, p, p + 1]) if (q >= 0 && q <= 65535) m.ports.add(q);
}

/** Adds an address, or a prefix's edges when `length` is given (one below, first, second, last, one above). */
function addAddress(text: string, length: number | undefined, family: PacketFamily, m: Mentions): void {
  const a = addressValue(text);
  if (a?.family !== family) return;
  const bits = family === "ipv4" ? 32n : 128n;
  const max = (1n << bits) - 1n;
  const host = length === undefined ? 0n : (1n << (bits - BigInt(length))) - 1n;
  const first = a.value & ~host & max;
  const last = first | host;
  for (const v of [first - 1n, first, first + 1n, last, last + 1n]) if (v >= 0n && v <= max) m.addresses.add(formatAddress(family, v));
}
