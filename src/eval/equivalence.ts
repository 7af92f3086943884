/**
 * Equivalence of an iptables ruleset and an nft ruleset on packets: each packet runs through both
 * evaluators on its path and the exact outcome distributions (verdict, packet after mangling and NAT,
 * reject type, effects) must be equal. The caller gives both rulesets (usually `R` and `translate(R)`);
 * this module never calls the translator it judges.
 *
 * Packets come from the caller or are generated from what the iptables rules mention (addresses and the
 * edges of their prefixes and ranges, ports and their neighbours, interfaces, marks), mixed with random
 * values from a seeded generator, so the same inputs always check the same packets. Each such packet starts
 * from the same state. Packet sequences (`sequences`) check stateful modules (limit, hashlimit, recent,
 * quota, nth, dynamic sets, connection marks): each packet sees the state the ones before it left on that
 * side, at a clock that moves forward between packets, and the sides must agree packet after packet.
 * @module
 */
import type { IpsetSave, Ruleset } from "../ast/index.js";
import type { NftRuleset } from "../nft/index.js";
import {
  type EvalEnvironment,
  type EvalResult,
  type EvalState,
  type Outcome,
  type WeightedOutcome,
  addressValue,
  connectionTuples,
  emptyState,
  formatAddress,
  formatRational,
  type Unsupported,
  outcomeKey,
  ratAdd,
  ratEquals,
  ratMul,
  ratOne,
  ratZero,
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
  /**
   * Packet sequences to check, each from `state` at `clock`: every packet sees the state the packets before
   * it in its sequence left, on each side. With sequences and no `packets`, no packets are generated.
   */
  readonly sequences?: readonly PacketSequence[];
  /**
   * How many branches of chance (`statistic --mode random` splits a sequence's history) a sequence may
   * have on either side before the check of that sequence stops (default 64); stopped sequences are
   * counted in `truncated`.
   */
  readonly maxBranches?: number;
}

/**
 * One packet of a sequence, and how many seconds the clock moves forward before it arrives (since the
 * sequence's start clock for the first packet). Fractions are allowed.
 *
 * @example
 * ```ts
 * // The same packet twice, half a second apart.
 * const twice = (packet: Packet): readonly TimedPacket[] => [{ packet, advance: 0 }, { packet, advance: 0.5 }];
 * ```
 */
export interface TimedPacket {
  readonly packet: Packet;
  readonly advance: number;
}

/**
 * Packets that arrive one after the other, each seeing the state the ones before it left.
 *
 * @example
 * ```ts
 * // Packets a second apart: a limit, a quota or a recent list sees them all.
 * const secondApart = (packets: readonly Packet[]): PacketSequence => packets.map((packet) => ({ packet, advance: 1 }));
 * const options = (packets: readonly Packet[]): EquivalenceOptions => ({ sequences: [secondApart(packets)] });
 * ```
 */
export type PacketSequence = readonly TimedPacket[];

/**
 * Where a counterexample sits in a sequence: which sequence, which packet of it, the packets before it
 * (whose outcomes both sides agreed on) and the clock at the failing packet.
 *
 * @example
 * ```ts
 * const where = (r: EquivalenceResult): string =>
 *   r.kind === "counterexample" && r.sequence ? `sequence ${String(r.sequence.index)}, packet ${String(r.sequence.step)}` : "";
 * const position: (p: SequencePosition) => number = (p) => p.before.length;
 * ```
 */
export interface SequencePosition {
  readonly index: number;
  /** 0-based position of the failing packet in its sequence. */
  readonly step: number;
  readonly before: readonly TimedPacket[];
  /** The clock the failing packet arrived at. */
  readonly clock: number;
  /** The outcome keys the earlier packets had on the branch that differs (one per earlier packet). */
  readonly history: readonly string[];
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
      /** Sequences checked (each to its end, or until it was truncated or a packet was unsupported). */
      readonly sequences: number;
      /** Sequences whose check stopped early because their branches of chance exceeded `maxBranches`. */
      readonly truncated: number;
    }
  | {
      readonly kind: "counterexample";
      readonly equivalent: false;
      readonly packet: Packet;
      /** Each side's outcomes for the packet (on a branch of a sequence, with the branch's probability). */
      readonly iptables: SideResult;
      readonly nft: SideResult;
      /** Packets that agreed before this one. */
      readonly packets: number;
      readonly unsupported: readonly UnsupportedPacket[];
      /** Set when the packet belongs to a sequence. */
      readonly sequence?: SequencePosition;
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
 * A small host, used when the caller gives none: eth0 (10.0.0.1/24, fd00::1/64, group 1) and eth1
 * (192.168.1.1/24, fd01::1/64, group 2) with their connected routes and IPv4 broadcast addresses, lo, and a
 * default route per family through eth0. Both evaluators read it through the same functions (local and
 * broadcast addresses, routes).
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
    { name: "lo", group: 0, addresses: ["127.0.0.1/8", "::1/128"] },
    { name: "eth0", group: 1, addresses: ["10.0.0.1/24", "fd00::1/64"] },
    { name: "eth1", group: 2, addresses: ["192.168.1.1/24", "fd01::1/64"] },
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
  const sequences = options.sequences ?? [];
  const packets = options.packets ?? (options.sequences === undefined ? generatePackets(iptables, { count: options.count ?? 200, seed: options.seed ?? 1, paths, host }) : []);
  const sides: Sides = {
    iptables: (packet, from, clock) => evaluateIptables(iptProgram, packet, from, { ...env, clock, ...(options.ipsets === undefined ? {} : { ipsets: options.ipsets }), ...(options.hz === undefined ? {} : { hz: options.hz }) }),
    nft: (packet, from, clock) => evaluateNft(nftProgram, packet, from, { ...env, clock }),
  };
  const unsupported: UnsupportedPacket[] = [];
  let compared = 0;
  for (const packet of packets) {
    const left = sides.iptables(packet, state, env.clock);
    const right = sides.nft(packet, state, env.clock);
    const refused = refusal(packet, left, "iptables") ?? refusal(packet, right, "nft");
    if (refused !== undefined || left.kind === "unsupported" || right.kind === "unsupported") {
      if (refused !== undefined) unsupported.push(refused);
      continue;
    }
    const l = comparedDistribution(left.outcomes);
    const r = comparedDistribution(right.outcomes);
    if (!sameDistribution(l, r)) {
      return { kind: "counterexample", equivalent: false, packet, iptables: { outcomes: left.outcomes, distribution: l }, nft: { outcomes: right.outcomes, distribution: r }, packets: compared, unsupported };
    }
    compared++;
  }
  let truncated = 0;
  for (const [index, sequence] of sequences.entries()) {
    const run = checkSequence(sides, sequence, index, state, env.clock.now, options.maxBranches ?? 64);
    if (run.kind === "counterexample") return { ...run.counterexample, packets: compared + run.compared, unsupported: [...unsupported, ...run.unsupported] };
    compared += run.compared;
    unsupported.push(...run.unsupported);
    if (run.kind === "truncated") truncated++;
  }
  const all = [...packets, ...sequences.flatMap((s) => s.map((t) => t.packet))];
  const usedPaths = allPaths.filter((p) => all.some((q) => q.path === p));
  return { kind: "equivalent", equivalent: true, packets: compared, paths: usedPaths, unsupported, sequences: sequences.length, truncated };
}

/** Both evaluators, prepared, as functions of packet, state and clock. */
interface Sides {
  readonly iptables: (packet: Packet, state: EvalState, clock: EvalEnvironment["clock"]) => EvalResult;
  readonly nft: (packet: Packet, state: EvalState, clock: EvalEnvironment["clock"]) => EvalResult;
}

/**
 * One side's possible histories so far in a sequence: each with its probability, the outcome keys of the
 * packets so far, and the state it left. Branches with the same history and state are merged.
 */
interface Branch {
  readonly p: Rational;
  readonly history: readonly string[];
  readonly state: EvalState;
}

type SequenceRun =
  | { readonly kind: "done" | "truncated"; readonly compared: number; readonly unsupported: readonly UnsupportedPacket[] }
  | { readonly kind: "counterexample"; readonly compared: number; readonly unsupported: readonly UnsupportedPacket[]; readonly counterexample: Extract<EquivalenceResult, { kind: "counterexample" }> };

/**
 * Runs a sequence through both sides. After each packet the distributions of histories (outcome keys of
 * every packet so far) must be equal: with no chance involved that is "same outcome, packet after packet";
 * with `statistic --mode random`, each history must be as likely on both sides. A packet an evaluator does
 * not model ends the sequence (listed as unsupported): what follows would start from an unknown state.
 */
function checkSequence(sides: Sides, sequence: PacketSequence, index: number, start: EvalState, startClock: number, maxBranches: number): SequenceRun {
  let ipt: readonly Branch[] = [{ p: ratOne, history: [], state: start }];
  let nft: readonly Branch[] = ipt;
  let now = startClock;
  let compared = 0;
  for (const [step, { packet, advance }] of sequence.entries()) {
    now += advance;
    const clock = { now };
    const left = advanceBranches(ipt, (b) => sides.iptables(packet, b.state, clock));
    const right = advanceBranches(nft, (b) => sides.nft(packet, b.state, clock));
    if (left.kind === "unsupported" || right.kind === "unsupported") {
      const refused = left.kind === "unsupported" ? refusal(packet, left, "iptables") : right.kind === "unsupported" ? refusal(packet, right, "nft") : undefined;
      return { kind: "done", compared, unsupported: refused === undefined ? [] : [refused] };
    }
    const differing = firstDifference(left.steps, right.steps);
    if (differing !== undefined) {
      const side = (steps: readonly BranchStep[]): SideResult => {
        const outcomes = steps.filter((s) => s.from.history.join("\n") === differing).map((s) => ({ p: ratMul(s.from.p, s.weighted.p), outcome: s.weighted.outcome }));
        return { outcomes, distribution: comparedDistribution(outcomes) };
      };
      const history = differing === "" ? [] : differing.split("\n");
      const position: SequencePosition = { index, step, before: sequence.slice(0, step), clock: now, history: step === 0 ? [] : history };
      return { kind: "counterexample", compared, unsupported: [], counterexample: { kind: "counterexample", equivalent: false, packet, iptables: side(left.steps), nft: side(right.steps), packets: 0, unsupported: [], sequence: position } };
    }
    compared++;
    ipt = mergeBranches(left.steps);
    nft = mergeBranches(right.steps);
    if (ipt.length > maxBranches || nft.length > maxBranches) return { kind: "truncated", compared, unsupported: [] };
  }
  return { kind: "done", compared, unsupported: [] };
}

/** One outcome of one branch for the next packet. */
interface BranchStep {
  readonly from: Branch;
  readonly weighted: WeightedOutcome;
  readonly key: string;
}

function advanceBranches(branches: readonly Branch[], evaluate: (b: Branch) => EvalResult): { readonly kind: "steps"; readonly steps: readonly BranchStep[] } | Unsupported {
  const steps: BranchStep[] = [];
  for (const from of branches) {
    const result = evaluate(from);
    if (result.kind === "unsupported") return result;
    for (const weighted of result.outcomes) steps.push({ from, weighted, key: comparedKey(weighted.outcome) });
  }
  return { kind: "steps", steps };
}

/**
 * The first history (earlier outcome keys joined by line breaks) after which the two sides' next outcomes
 * are distributed differently, or undefined when they agree after every history. Comparing history by
 * history is the same as comparing whole histories, since the earlier packets already agreed.
 */
function firstDifference(left: readonly BranchStep[], right: readonly BranchStep[]): string | undefined {
  const grouped = (steps: readonly BranchStep[]): Map<string, Map<string, Rational>> => {
    const groups = new Map<string, Map<string, Rational>>();
    for (const s of steps) {
      const prefix = s.from.history.join("\n");
      const group = groups.get(prefix) ?? new Map<string, Rational>();
      group.set(s.key, ratAdd(group.get(s.key) ?? ratZero, ratMul(s.from.p, s.weighted.p)));
      groups.set(prefix, group);
    }
    return groups;
  };
  const l = grouped(left);
  const r = grouped(right);
  const prefixes = [...new Set([...l.keys(), ...r.keys()])].sort();
  const sorted = (g: Map<string, Rational> | undefined): { key: string; p: Rational }[] => [...(g ?? new Map<string, Rational>()).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, p]) => ({ key, p }));
  return prefixes.find((prefix) => !sameDistribution(sorted(l.get(prefix)), sorted(r.get(prefix))));
}

/** The branches after a packet, with equal history and equal state merged (their probabilities added). */
function mergeBranches(steps: readonly BranchStep[]): readonly Branch[] {
  if (steps.length === 1 && steps[0] !== undefined) {
    const only = steps[0];
    return [{ p: ratMul(only.from.p, only.weighted.p), history: [...only.from.history, only.key], state: only.weighted.outcome.state }];
  }
  const merged = new Map<string, Branch>();
  for (const s of steps) {
    const history = [...s.from.history, s.key];
    const id = `${history.join("\n")}\n${stateFingerprint(s.weighted.outcome.state)}`;
    const p = ratMul(s.from.p, s.weighted.p);
    const old = merged.get(id);
    merged.set(id, old === undefined ? { p, history, state: s.weighted.outcome.state } : { ...old, p: ratAdd(old.p, p) });
  }
  return [...merged.values()];
}

/**
 * What of a state can change later outcomes, as text: everything but the rule counters, which no rule
 * reads (so two branches that differ only in which rule counted the packet behave alike from then on).
 */
function stateFingerprint(state: EvalState): string {
  const plain = (v: unknown): unknown => {
    if (typeof v === "bigint") return `${v.toString()}n`;
    if (v instanceof Map) return [...(v as Map<unknown, unknown>).entries()].map(([k, x]) => [String(k), plain(x)]).sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    if (Array.isArray(v)) return v.map(plain);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
  };
  const { counters: _counters, ...rest } = state;
  return JSON.stringify(plain(rest));
}

const allPaths: readonly PacketPath[] = ["input", "forward", "output"];

/**
 * What two outcomes must agree on: {@link outcomeKey} without the effects that only update state (set
 * and recent-list updates). The evaluators keep that state in their own terms (xt_recent lists and
 * hashlimit buckets are nft sets and meters on the nft side, a delete of a missing element is an effect
 * on one side and none on the other), so those effects are compared through their consequences: the
 * later packets of a sequence that test the set, the list or the limit.
 */
function comparedKey(o: Outcome): string {
  return outcomeKey({ ...o, effects: o.effects.filter((e) => e.kind !== "set-update" && e.kind !== "recent-update") });
}

/** `outcomeDistribution` (src/eval/common.ts) by {@link comparedKey}: outcomes grouped by key, probabilities summed, sorted by key. */
function comparedDistribution(outcomes: readonly WeightedOutcome[]): readonly { readonly key: string; readonly p: Rational }[] {
  const byKey = new Map<string, Rational>();
  for (const w of outcomes) {
    const k = comparedKey(w.outcome);
    byKey.set(k, ratAdd(byKey.get(k) ?? ratZero, w.p));
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, p]) => ({ key, p }));
}

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
  const json = (p: Packet): string => JSON.stringify(p, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  const where = result.sequence;
  const before =
    where === undefined
      ? []
      : [
          `sequence ${String(where.index)}, packet ${String(where.step)} at clock ${String(where.clock)}, after ${String(where.before.length)} packet(s) both sides agreed on:`,
          ...where.before.map((t, i) => `  +${String(t.advance)}s ${json(t.packet)}\n    → ${where.history[i] ?? ""}`),
        ];
  return [...before, `packet: ${json(result.packet)}`, side("iptables", result.iptables), side("nft", result.nft)].join("\n");
}

function outcomeKeyText(w: WeightedOutcome): string {
  const [first] = comparedDistribution([w]);
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
      // Every protocol with ports gets them (sctp, dccp and udplite too), and only ICMP gets a type and code.
      const transport = portProtocols.has(l4proto);
      const icmp = l4proto === 1 || l4proto === 58;
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
        ...(icmp ? { icmpType: 8, icmpCode: 0 } : {}),
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

/** Protocols whose header starts with a source and a destination port: tcp, udp, dccp, sctp, udplite. */
const portProtocols: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);

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
