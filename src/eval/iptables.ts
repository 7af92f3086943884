/**
 * The iptables evaluator: runs one packet through an iptables ruleset with the kernel's semantics
 * (ip_tables.c `ipt_do_table` and the xt_* modules) and returns the exact distribution of outcomes.
 *
 * - Hooks come from `hooksOf[packet.path]`; on each hook the tables run in priority order (raw -300,
 *   conntrack -200, mangle -150, nat DNAT -100, filter 0, security 50, nat SNAT 100). ACCEPT ends a table
 *   and the packet goes on to the next table or hook; DROP, REJECT and QUEUE end the packet.
 * - In a chain the first rule whose matches all hold applies its target. Matches run in order and stop at
 *   the first that fails, as the kernel's loop does, so stateful matches (statistic nth, limit, quota,
 *   recent) after a failing one are not touched. Jumps push a return point, gotos do not; RETURN or the end
 *   of a user chain pops it, and with nothing to pop the built-in chain's policy decides.
 * - Conntrack runs only when some rule needs it (`rulesetNeedsConntrack`), as in a network namespace
 *   since Linux 4.10; without it the nat chains are never called. The raw table runs before conntrack
 *   attaches the connection: its rules see none (`--state INVALID`, or UNTRACKED after NOTRACK).
 * - The nat table runs only for the first packet of a connection (see {@link natRulesConsulted}); later
 *   packets get their connection's binding. A NAT target ends the nat chain; the translated addresses are
 *   what the later hooks see. Where the kernel picks among several addresses or ports by hash or at
 *   random, the evaluator takes the first of the range (and keeps a port already inside it), and says so
 *   in the documentation of each target below.
 * - `statistic --mode random` splits the distribution: each branch carries its exact probability.
 *
 * Things the model does not have are refused up front with an {@link Unsupported} result naming the module
 * (see {@link supportedMatches} and {@link supportedTargets}), so property tests can keep to what is modeled.
 *
 * Modeling choices, where the packet model is smaller than the kernel's world:
 * - The path is fixed by `packet.path`: a DNAT or a mark that would make the kernel route the packet
 *   elsewhere (input ↔ forward, a reroute after mangle OUTPUT) does not change the hooks walked.
 * - Packets are seen as given: nf_defrag's reassembly (which conntrack and nat cause) is not modeled, so
 *   give later fragments only to rulesets that do not load conntrack.
 * - `physdev`: the model has no bridge, so every packet is unbridged; xt_physdev then matches exactly when
 *   every option given is negated.
 * - `addrtype` reads the host model as the kernel's local routing table (see {@link ipv4AddrType}), `rpfilter`
 *   looks the source up in its routes (see {@link HostModel}), `devgroup` reads its interfaces' groups (0 for
 *   an interface it does not list), `rt` the packet's `routingHeader`, `hbh` and `dst` its `hopByHopLength`
 *   and `destinationOptionsLength`, and `esp`, `ah`, `ipcomp` its `spi`
 *   (and `ahLength`, `ahReserved`) when its `l4proto` is that header's.
 * - `limit` and `recent` count in jiffies of {@link IptablesEvalOptions.hz}; a limit bucket starts full.
 * - `set`: members of the ipset dump never expire (their saved timeouts have no base time); elements added
 *   by `-j SET` do, on the packet clock. Element counters are not modeled (rules that compare them are
 *   refused).
 * - `TPROXY` takes the packet's `socket` as the socket the kernel's lookup finds.
 * - `helper` tests the master connection's helper (`ct.masterHelper`), as xt_helper does.
 * - `time --kerneltz` uses {@link IptablesEvalOptions.kernelTimezoneMinutesWest} (default UTC).
 * - NAT picks with {@link chooseNatTuple}; MASQUERADE and REDIRECT take the interface's first address of
 *   the family (the kernel takes the primary one).
 * - `CT --helper/--timeout/--ctevents` shape the connection's later life and change nothing here;
 *   AUDIT records an `audit` effect; CHECKSUM, SECMARK, CONNSECMARK, TRACE, IDLETIMER and LED have no
 *   effect on the outcome.
 * @module
 */
import type { ChainTarget, IpsetMember, IpsetPart, IpsetSave, IpsetSet, KnownMatch, KnownTarget, Match, Rule, Ruleset, Table, TableName, Target } from "../ast/index.js";
import { dscpClassValues, defaultLogLevel } from "../ast/index.js";
import { dccpTypeNames } from "../ast/matches/protocols.js";
import {
  type Effect,
  type EvalEnvironment,
  type EvalResult,
  type EvalState,
  type LimitBucket,
  type NatRange,
  type Outcome,
  type RecentEntry,
  type RejectWith,
  type SetOverlayEntry,
  type TraceStep,
  type Unsupported,
  type Verdict,
  type WeightedOutcome,
  addressInPrefix,
  addressInRange,
  addressMatchesMask,
  addressValue,
  applyNatBinding,
  assertNever,
  chooseNatTuple,
  conncountAdd,
  connectionKey,
  conntrackAttached,
  countPacket,
  deviceGroup,
  elementKey,
  formatAddress,
  forwardedPacket,
  hooksOf,
  hostInterface,
  interfaceAddresses,
  interfaceMatches,
  ipv4AddressType,
  isLocalAddress,
  isLoopbackInterface,
  lookupRoute,
  markMatches,
  maskAddress,
  maskAddressWith,
  natManipOf,
  natRulesConsulted,
  ratMul,
  ratOne,
  ratSub,
  rational,
  withEntry,
  xmark,
} from "./common.js";
import type { Conntrack, Hook, HostModel, Packet, Rational } from "./packet.js";

// ---------------------------------------------------------------- public surface

/**
 * Options of {@link evaluateIptables}.
 *
 * @example
 * ```ts
 * const options: IptablesEvalOptions = { host: defaultEquivalenceHost, clock: { now: 1_700_000_000 }, hz: 250 };
 * ```
 */
export interface IptablesEvalOptions extends EvalEnvironment {
  /** The ipsets `-m set` and `-j SET` refer to (an `ipset save` dump). */
  readonly ipsets?: IpsetSave;
  /** The kernel's timer frequency: limit and recent count time in jiffies (default 250, as Debian and Ubuntu build). */
  readonly hz?: number;
  /** Minutes west of UTC of the kernel's timezone, for `-m time --kerneltz` (default 0). */
  readonly kernelTimezoneMinutesWest?: number;
}

/**
 * The match modules the evaluator models. Others (and some options of these, listed in the module's
 * {@link Unsupported} result) are refused.
 */
export const supportedMatches: ReadonlySet<KnownMatch["kind"]> = new Set<KnownMatch["kind"]>([
  "addrtype",
  "ah",
  "comment",
  "connbytes",
  "connlabel",
  "connlimit",
  "connmark",
  "conntrack",
  "cpu",
  "dccp",
  "devgroup",
  "dscp",
  "dst",
  "ecn",
  "esp",
  "hashlimit",
  "hbh",
  "helper",
  "hl",
  "icmp",
  "icmp6",
  "ipcomp",
  "iprange",
  "ipv6header",
  "length",
  "limit",
  "mac",
  "mark",
  "mh",
  "multiport",
  "nfacct",
  "owner",
  "physdev",
  "pkttype",
  "quota",
  "recent",
  "rpfilter",
  "rt",
  "sctp",
  "set",
  "socket",
  "state",
  "statistic",
  "tcp",
  "tcpmss",
  "time",
  "tos",
  "ttl",
  "udp",
]);

/** The target extensions the evaluator models (besides ACCEPT, DROP, RETURN, QUEUE, jumps and gotos). */
export const supportedTargets: ReadonlySet<KnownTarget["kind"]> = new Set<KnownTarget["kind"]>([
  "AUDIT",
  "CHECKSUM",
  "CLASSIFY",
  "CONNMARK",
  "CONNSECMARK",
  "CT",
  "DNAT",
  "DSCP",
  "ECN",
  "HL",
  "IDLETIMER",
  "LED",
  "LOG",
  "MARK",
  "MASQUERADE",
  "NETMAP",
  "NFLOG",
  "NFQUEUE",
  "NOTRACK",
  "REDIRECT",
  "REJECT",
  "SECMARK",
  "SET",
  "SNAT",
  "TCPMSS",
  "TOS",
  "TPROXY",
  "TRACE",
  "TTL",
]);

/** The tables registered on each hook, in the order the kernel calls them, with their priorities. */
export const iptablesHookTables: Readonly<Record<Hook, readonly { readonly table: TableName; readonly chain: string; readonly priority: number }[]>> = {
  prerouting: [
    { table: "raw", chain: "PREROUTING", priority: -300 },
    { table: "mangle", chain: "PREROUTING", priority: -150 },
    { table: "nat", chain: "PREROUTING", priority: -100 },
  ],
  input: [
    { table: "mangle", chain: "INPUT", priority: -150 },
    { table: "filter", chain: "INPUT", priority: 0 },
    { table: "security", chain: "INPUT", priority: 50 },
    { table: "nat", chain: "INPUT", priority: 100 },
  ],
  forward: [
    { table: "mangle", chain: "FORWARD", priority: -150 },
    { table: "filter", chain: "FORWARD", priority: 0 },
    { table: "security", chain: "FORWARD", priority: 50 },
  ],
  output: [
    { table: "raw", chain: "OUTPUT", priority: -300 },
    { table: "mangle", chain: "OUTPUT", priority: -150 },
    { table: "nat", chain: "OUTPUT", priority: -100 },
    { table: "filter", chain: "OUTPUT", priority: 0 },
    { table: "security", chain: "OUTPUT", priority: 50 },
  ],
  postrouting: [
    { table: "mangle", chain: "POSTROUTING", priority: -150 },
    { table: "nat", chain: "POSTROUTING", priority: 100 },
  ],
};

/** The key under which a rule's counters, nth counter, limit bucket and quota live in {@link EvalState}. */
export function iptablesRuleKey(table: TableName, chain: string, index: number): string {
  return `ipt/${table}/${chain}/${index}`;
}

/**
 * A ruleset checked and indexed for evaluation, to run many packets without redoing that work. Build it
 * with {@link prepareIptables}.
 */
export interface IptablesProgram {
  readonly kind: "iptables-program";
  readonly ruleset: Ruleset;
  /** Chains by name, per table, each with its rules in order. */
  readonly tables: ReadonlyMap<TableName, ReadonlyMap<string, CompiledChain>>;
  /** Whether some rule makes the kernel track connections in the netns (see `rulesetNeedsConntrack`). */
  readonly conntrackInUse: boolean;
}

/** A chain ready to walk: its rules in order and, for a built-in chain, its policy. */
export interface CompiledChain {
  readonly name: string;
  readonly policy?: "ACCEPT" | "DROP";
  readonly builtin: boolean;
  readonly rules: readonly Rule[];
}

/** What {@link prepareIptables} checks against: the ipsets rules refer to, and the timer frequency (rate limits the kernel refuses depend on it). */
export type IptablesPrepareOptions = Pick<IptablesEvalOptions, "ipsets" | "hz">;

/**
 * Checks that the evaluator models everything `ruleset` uses (with these ipsets) and indexes its chains.
 *
 * @example
 * ```ts
 * const { value: ruleset } = parseRuleset(text);
 * const program = ruleset && prepareIptables(ruleset);
 * if (program && program.kind !== "unsupported") {
 *   // Checked once, then run for many packets.
 *   const results = generatePackets(ruleset, { count: 100, seed: 1, paths: ["input"], host: defaultEquivalenceHost }).map((packet) =>
 *     evaluateIptables(program, packet, emptyState, { host: defaultEquivalenceHost, clock: { now: 0 } }),
 *   );
 * } else if (program) console.error(`not modelled: ${program.feature}`);
 * ```
 */
export function prepareIptables(ruleset: Ruleset, options: IptablesPrepareOptions = {}): IptablesProgram | Unsupported {
  const refused = findUnsupported(ruleset, options.ipsets, options.hz ?? defaultHz);
  if (refused !== undefined) return refused;
  const tables = new Map<TableName, ReadonlyMap<string, CompiledChain>>();
  for (const table of ruleset.tables) tables.set(table.name, compileTable(table));
  return { kind: "iptables-program", ruleset, tables, conntrackInUse: rulesetNeedsConntrack(ruleset) };
}

/**
 * Whether a rule of `ruleset` makes conntrack track connections. Since Linux 4.10 conntrack registers its
 * hooks in a network namespace only when a rule asks for it (the module's checkentry calls
 * nf_ct_netns_get): the conntrack matches, CONNMARK, CONNSECMARK, CT other than `--notrack`, and the NAT
 * targets. The nat table alone does not: without conntrack its chains are never called (nf_nat_inet_fn
 * finds no connection). Measured on Linux 6.18 with iptables-legacy, one rule per network namespace and a
 * UDP packet to it: `-t nat -A PREROUTING -j ACCEPT`, NOTRACK, `CT --notrack`, TRACE, MARK, AUDIT, socket,
 * TPROXY, rpfilter, recent, hashlimit, addrtype, LOG and NFLOG leave the conntrack table empty (and a nat
 * chain's counters at 0); state, conntrack, connmark, helper, connbytes, connlabel, connlimit, CONNMARK,
 * CONNSECMARK, `CT --zone/--ctevents/--helper`, DNAT, SNAT, MASQUERADE, REDIRECT and NETMAP fill it.
 */
export function rulesetNeedsConntrack(ruleset: Ruleset): boolean {
  return ruleset.tables.some((t) => t.rules.some((r) => r.matches.some(matchNeedsConntrack) || (r.target !== undefined && targetNeedsConntrack(r.target))));
}

function matchNeedsConntrack(m: Match): boolean {
  return conntrackMatches.has(m.kind);
}

const conntrackMatches: ReadonlySet<Match["kind"]> = new Set<Match["kind"]>(["state", "conntrack", "connmark", "helper", "connbytes", "connlabel", "connlimit", "cluster"]);
const conntrackTargets: ReadonlySet<Target["kind"]> = new Set<Target["kind"]>(["CONNMARK", "CONNSECMARK", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP", "SYNPROXY"]);

function targetNeedsConntrack(t: Target): boolean {
  // xt_ct_tg_check takes conntrack only for a template: `CT --notrack` (and NOTRACK) untrack without it.
  if (t.kind === "CT") return t.notrack === undefined;
  return conntrackTargets.has(t.kind);
}

/**
 * Runs `packet` through `ruleset` on every hook of its path, starting from `state`. Returns every outcome
 * with its exact probability (one outcome unless `statistic --mode random` splits it), or what the
 * evaluator does not model. A packet of the other family passes untouched: the ruleset does not see it.
 * Give a program from {@link prepareIptables} (built with the same ipsets and hz) to skip the checks.
 *
 * @example
 * ```ts
 * const packet: Packet = {
 *   family: "ipv4", path: "input", iif: "eth0", saddr: "192.0.2.7", daddr: "10.0.0.1", l4proto: 6, sport: 40000, dport: 22,
 *   tcpFlags: 0x02, length: 60, ttl: 64, dscp: 0, ecn: 0, mark: 0, pkttype: "unicast", cpu: 0,
 * };
 * const { value: ruleset } = parseRuleset(text);
 * if (ruleset) {
 *   const result = evaluateIptables(ruleset, packet, emptyState, { host: defaultEquivalenceHost, clock: { now: 1_700_000_000 } });
 *   if (result.kind === "outcomes") for (const { p, outcome } of result.outcomes) console.log(p, outcome.verdict.kind);
 * }
 * ```
 */
export function evaluateIptables(ruleset: Ruleset | IptablesProgram, packet: Packet, state: EvalState, options: IptablesEvalOptions): EvalResult {
  const program = ruleset.kind === "iptables-program" ? ruleset : prepareIptables(ruleset, options);
  if (program.kind === "unsupported") return program;
  const outcomes: WeightedOutcome[] = [];
  // Depth-first over the random choices: each run replays a prefix of decisions, takes "matched" at the
  // first new one and leaves "not matched" for a later run, so every branch is visited once.
  const pending: boolean[][] = [[]];
  for (let prefix = pending.pop(); prefix !== undefined; prefix = pending.pop()) {
    const taken: boolean[] = [];
    let p: Rational = ratOne;
    const replay = prefix;
    const choose = (q: Rational): boolean => {
      if (q.num === 0n) return false;
      if (q.num === q.den) return true;
      const decision = taken.length < replay.length ? (replay[taken.length] ?? true) : true;
      if (taken.length >= replay.length) pending.push([...taken, false]);
      taken.push(decision);
      p = ratMul(p, decision ? q : ratSub(ratOne, q));
      return decision;
    };
    const run = new Run(program, options, choose, packet, state);
    const outcome = run.evaluate();
    outcomes.push({ p, outcome });
  }
  return { kind: "outcomes", outcomes };
}

// ---------------------------------------------------------------- static check

function unsupported(feature: string, message: string): Unsupported {
  return { kind: "unsupported", feature, message };
}

/** Options of supported modules that the model cannot evaluate. */
function unsupportedOption(m: KnownMatch, ipsets: IpsetSave | undefined, family: Ruleset["family"], hz: number): Unsupported | undefined {
  if (m.kind === "hbh" && m.hbhOpts !== undefined) return unsupported("match hbh --hbh-opts", "the packet model has no IPv6 options inside the header");
  if (m.kind === "dst" && m.dstOpts !== undefined) return unsupported("match dst --dst-opts", "the packet model has no IPv6 options inside the header");
  if (m.kind === "dccp" && m.dccpOption !== undefined) return unsupported("match dccp --dccp-option", "the packet model has no DCCP options");
  if (m.kind === "sctp" && m.chunkTypes !== undefined) return unsupported("match sctp --chunk-types", "the packet model has no SCTP chunks");
  if (m.kind === "owner") {
    if (m.supplGroups !== undefined) return unsupported("match owner --suppl-groups", "the socket model has no supplementary groups");
    if ((m.uidOwner !== undefined && "name" in m.uidOwner.value) || (m.gidOwner !== undefined && "name" in m.gidOwner.value)) return unsupported("match owner by name", "user and group names belong to the host that loads the rules");
  }
  if (m.kind === "connlabel") {
    if (m.label !== undefined && "name" in m.label.value) return unsupported("match connlabel by name", "label names come from the host's connlabel.conf");
    if (m.set !== undefined) return unsupported("match connlabel --set", "setting a label is not modeled");
  }
  if (m.kind === "set") {
    if ([m.packetsEq, m.packetsLt, m.packetsGt, m.bytesEq, m.bytesLt, m.bytesGt].some((o) => o !== undefined)) return unsupported("match set counters", "ipset element counters are not modeled");
    const ref = m.matchSet?.value;
    if (ref !== undefined) return checkSetReference(ref[0], ref[1], ipsets, "match set");
  }
  if (m.kind === "limit") {
    const rate = m.limit?.value ?? { count: 3, per: "hour" as const };
    const avg = Math.floor((10000 * secondsPer[rate.per]) / rate.count);
    const burst = m.burst?.value ?? 5;
    // limit_mt_check: "Overflow, try lower" when avg * burst does not fit in 32 bits; a burst of 0 is refused.
    if (burst === 0 || avg * burst > 0xffffffff) return unsupported("match limit with this rate and burst", `--limit ${rate.count}/${rate.per} with --limit-burst ${burst}: the kernel refuses a zero burst, and most rates whose period times burst wraps 32 bits (and mis-sizes the bucket of the others)`);
  }
  if (m.kind === "hashlimit") {
    const rate = (m.upto ?? m.above)?.value;
    if (rate?.kind === "bytes") return unsupported("match hashlimit in bytes", "byte-rate hashlimit (credit refills per burst) is not modeled");
    if (m.rateMatch !== undefined) return unsupported("match hashlimit --hashlimit-rate-match", "rate-match windows are not modeled");
    if (m.burst !== undefined && m.burst.value.scale !== "") return unsupported("match hashlimit with a byte burst", "a byte burst on a packet rate is not modeled");
    if (rate !== undefined) {
      const { cost, cap } = hashlimitCredits(rate, BigInt(m.burst?.value.count ?? 5), hz);
      // hashlimit_mt_check_common: "overflow, try lower" when the bucket's credits wrap below one packet's cost.
      if (cap < cost) return unsupported("match hashlimit with this rate and burst", `the kernel refuses --hashlimit ${rate.count}/${rate.per} with burst ${m.burst?.value.count ?? 5} (64-bit overflow)`);
    }
  }
  if (m.kind === "addrtype" && family === "ipv6") {
    const types = [...(m.srcType?.value ?? []), ...(m.dstType?.value ?? [])];
    if (types.some((t) => t === "ANYCAST" || t === "UNREACHABLE")) return unsupported("match addrtype ANYCAST/UNREACHABLE (IPv6)", "IPv6 anycast and unreachable need the host's routes");
  }
  return undefined;
}

function checkSetReference(name: string, flags: readonly string[], ipsets: IpsetSave | undefined, what: string): Unsupported | undefined {
  const set = ipsets?.sets.find((s) => s.name === name);
  if (set === undefined) return unsupported(`${what} ${name}`, `set ${name} is not in the ipset data given to the evaluator`);
  if (set.setType.method === "list") {
    for (const member of set.members) {
      const part = member.parts[0];
      if (part?.kind !== "set") continue;
      const inner = checkSetReference(part.name, flags, ipsets, what);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  const macDst = set.setType.dims.some((d, i) => d === "mac" && flags[i] === "dst");
  if (macDst) return unsupported(`${what} ${name} dst mac`, "the packet model has no destination MAC address");
  return undefined;
}

function findUnsupported(ruleset: Ruleset, ipsets: IpsetSave | undefined, hz: number): Unsupported | undefined {
  for (const table of ruleset.tables) {
    for (const rule of table.rules) {
      for (const m of rule.matches) {
        if (m.kind === "unknown") return unsupported(`match ${m.name}`, `unknown match module ${m.name}`);
        if (!supportedMatches.has(m.kind)) return unsupported(`match ${m.kind}`, `unsupported module ${m.kind}: the evaluator does not model it`);
        const option = unsupportedOption(m, ipsets, ruleset.family, hz);
        if (option !== undefined) return option;
      }
      const target = rule.target;
      if (target === undefined) continue;
      if (target.kind === "unknown") return unsupported(`target ${target.name}`, `unknown target ${target.name}`);
      if (target.kind === "verdict" || target.kind === "jump" || target.kind === "goto") continue;
      if (!supportedTargets.has(target.kind)) return unsupported(`target ${target.kind}`, `unsupported target ${target.kind}: the evaluator does not model it`);
      if (target.kind === "TCPMSS" && target.clampMssToPmtu !== undefined) return unsupported("target TCPMSS --clamp-mss-to-pmtu", "the model has no path MTU");
      if (target.kind === "CT" && (target.zone ?? target.zoneOrig ?? target.zoneReply) !== undefined) return unsupported("target CT --zone", "a zone changes which connection the packet belongs to, which the packet model fixes");
      if (target.kind === "SET") {
        if (target.mapSet !== undefined) return unsupported("target SET --map-set", "skbinfo maps are not modeled");
        for (const ref of [target.addSet?.value, target.delSet?.value]) {
          if (ref === undefined) continue;
          const bad = checkSetReference(ref[0], ref[1], ipsets, "target SET");
          if (bad !== undefined) return bad;
        }
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- compiled ruleset

function compileTable(table: Table): ReadonlyMap<string, CompiledChain> {
  const rulesByChain = new Map<string, Rule[]>();
  for (const rule of table.rules) {
    const list = rulesByChain.get(rule.chain) ?? [];
    list.push(rule);
    rulesByChain.set(rule.chain, list);
  }
  const chains = new Map<string, CompiledChain>();
  for (const chain of table.chains) {
    chains.set(chain.name, { name: chain.name, builtin: chain.builtin, rules: rulesByChain.get(chain.name) ?? [], ...(chain.policy === undefined ? {} : { policy: chain.policy }) });
  }
  return chains;
}

// ---------------------------------------------------------------- one run

/** What a chain traversal ends in: a verdict for the table, or the packet goes on (ACCEPT). */
type TableVerdict = { readonly kind: "accept" } | Exclude<Verdict, { readonly kind: "accept" }>;

/** What a target does to the traversal. */
type TargetResult = { readonly kind: "continue" } | { readonly kind: "verdict"; readonly verdict: TableVerdict };

const continueResult: TargetResult = { kind: "continue" };

/** The kernel refuses rulesets whose chains loop, so a walk this long means a loop the parser let through. */
const maxSteps = 1_000_000;

/** One evaluation along one branch of the random choices; holds the packet and state as they change. */
class Run {
  packet: Packet;
  state: EvalState;
  readonly effects: Effect[] = [];
  readonly trace: TraceStep[] = [];
  /** NAT manips already decided for this (first) packet of its connection. */
  private readonly natDone = new Set<"src" | "dst">();
  private hook: Hook = "prerouting";
  private table: TableName = "filter";
  /**
   * Whether conntrack has attached the packet's connection for the table running now: not in raw (-300,
   * before conntrack's -200 on prerouting and output), and never when no rule loads conntrack.
   */
  private ctAttached = true;
  /** A match asked to drop the packet (`par->hotdrop`): ipt_do_table stops and drops it. */
  private hotdrop = false;
  private ruleKey = "";
  private readonly hz: number;
  private readonly now: number;
  private readonly jiffies: number;
  private readonly startCtMark: number | undefined;

  constructor(
    private readonly program: IptablesProgram,
    private readonly options: IptablesEvalOptions,
    private readonly choose: (p: Rational) => boolean,
    packet: Packet,
    state: EvalState,
  ) {
    // A mark an earlier packet put on the connection is what this packet's conntrack entry carries.
    const ct = packet.ct;
    const savedMark = ct === undefined ? undefined : state.ctMarks.get(connectionKey(ct));
    this.packet = ct !== undefined && savedMark !== undefined ? { ...packet, ct: { ...ct, mark: savedMark } } : packet;
    this.startCtMark = this.packet.ct?.mark;
    this.state = state;
    this.hz = options.hz ?? defaultHz;
    this.now = options.clock.now;
    this.jiffies = Math.floor(this.now * this.hz);
  }

  evaluate(): Outcome {
    const verdict = this.program.ruleset.family === this.packet.family ? this.walkHooks() : ({ kind: "accept" } as const);
    const ct = this.packet.ct;
    // Only a mark a rule changed outlives the packet; otherwise the packet's own conntrack entry stays the truth.
    if (ct !== undefined && ct.mark !== this.startCtMark) this.state = { ...this.state, ctMarks: withEntry(this.state.ctMarks, connectionKey(ct), ct.mark) };
    return { verdict, packet: this.packet, effects: this.effects, trace: this.trace, state: this.state };
  }

  private walkHooks(): Verdict {
    for (const hook of hooksOf[this.packet.path]) {
      this.hook = hook;
      if (hook === "forward") {
        const forwarded = forwardedPacket(this.packet);
        if (forwarded === undefined) return { kind: "drop" };
        this.packet = forwarded;
      }
      for (const entry of iptablesHookTables[hook]) {
        const chains = this.program.tables.get(entry.table);
        this.ctAttached = this.program.conntrackInUse && conntrackAttached(hook, entry.priority, this.packet.iif);
        if (entry.table === "nat") {
          const verdict = this.runNat(entry.chain, chains);
          if (verdict.kind !== "accept") return verdict;
          continue;
        }
        if (chains === undefined) continue;
        this.table = entry.table;
        const verdict = this.runChain(chains, entry.chain);
        if (verdict.kind !== "accept") return verdict;
      }
    }
    return { kind: "accept" };
  }

  /** The nat table: its chain for a connection's first packet, the connection's binding for the others. */
  private runNat(chain: string, chains: ReadonlyMap<string, CompiledChain> | undefined): TableVerdict {
    // nf_nat_inet_fn: no connection (conntrack not loaded, untracked, invalid), no NAT.
    if (!this.ctAttached || this.packet.ct === undefined) return { kind: "accept" };
    const manip = natManipOf(this.hook);
    if (!natRulesConsulted(this.packet)) {
      // nf_nat_inet_fn applies the binding even when no nat table is loaded (the hooks belong to nf_nat).
      this.packet = applyNatBinding(this.packet, this.hook);
      return { kind: "accept" };
    }
    if (chains === undefined || this.natDone.has(manip)) return { kind: "accept" };
    this.table = "nat";
    const verdict = this.runChain(chains, chain);
    // Without a NAT target the connection gets a null binding: nothing changes, and the chain is not asked again.
    this.natDone.add(manip);
    return verdict;
  }

  private runChain(chains: ReadonlyMap<string, CompiledChain>, base: string): TableVerdict {
    const start = chains.get(base);
    if (start === undefined) return { kind: "accept" };
    const stack: { chain: CompiledChain; next: number }[] = [];
    let chain = start;
    let index = 0;
    for (let steps = 0; steps < maxSteps; steps++) {
      const rule = chain.rules[index];
      if (rule === undefined) {
        // End of chain: a user chain returns (implicit RETURN); a built-in chain applies its policy.
        const back = chain.builtin ? undefined : stack.pop();
        if (back !== undefined) {
          chain = back.chain;
          index = back.next;
          continue;
        }
        return this.policy(start);
      }
      this.ruleKey = iptablesRuleKey(this.table, chain.name, index);
      if (!this.ruleMatches(rule)) {
        // A hotdrop ends the packet at once, without counting the rule.
        if (this.hotdrop) return { kind: "drop" };
        index++;
        continue;
      }
      this.state = countPacket(this.state, this.ruleKey, this.packet.length);
      this.trace.push({ hook: this.hook, table: this.table, chain: chain.name, rule: index });
      const target = rule.target;
      if (target === undefined) {
        index++;
        continue;
      }
      if (target.kind === "verdict") {
        if (target.verdict !== "RETURN") return standardVerdict(target.verdict);
        const back = stack.pop();
        if (back === undefined) return this.policy(start);
        chain = back.chain;
        index = back.next;
        continue;
      }
      if (isChainTarget(target)) {
        const next = chains.get(target.chain);
        if (next === undefined) throw new Error(`chain ${target.chain} of table ${this.table} does not exist (the parser checks this)`);
        if (target.kind === "jump") stack.push({ chain, next: index + 1 });
        chain = next;
        index = 0;
        continue;
      }
      if (target.kind === "unknown") throw new Error(`unknown target ${target.name} reached the evaluator (refused before running)`);
      const result = this.applyTarget(target);
      if (result.kind === "verdict") return result.verdict;
      index++;
    }
    throw new Error(`chain walk in table ${this.table} did not end after ${maxSteps} steps: the chains loop`);
  }

  private policy(chain: CompiledChain): TableVerdict {
    this.trace.push({ hook: this.hook, table: this.table, chain: chain.name, rule: "policy" });
    return chain.policy === "DROP" ? { kind: "drop" } : { kind: "accept" };
  }

  // ---------------------------------------------------------------- generic matches

  private ruleMatches(rule: Rule): boolean {
    if (!this.genericMatches(rule)) return false;
    for (const [i, m] of rule.matches.entries()) {
      if (!this.matchModule(m, `${this.ruleKey}#${i}`)) return false;
    }
    return true;
  }

  /** ip_packet_match / ip6_packet_match: addresses, interfaces, protocol, fragment flag. */
  private genericMatches(rule: Rule): boolean {
    const p = this.packet;
    if (rule.source !== undefined && addressMatches(p.saddr, rule.source.value) === rule.source.negated) return false;
    if (rule.destination !== undefined && addressMatches(p.daddr, rule.destination.value) === rule.destination.negated) return false;
    if (rule.inInterface !== undefined && interfaceMatches(p.iif, rule.inInterface.value.name, rule.inInterface.value.wildcard) === rule.inInterface.negated) return false;
    if (rule.outInterface !== undefined && interfaceMatches(p.oif, rule.outInterface.value.name, rule.outInterface.value.wildcard) === rule.outInterface.negated) return false;
    // Protocol 0 (`all`) matches every packet, negated or not, as both kernels skip the test.
    if (rule.protocol !== undefined && rule.protocol.value !== 0 && (p.l4proto === rule.protocol.value) === rule.protocol.negated) return false;
    // `-f` holds for later fragments (offset not 0), `! -f` for the rest.
    if (rule.fragment !== undefined && this.laterFragment() === rule.fragment.negated) return false;
    return true;
  }

  /** A later IPv4 fragment: transport-header matches never hold for it (they test `par->fragoff`). */
  private laterFragment(): boolean {
    return this.packet.family === "ipv4" && (this.packet.fragOffset ?? 0) > 0;
  }

  // ---------------------------------------------------------------- match modules

  private matchModule(m: Match, key: string): boolean {
    if (m.kind === "unknown") throw new Error(`unknown match ${m.name} reached the evaluator (refused before running)`);
    const p = this.packet;
    switch (m.kind) {
      case "comment":
      case "nfacct":
        return true;
      case "tcp": {
        if (this.laterFragment() || p.l4proto !== 6) return false;
        if (!portOption(m.sport, p.sport) || !portOption(m.dport, p.dport)) return false;
        const flags = p.tcpFlags ?? 0;
        if (m.tcpFlags !== undefined) {
          const [mask, comp] = m.tcpFlags.value;
          if (((flags & tcpFlagMask(mask)) === tcpFlagMask(comp)) === m.tcpFlags.negated) return false;
        }
        // --syn is --tcp-flags SYN,RST,ACK,FIN SYN.
        if (m.syn !== undefined && ((flags & 0x17) === 0x02) === m.syn.negated) return false;
        if (m.tcpOption !== undefined && (p.tcpOptions ?? []).includes(m.tcpOption.value) === m.tcpOption.negated) return false;
        return true;
      }
      case "udp":
        if (this.laterFragment() || p.l4proto !== 17) return false;
        return portOption(m.sport, p.sport) && portOption(m.dport, p.dport);
      case "sctp":
        if (this.laterFragment() || p.l4proto !== 132) return false;
        return portOption(m.sport, p.sport) && portOption(m.dport, p.dport);
      case "icmp": {
        if (this.laterFragment() || p.l4proto !== 1 || m.icmpType === undefined) return false;
        const want = m.icmpType.value;
        // Type 255 is the kernel's "any": every ICMP packet.
        const hit = want.type === 255 || (p.icmpType === want.type && (want.code === undefined || p.icmpCode === want.code));
        return hit !== m.icmpType.negated;
      }
      case "icmp6": {
        if (p.l4proto !== 58 || m.icmpv6Type === undefined) return false;
        const want = m.icmpv6Type.value;
        const hit = p.icmpType === want.type && (want.code === undefined || p.icmpCode === want.code);
        return hit !== m.icmpv6Type.negated;
      }
      case "multiport": {
        if (this.laterFragment() || p.sport === undefined || p.dport === undefined) return false;
        const option = m.sports ?? m.dports ?? m.ports;
        if (option === undefined) return false;
        const inList = (port: number): boolean => option.value.some((r) => r.from <= port && port <= r.to);
        const hit = m.sports !== undefined ? inList(p.sport) : m.dports !== undefined ? inList(p.dport) : inList(p.sport) || inList(p.dport);
        return hit !== option.negated;
      }
      case "iprange":
        if (m.srcRange !== undefined && addressInRange(p.saddr, m.srcRange.value.from, m.srcRange.value.to) === m.srcRange.negated) return false;
        if (m.dstRange !== undefined && addressInRange(p.daddr, m.dstRange.value.from, m.dstRange.value.to) === m.dstRange.negated) return false;
        return true;
      case "mark":
        return m.mark !== undefined && markMatches(p.mark, m.mark.value.value, m.mark.value.mask) !== m.mark.negated;
      case "connmark": {
        // xt_connmark: no conntrack entry, no match (negated or not).
        const ct = this.connection();
        return ct !== undefined && m.mark !== undefined && markMatches(ct.mark, m.mark.value.value, m.mark.value.mask) !== m.mark.negated;
      }
      case "state":
        return m.state !== undefined && m.state.value.includes(this.stateName()) !== m.state.negated;
      case "conntrack":
        return this.conntrackMatches(m);
      case "helper": {
        // xt_helper tests the helper of the connection's master: only expected connections have one.
        const ct = this.connection();
        if (m.helper === undefined) return false;
        const helper = ct?.status.expected === true ? ct.masterHelper : undefined;
        if (helper === undefined) return m.helper.negated;
        // strncmp over the length of the connection's helper name: a prefix test in that direction.
        const hit = m.helper.value === "" || m.helper.value.startsWith(helper);
        return hit !== m.helper.negated;
      }
      case "connbytes":
        return this.connbytesMatches(m);
      case "connlabel": {
        const ct = this.connection();
        const label = m.label;
        if (label === undefined || !("bit" in label.value)) return false;
        if (ct === undefined) return label.negated;
        return ct.labels.includes(label.value.bit) !== label.negated;
      }
      case "addrtype":
        return this.addrtypeMatches(m);
      case "pkttype":
        return m.pktType !== undefined && (p.pkttype === m.pktType.value) !== m.pktType.negated;
      case "length":
        return m.length !== undefined && (m.length.value.from <= p.length && p.length <= m.length.value.to) !== m.length.negated;
      case "ttl":
        if (m.ttlEq !== undefined) return (p.ttl === m.ttlEq.value) !== m.ttlEq.negated;
        if (m.ttlLt !== undefined) return p.ttl < m.ttlLt.value;
        if (m.ttlGt !== undefined) return p.ttl > m.ttlGt.value;
        return false;
      case "hl":
        if (m.hlEq !== undefined) return (p.ttl === m.hlEq.value) !== m.hlEq.negated;
        if (m.hlLt !== undefined) return p.ttl < m.hlLt.value;
        if (m.hlGt !== undefined) return p.ttl > m.hlGt.value;
        return false;
      case "dscp":
        return m.dscp !== undefined && (p.dscp === m.dscp.value) !== m.dscp.negated;
      case "tos":
        return m.tos !== undefined && ((tosByte(p) & m.tos.value.mask) === m.tos.value.value) !== m.tos.negated;
      case "ecn": {
        if (m.ecnIpEct !== undefined && (p.ecn === m.ecnIpEct.value) === m.ecnIpEct.negated) return false;
        const flags = p.tcpFlags ?? 0;
        if (m.ecnTcpEce !== undefined && (p.l4proto !== 6 || ((flags & 0x40) !== 0) === m.ecnTcpEce.negated)) return false;
        if (m.ecnTcpCwr !== undefined && (p.l4proto !== 6 || ((flags & 0x80) !== 0) === m.ecnTcpCwr.negated)) return false;
        return true;
      }
      case "tcpmss":
        if (m.mss === undefined || p.l4proto !== 6) return false;
        // xt_tcpmss: a packet without the MSS option matches only the negated test.
        if (p.mss === undefined || !(p.tcpOptions ?? [2]).includes(2)) return m.mss.negated;
        return (m.mss.value.from <= p.mss && p.mss <= m.mss.value.to) !== m.mss.negated;
      case "mac":
        // xt_mac reads the Ethernet header: none on the output path.
        if (m.macSource === undefined || p.mac === undefined) return false;
        return (p.mac.toLowerCase() === m.macSource.value.toLowerCase()) !== m.macSource.negated;
      case "cpu":
        return m.cpu !== undefined && (p.cpu === m.cpu.value) !== m.cpu.negated;
      case "devgroup":
        return this.devgroupMatches(m);
      case "rpfilter":
        return this.rpfilterMatches(m);
      case "rt":
        return this.rtMatches(m);
      case "owner":
        return this.ownerMatches(m);
      case "socket":
        return this.socketMatches(m);
      case "physdev":
        // The model has no bridge: xt_physdev then matches exactly when every option given is negated.
        return [m.physdevIsIn, m.physdevIn, m.physdevIsOut, m.physdevOut, m.physdevIsBridged].every((o) => o === undefined || o.negated);
      case "statistic":
        return this.statisticMatches(m, key);
      case "limit":
        return this.limitMatches(m, key);
      case "hashlimit":
        return this.hashlimitMatches(m);
      case "quota":
        return this.quotaMatches(m, key);
      case "connlimit":
        return this.connlimitMatches(m, key);
      case "recent":
        return this.recentMatches(m);
      case "set":
        return this.setMatches(m);
      case "time":
        return this.timeMatches(m);
      case "esp":
        // xt_esp: a later fragment has no header (par->fragoff, set in both families).
        if ((p.fragOffset ?? 0) > 0 || p.l4proto !== 50) return false;
        return portOption(m.espspi, p.spi ?? 0);
      case "ipcomp":
        if ((p.fragOffset ?? 0) > 0 || p.l4proto !== 108) return false;
        // libxt_ipcomp leaves the range at 0:0 when --ipcompspi is absent.
        return portOption(m.ipcompspi ?? { value: { from: 0, to: 0 }, negated: false }, p.spi ?? 0);
      case "ah":
        return this.ahMatches(m);
      case "hbh":
        return this.optionsHeaderMatches(m.hbhLen, this.packet.hopByHopLength, 0);
      case "dst":
        // The Destination Options header follows a Hop-by-Hop one.
        return this.optionsHeaderMatches(m.dstLen, this.packet.destinationOptionsLength, this.packet.hopByHopLength === undefined ? 0 : (this.packet.hopByHopLength + 1) * 8);
      case "ipv6header":
        return this.ipv6headerMatches(m);
      case "mh":
        // ip6t_mh reads the transport header (-p mh); the model's header has Payload Proto 59, which ip6t_mh wants.
        if (p.family !== "ipv6" || (p.fragOffset ?? 0) > 0 || p.l4proto !== 135) return false;
        return portOption(m.mhType, p.mhType ?? 0);
      case "dccp": {
        if ((p.fragOffset ?? 0) > 0 || p.l4proto !== 33) return false;
        if (!portOption(m.sport, p.sport) || !portOption(m.dport, p.dport)) return false;
        if (m.dccpTypes === undefined) return true;
        // xt_dccp tests `typemask & (1 << type)`; libxt_dccp's INVALID sets the bits of types 10-15.
        const type = p.dccpType ?? 0;
        const hit = m.dccpTypes.value.some((t) => (t === "INVALID" ? type >= 10 : dccpTypeNames.indexOf(t) === type));
        return hit !== m.dccpTypes.negated;
      }
      case "bpf":
      case "cgroup":
      case "cluster":
      case "frag":
      case "policy":
      case "realm":
      case "string":
      case "u32":
        throw new Error(`match ${m.kind} reached the evaluator (refused before running)`);
      default:
        return assertNever(m);
    }
  }

  /**
   * The conntrack entry rules see now: none before conntrack attaches it (the raw table), none for untracked
   * and invalid packets (nf_ct_get returns NULL for them).
   */
  private connection(): Conntrack | undefined {
    return this.ctAttached ? trackedCt(this.packet) : undefined;
  }

  /**
   * The packet's state as `--state`/`--ctstate` name it. Before conntrack (raw) the skb has no entry yet:
   * INVALID, or UNTRACKED once NOTRACK / `CT --notrack` marked it (measured on Linux 6.18: raw PREROUTING
   * counts `--state INVALID` for new and established packets alike, `--state UNTRACKED` after NOTRACK).
   */
  private stateName(): "INVALID" | "NEW" | "RELATED" | "ESTABLISHED" | "UNTRACKED" {
    if (!this.ctAttached) return this.packet.ct === undefined && this.packet.ctInvalid !== true ? "UNTRACKED" : "INVALID";
    return stateName(this.packet);
  }

  private conntrackMatches(m: Extract<KnownMatch, { kind: "conntrack" }>): boolean {
    const ct = this.connection();
    if (m.ctstate !== undefined) {
      const states: string[] = [this.stateName()];
      if (ct?.status.snat === true) states.push("SNAT");
      if (ct?.status.dnat === true) states.push("DNAT");
      if (m.ctstate.value.some((s) => states.includes(s)) === m.ctstate.negated) return false;
    }
    // conntrack_mt: without an entry, the match holds exactly when it tested the state (and the state passed).
    if (ct === undefined) return m.ctstate !== undefined;
    if (m.ctdir !== undefined && (ct.direction === "original") !== (m.ctdir.value === "ORIGINAL")) return false;
    const tupleAddress = (option: typeof m.ctorigsrc, address: string): boolean => option === undefined || addressMatches(address, option.value) !== option.negated;
    if (!tupleAddress(m.ctorigsrc, ct.original.saddr) || !tupleAddress(m.ctorigdst, ct.original.daddr)) return false;
    if (!tupleAddress(m.ctreplsrc, ct.reply.saddr) || !tupleAddress(m.ctrepldst, ct.reply.daddr)) return false;
    if (m.ctproto !== undefined && (ct.original.l4proto === m.ctproto.value) === m.ctproto.negated) return false;
    // Ports of protocols without ports read as 0 (the tuple's `all` field).
    if (!portOption(m.ctorigsrcport, ct.original.sport ?? 0) || !portOption(m.ctorigdstport, ct.original.dport ?? 0)) return false;
    if (!portOption(m.ctreplsrcport, ct.reply.sport ?? 0) || !portOption(m.ctrepldstport, ct.reply.dport ?? 0)) return false;
    if (m.ctstatus !== undefined) {
      const bits: Readonly<Record<string, boolean>> = { NONE: false, EXPECTED: ct.status.expected, SEEN_REPLY: ct.status.seenReply, ASSURED: ct.status.assured, CONFIRMED: ct.status.confirmed };
      // `!!(status_mask & ct->status)`: any listed bit; NONE is no bit, so it never matches unnegated.
      if (m.ctstatus.value.some((s) => bits[s] === true) === m.ctstatus.negated) return false;
    }
    if (m.ctexpire !== undefined && (m.ctexpire.value.from <= ct.expires && ct.expires <= m.ctexpire.value.to) === m.ctexpire.negated) return false;
    return true;
  }

  private connbytesMatches(m: Extract<KnownMatch, { kind: "connbytes" }>): boolean {
    const ct = this.connection();
    if (ct === undefined || m.connbytes === undefined || m.mode === undefined || m.dir === undefined) return false;
    const pick = (c: { readonly original: bigint; readonly reply: bigint }): bigint => (m.dir?.value === "original" ? c.original : m.dir?.value === "reply" ? c.reply : c.original + c.reply);
    let what: bigint;
    switch (m.mode.value) {
      case "packets":
        what = pick(ct.packets);
        break;
      case "bytes":
        what = pick(ct.bytes);
        break;
      case "avgpkt": {
        const packets = pick(ct.packets);
        what = packets === 0n ? 0n : pick(ct.bytes) / packets;
        break;
      }
      default:
        return assertNever(m.mode.value);
    }
    const { from, to } = m.connbytes.value;
    // libxt_connbytes stores `!` by swapping the bounds; the kernel then tests "outside".
    return m.connbytes.negated ? what < from || what > to : from <= what && what <= to;
  }

  private addrtypeMatches(m: Extract<KnownMatch, { kind: "addrtype" }>): boolean {
    const p = this.packet;
    // --limit-iface-in/out: the route must use that interface (IPv4), and IPv6 then never reports LOCAL.
    const dev = m.limitIfaceIn !== undefined ? (p.iif ?? "") : m.limitIfaceOut !== undefined ? (p.oif ?? "") : undefined;
    const test = (option: typeof m.srcType, address: string): boolean => {
      if (option === undefined) return true;
      const hit = p.family === "ipv4" ? ipv4AddrTypeMatches(this.options.host, address, option.value, dev) : ipv6AddrTypeMatches(this.options.host, address, option.value, dev);
      return hit !== option.negated;
    };
    return test(m.srcType, p.saddr) && test(m.dstType, p.daddr);
  }

  private devgroupMatches(m: Extract<KnownMatch, { kind: "devgroup" }>): boolean {
    // xt_devgroup loads only where the device it tests exists; the empty name reads as group 0 here.
    const groupOf = (name: string | undefined): number => deviceGroup(this.options.host, name ?? "");
    const p = this.packet;
    if (m.srcGroup !== undefined && markMatches(groupOf(p.iif), m.srcGroup.value.value & m.srcGroup.value.mask, m.srcGroup.value.mask) === m.srcGroup.negated) return false;
    if (m.dstGroup !== undefined && markMatches(groupOf(p.oif), m.dstGroup.value.value & m.dstGroup.value.mask, m.dstGroup.value.mask) === m.dstGroup.negated) return false;
    return true;
  }

  /**
   * ipt_rpfilter / ip6t_rpfilter: loopback packets pass, as do IPv4 packets from 0.0.0.0/8 to the limited
   * broadcast or link-local multicast and IPv6 packets from `::`. Otherwise the route back to the source
   * (looked up with the packet's mark for `--validmark`, else mark 0) must be unicast (or local with
   * `--accept-local`) and go out through the input interface (any with `--loose`). In IPv6 the lookup names
   * the input interface when strict or for a link-local source, and a local route passes only with
   * `--accept-local`. `--invert` flips the result, including for packets that pass without lookup.
   */
  private rpfilterMatches(m: Extract<KnownMatch, { kind: "rpfilter" }>): boolean {
    const p = this.packet;
    const invert = m.invert !== undefined;
    const loose = m.loose !== undefined;
    const acceptLocal = m.acceptLocal !== undefined;
    if (isLoopbackInterface(p.iif)) return !invert;
    const mark = m.validmark !== undefined ? p.mark : 0;
    if (p.family === "ipv4") {
      if (addressInPrefix(p.saddr, "0.0.0.0", 8) && (p.daddr === "255.255.255.255" || addressInPrefix(p.daddr, "224.0.0.0", 24))) return !invert;
      const route = lookupRoute(this.options.host, p.saddr, { mark });
      const typeOk = route !== undefined && (route.type === "unicast" || (route.type === "local" && acceptLocal));
      const ok = typeOk && (loose || route.nexthops.includes(p.iif ?? ""));
      return ok !== invert;
    }
    if (p.saddr === "::") return !invert;
    const named = !loose || addressInPrefix(p.saddr, "fe80::", 10);
    const route = lookupRoute(this.options.host, p.saddr, { mark, ...(named && p.iif !== undefined ? { dev: p.iif } : {}) });
    let ok: boolean;
    if (route === undefined || route.type === "blackhole" || route.type === "unreachable" || route.type === "prohibit") ok = false;
    else if (route.type === "local") ok = acceptLocal;
    else ok = loose || routeDevice(route.nexthops, named ? p.iif : undefined) === p.iif;
    return ok !== invert;
  }

  /**
   * ip6t_rt: the packet's Routing header (none, or an IPv4 packet: no match, negated or not, as a header
   * longer than the packet). Segments left, length in bytes and type each compare with their own negation;
   * `--rt-0-res` wants the 32 reserved bits zero; `--rt-0-addrs` compares the listed addresses with the
   * header's, in order and all of them (strict), or as an ordered subsequence with `--rt-0-not-strict`.
   */
  /**
   * ipt_ah reads the transport header (the rule's `-p ah`); ip6t_ah finds AH with ipv6_find_hdr, which the
   * model's AH (the last header walked, `l4proto` 51) is. Neither finds it in a later fragment. ip6t_ah's
   * `--ahlen` counts bytes, `(Payload Len + 2) * 4`, and 0 means any; `--ahres` wants Reserved zero.
   */
  private ahMatches(m: Extract<KnownMatch, { kind: "ah" }>): boolean {
    const p = this.packet;
    if ((p.fragOffset ?? 0) > 0 || p.l4proto !== 51) return false;
    if (!portOption(m.ahspi, p.spi ?? 0)) return false;
    if (p.family === "ipv4") return true;
    const bytes = ((p.ahLength ?? 4) + 2) * 4;
    if (m.ahlen !== undefined && m.ahlen.value !== 0 && (m.ahlen.value === bytes) === m.ahlen.negated) return false;
    return m.ahres === undefined || (p.ahReserved ?? 0) === 0;
  }

  /**
   * ip6t_hbh (both `hbh` and `dst`): the header ipv6_find_hdr finds (none: no match), not matching when the
   * packet ends before the header does; `--hbh-len`/`--dst-len` compare its size in bytes. `offset` is the
   * header's offset after the IPv6 header.
   */
  private optionsHeaderMatches(len: { readonly value: number; readonly negated: boolean } | undefined, hdrLength: number | undefined, offset: number): boolean {
    const p = this.packet;
    if (p.family !== "ipv6" || hdrLength === undefined) return false;
    const bytes = (hdrLength + 1) * 8;
    if (p.length - 40 - offset < bytes) return false;
    return len === undefined || (len.value === bytes) !== len.negated;
  }

  /**
   * ip6t_ipv6header: the set of headers the walk from the IPv6 header meets (Hop-by-Hop, Destination,
   * Routing, Fragment, AH, then ESP or No Next Header ends it, anything else is "protocol"). Without `--soft`
   * the set must equal the list (with `!`, differ from it); with it every listed header must be present
   * (with `!`, absent). The model does not say what follows AH: it takes an upper-layer protocol.
   */
  private ipv6headerMatches(m: Extract<KnownMatch, { kind: "ipv6header" }>): boolean {
    const p = this.packet;
    if (p.family !== "ipv6" || m.header === undefined) return false;
    const seen = new Set<string>([
      ...(p.hopByHopLength === undefined ? [] : ["hop-by-hop"]),
      ...(p.destinationOptionsLength === undefined ? [] : ["ipv6-opts"]),
      ...(p.routingHeader === undefined ? [] : ["ipv6-route"]),
      ...((p.fragOffset ?? 0) > 0 || p.moreFragments === true ? ["ipv6-frag"] : []),
      ...(p.l4proto === 51 ? ["ah"] : []),
      p.l4proto === 50 ? "esp" : p.l4proto === 59 ? "ipv6-nonxt" : "protocol",
    ]);
    const { value: listed, negated } = m.header;
    if (m.soft !== undefined) return listed.every((h) => seen.has(h) !== negated);
    const want = new Set<string>(listed);
    const exact = seen.size === want.size && [...want].every((h) => seen.has(h));
    return exact !== negated;
  }

  private rtMatches(m: Extract<KnownMatch, { kind: "rt" }>): boolean {
    const p = this.packet;
    const rh = p.routingHeader;
    if (p.family !== "ipv6" || rh === undefined) return false;
    const bytes = (rh.hdrLength + 1) * 8;
    // The header right after the 40-byte IPv6 header must fit in the packet; when it does not, ip6t_rt drops
    // the packet (hotdrop). Measured on Linux 6.18 (ip6tables-legacy): a 48-byte packet whose Routing header
    // claims 24 bytes is counted by a rule before `-m rt --rt-type 0` (or `! --rt-segsleft 1`) and by no
    // rule after it, nor by the policy. nft's `rt` expressions read such a header's fields (nft_exthdr checks
    // no length), so the kernels differ there.
    if (p.length - 40 < bytes) {
      this.hotdrop = true;
      return false;
    }
    let ok =
      (m.rtSegsleft === undefined || (m.rtSegsleft.value.from <= rh.segmentsLeft && rh.segmentsLeft <= m.rtSegsleft.value.to) !== m.rtSegsleft.negated) &&
      (m.rtLen === undefined || (m.rtLen.value === bytes) !== m.rtLen.negated) &&
      (m.rtType === undefined || (m.rtType.value === rh.type) !== m.rtType.negated);
    if (ok && m.rt0Res !== undefined) ok = rh.reserved === 0;
    if (m.rt0Addrs === undefined) return ok;
    const wanted = m.rt0Addrs.value.map((a) => a.address);
    const slots = Math.floor((bytes - 8) / 16);
    if (wanted.length > slots) return false;
    // Words the model has no address for read as `::`.
    const word = (k: number): string => rh.addresses[k] ?? "::";
    if (m.rt0NotStrict !== undefined) {
      let found = 0;
      for (let k = 0; k < slots; k++) {
        if (sameIpv6(word(k), wanted[found] ?? "::")) found++;
        if (found === wanted.length) break;
      }
      return found === wanted.length && ok;
    }
    let k = 0;
    while (k < wanted.length && sameIpv6(word(k), wanted[k] ?? "::")) k++;
    return k === wanted.length && k === slots && ok;
  }

  private ownerMatches(m: Extract<KnownMatch, { kind: "owner" }>): boolean {
    const sk = this.packet.socket;
    const given = [m.socketExists, m.uidOwner, m.gidOwner].filter((o) => o !== undefined);
    // xt_owner without a socket: true exactly when every option given is negated. A TIME_WAIT socket counts
    // as none (it has no sk_socket). Measured on Linux 6.18: the ACK a TIME_WAIT socket sends is matched by
    // `! --uid-owner 0`, `! --gid-owner 0` and `! --socket-exists`, not by `--uid-owner 0`, `--gid-owner 0`
    // or `--socket-exists` (nft's `meta skuid`/`skgid` stop the rule for it, as for no socket).
    if (sk?.full !== true) return given.every((o) => o.negated);
    if (m.socketExists?.negated === true) return false;
    const inRange = (id: number, o: { readonly from: number; readonly to: number } | { readonly name: string }): boolean => "from" in o && o.from <= id && id <= o.to;
    if (m.uidOwner !== undefined && inRange(sk.uid, m.uidOwner.value) === m.uidOwner.negated) return false;
    if (m.gidOwner !== undefined && inRange(sk.gid, m.gidOwner.value) === m.gidOwner.negated) return false;
    return true;
  }

  private socketMatches(m: Extract<KnownMatch, { kind: "socket" }>): boolean {
    const sk = this.packet.socket;
    if (sk === undefined) return false;
    // xt_socket ignores sockets bound to the any-address unless --nowildcard, and non-transparent ones with --transparent.
    const wildcard = m.nowildcard === undefined && sk.full && sk.wildcard;
    const transparent = m.transparent === undefined || sk.transparent;
    if (m.restoreSkmark !== undefined && !wildcard && transparent && sk.full) this.packet = { ...this.packet, mark: sk.mark };
    return !wildcard && transparent;
  }

  /** xt_statistic: random matches with probability threshold / 2^31; nth keeps a per-rule counter. */
  private statisticMatches(m: Extract<KnownMatch, { kind: "statistic" }>, key: string): boolean {
    if (m.mode?.value === "random") {
      const threshold = BigInt(m.probability?.value.threshold ?? 0);
      const hit = this.choose(rational(threshold > 0x80000000n ? 0x80000000n : threshold, 0x80000000n));
      return hit !== (m.probability?.negated ?? false);
    }
    const every = m.every?.value ?? 1;
    // libxt_statistic stores every - 1 and starts the counter at (every - 1) - packet, so with --packet 0
    // the first packet matches.
    const old = this.state.nth.get(key) ?? every - 1 - (m.packet?.value ?? 0);
    const next = old === every - 1 ? 0 : old + 1;
    this.state = { ...this.state, nth: withEntry(this.state.nth, key, next) };
    return (next === 0) !== (m.every?.negated ?? false);
  }

  /** xt_limit: a credit bucket refilled per jiffy, capped at the burst, each packet costing one period. */
  private limitMatches(m: Extract<KnownMatch, { kind: "limit" }>, key: string): boolean {
    const rate = m.limit?.value ?? { count: 3, per: "hour" as const };
    const avg = Math.floor((10000 * secondsPer[rate.per]) / rate.count);
    const burst = m.burst?.value ?? 5;
    const cpj = creditsPerJiffy(this.hz);
    const user2credits = (user: number): bigint => {
      const u = BigInt(user >>> 0);
      const factor = BigInt(this.hz) * cpj;
      return u > 0xffffffffn / factor ? (u / 10000n) * factor : (u * factor) / 10000n;
    };
    const cost = user2credits(avg);
    // The kernel multiplies in 32 bits (the static check refuses rules where that would wrap).
    const cap = user2credits(Number((BigInt(avg) * BigInt(burst)) & 0xffffffffn));
    const old: LimitBucket = this.state.limits.get(key) ?? { credit: cap, last: this.jiffies };
    // Credits are u32: after a long idle time (2^32 / CREDITS_PER_JIFFY jiffies, about 37 hours at HZ 250)
    // the increase wraps, as it does in the kernel.
    const increase = (BigInt(Math.max(0, this.jiffies - old.last)) * cpj) & 0xffffffffn;
    let credit = (old.credit + increase) & 0xffffffffn;
    if (credit > cap) credit = cap;
    const hit = credit >= cost;
    if (hit) credit -= cost;
    this.state = { ...this.state, limits: withEntry(this.state.limits, key, { credit, last: Math.max(old.last, this.jiffies) }) };
    return hit;
  }

  /**
   * xt_hashlimit (revisions 2 and 3, packet rates): one bucket per group of packets, in a table shared by
   * every rule with the same --hashlimit-name. A group idle for --hashlimit-htable-expire (the rate's unit) is gone
   * (the kernel removes it at its next garbage-collection pass, up to --hashlimit-htable-gcinterval later)
   * and starts again full. Each rule uses its own rate; the kernel would keep the first rule's for the table.
   */
  private hashlimitMatches(m: Extract<KnownMatch, { kind: "hashlimit" }>): boolean {
    const option = m.upto ?? m.above;
    if (option?.value.kind !== "packets") return false;
    const invert = (m.above !== undefined) !== option.negated;
    const { cost, cap, perJiffy } = hashlimitCredits(option.value, BigInt(m.burst?.value.count ?? 5), this.hz);
    const p = this.packet;
    const modes = m.mode?.value ?? [];
    const full = p.family === "ipv4" ? 32 : 128;
    const portsOf = [6, 17, 33, 132, 136].includes(p.l4proto);
    const group = [
      modes.includes("srcip") ? maskAddress(p.saddr, m.srcmask?.value ?? full) : "",
      modes.includes("dstip") ? maskAddress(p.daddr, m.dstmask?.value ?? full) : "",
      modes.includes("srcport") && portsOf ? String(p.sport ?? 0) : "",
      modes.includes("dstport") && portsOf ? String(p.dport ?? 0) : "",
    ].join("|");
    const key = `hashlimit/${p.family}/${m.name?.value ?? ""}/${group}`;
    // Without --hashlimit-htable-expire, libxt_hashlimit sets the rate's unit (1 s for /sec, 60 s for /min...).
    const expire = Math.ceil(((m.htableExpire?.value ?? secondsPer[option.value.per] * 1000) * this.hz) / 1000);
    const old = this.state.limits.get(key);
    let bucket: LimitBucket;
    if (old === undefined || this.jiffies >= old.last + expire) bucket = { credit: cap, last: this.jiffies };
    else if (this.jiffies > old.last) {
      const credit = (old.credit + BigInt(this.jiffies - old.last) * perJiffy) & u64;
      bucket = { credit: credit > cap ? cap : credit, last: this.jiffies };
    } else bucket = old;
    const hit = bucket.credit >= cost;
    this.state = { ...this.state, limits: withEntry(this.state.limits, key, hit ? { ...bucket, credit: bucket.credit - cost } : bucket) };
    return hit !== invert;
  }

  /**
   * xt_connlimit: nf_conncount keeps, per rule and per group (the source address masked by
   * --connlimit-mask, or the destination with --connlimit-daddr, and the conntrack zone), the connections it
   * has seen ({@link conncountAdd}). The match is `count > N` for --connlimit-above and `count <= N` for
   * --connlimit-upto, the count including this packet's connection.
   */
  private connlimitMatches(m: Extract<KnownMatch, { kind: "connlimit" }>, key: string): boolean {
    const p = this.packet;
    const limit = m.above ?? m.upto;
    if (limit === undefined) return true;
    const full = p.family === "ipv4" ? 32 : 128;
    const ct = this.connection();
    // xt_connlimit's key is the masked address and the connection's zone.
    const group = `${maskAddress(m.daddr !== undefined ? p.daddr : p.saddr, m.mask?.value ?? full)}/${String(ct?.zone ?? 0)}`;
    const listKey = `connlimit/${key}/${group}`;
    const old = this.state.sets.get(listKey);
    const list = conncountAdd(old, ct, p);
    if (list !== old && list.size > 0) this.state = { ...this.state, sets: withEntry(this.state.sets, listKey, list) };
    const count = list.size;
    const above = m.above !== undefined ? !m.above.negated : m.upto?.negated === true;
    return above ? count > limit.value : count <= limit.value;
  }

  /** xt_quota: counts the packet's length while it fits; once one does not fit, the quota is spent. */
  private quotaMatches(m: Extract<KnownMatch, { kind: "quota" }>, key: string): boolean {
    const quota = m.quota?.value ?? 0n;
    const used = this.state.quotas.get(key) ?? 0n;
    const len = BigInt(this.packet.length);
    const fits = quota - used >= len;
    this.state = { ...this.state, quotas: withEntry(this.state.quotas, key, fits ? used + len : quota) };
    return fits !== (m.quota?.negated ?? false);
  }

  /**
   * xt_recent. One list per name (shared by every rule that names it), kept in least-recently-updated
   * order as the kernel's LRU list: at most 200 addresses (ip_list_tot; a new one evicts the oldest) with
   * at most 20 stamps each (ip_pkt_list_tot), in jiffies.
   */
  private recentMatches(m: Extract<KnownMatch, { kind: "recent" }>): boolean {
    const p = this.packet;
    const command = m.set ?? m.rcheck ?? m.update ?? m.remove;
    let ret = command?.negated ?? false;
    const name = m.name?.value ?? "DEFAULT";
    const raw = m.rdest !== undefined ? p.daddr : p.saddr;
    const address = m.mask === undefined ? raw : maskAddressWith(raw, m.mask.value.address);
    // The TTL as it was before forwarding: packets on their way out that this host did not send had it decremented.
    const outbound = this.hook === "forward" || this.hook === "postrouting" || this.hook === "output";
    const ttl = outbound && p.socket === undefined ? p.ttl + 1 : p.ttl;
    const list = new Map(this.state.recent.get(name) ?? new Map<string, RecentEntry>());
    const found = list.get(address);
    // recent_entry_lookup compares TTLs only with --rttl, and a stored TTL of 0 matches any.
    const entry = found !== undefined && (m.rttl === undefined || ttl === 0 || found.ttl === 0 || found.ttl === ttl) ? found : undefined;
    let reaped = false;
    const touch = (e: RecentEntry): void => {
      // Moving to the tail of the LRU order: delete, then insert.
      list.delete(address);
      list.set(address, e);
    };
    if (entry === undefined) {
      if (m.set === undefined) return ret;
      if (list.size >= 200) {
        const [oldest] = list.keys();
        if (oldest !== undefined) list.delete(oldest);
      }
      touch({ stamps: [this.jiffies], ttl });
      this.saveRecent(name, list, [["set", address]]);
      return !ret;
    }
    if (m.set !== undefined) ret = !ret;
    else if (m.remove !== undefined) {
      list.delete(address);
      this.saveRecent(name, list, [["remove", address]]);
      return !ret;
    } else {
      const since = this.jiffies - (m.seconds?.value ?? 0) * this.hz;
      const hitcount = m.hitcount?.value ?? 0;
      let hits = 0;
      for (const stamp of entry.stamps) {
        if (m.seconds !== undefined && since > stamp) continue;
        hits++;
        if (hitcount === 0 || hits >= hitcount) {
          ret = !ret;
          break;
        }
      }
      if (m.reap !== undefined && m.seconds !== undefined) {
        // recent_entry_reap looks at the least recently updated address of the list, not this packet's,
        // and spares this packet's when it is about to be updated.
        const [oldestKey, oldest] = [...list.entries()][0] ?? [];
        const updating = m.update !== undefined && ret;
        if (oldestKey !== undefined && oldest !== undefined && !(oldestKey === address && updating) && since > (oldest.stamps[oldest.stamps.length - 1] ?? 0)) {
          list.delete(oldestKey);
          reaped = true;
          this.effects.push({ kind: "recent-update", list: name, op: "remove", address: oldestKey });
        }
      }
    }
    if (m.set !== undefined || (m.update !== undefined && ret)) {
      touch({ stamps: [...entry.stamps, this.jiffies].slice(-20), ttl });
      this.saveRecent(name, list, [[m.set !== undefined ? "set" : "update", address]]);
    } else if (reaped) {
      this.saveRecent(name, list, []);
    }
    return ret;
  }

  private saveRecent(name: string, list: ReadonlyMap<string, RecentEntry>, changes: readonly (readonly ["set" | "update" | "remove", string])[]): void {
    this.state = { ...this.state, recent: withEntry(this.state.recent, name, list) };
    for (const [op, address] of changes) this.effects.push({ kind: "recent-update", list: name, op, address });
  }

  private timeMatches(m: Extract<KnownMatch, { kind: "time" }>): boolean {
    let stamp = Math.floor(this.now);
    if (m.kerneltz !== undefined) stamp -= 60 * (this.options.kernelTimezoneMinutesWest ?? 0);
    const dateStart = m.datestart?.value ?? 0;
    const dateStop = m.datestop?.value ?? 0x7fffffff;
    if (stamp < dateStart || stamp > dateStop) return false;
    const daySeconds = ((stamp % 86400) + 86400) % 86400;
    const start = m.timestart?.value ?? 0;
    const stop = m.timestop?.value ?? 86399;
    if (start < stop) {
      if (daySeconds < start || daySeconds > stop) return false;
    } else {
      if (daySeconds < start && daySeconds > stop) return false;
      // --contiguous: the early part of the window belongs to the day it started on.
      if (m.contiguous !== undefined && daySeconds <= stop) stamp -= 86400;
    }
    const date = new Date(stamp * 1000);
    const weekday = ((date.getUTCDay() + 6) % 7) + 1;
    if (m.weekdays !== undefined) {
      const listed = m.weekdays.value.some((d) => weekdayNumber[d] === weekday);
      if (listed === m.weekdays.negated) return false;
    }
    if (m.monthdays !== undefined) {
      const listed = m.monthdays.value.includes(date.getUTCDate());
      if (listed === m.monthdays.negated) return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- ipset

  private setMatches(m: Extract<KnownMatch, { kind: "set" }>): boolean {
    const ref = m.matchSet;
    if (ref === undefined) return false;
    const result = this.setTest(ref.value[0], ref.value[1], m.returnNomatch !== undefined);
    return result !== ref.negated;
  }

  /** ip_set_test: whether the packet's element is in the set (a nomatch element counts only with --return-nomatch). */
  private setTest(name: string, flags: readonly ("src" | "dst")[], returnNomatch: boolean): boolean {
    const set = this.options.ipsets?.sets.find((s) => s.name === name);
    if (set === undefined) return false;
    if (set.setType.method === "list") {
      for (const member of set.members) {
        const part = member.parts[0];
        if (part?.kind === "set" && this.setTest(part.name, flags, returnNomatch)) return true;
      }
      return false;
    }
    const key = this.packetElementKey(set, flags);
    if (key === undefined) return false;
    const overlay = this.state.sets.get(name)?.get(key);
    if (overlay !== undefined && (overlay.expires === undefined || overlay.expires > this.now)) return overlay.present;
    const hit = this.staticLookup(set, flags);
    if (hit === undefined) return false;
    // --return-nomatch turns a nomatch element into a match and a match into none (for types with nomatch).
    if (returnNomatch && ipsetHasNomatch(set)) return hit.nomatch;
    return !hit.nomatch;
  }

  /** The most specific member the packet falls in, as the hash types search (longest prefixes first). */
  private staticLookup(set: IpsetSet, flags: readonly ("src" | "dst")[]): IpsetMember | undefined {
    let best: { member: IpsetMember; rank: readonly number[] } | undefined;
    for (const member of set.members) {
      const rank: number[] = [];
      let all = true;
      for (const [i, dim] of set.setType.dims.entries()) {
        const part = member.parts[i];
        const flag = flags[i] ?? flags[flags.length - 1] ?? "src";
        const r = part === undefined ? (dim === "mac" && set.setType.method === "bitmap" ? 0 : undefined) : this.partMatch(set, dim, part, flag, member);
        if (r === undefined) {
          all = false;
          break;
        }
        rank.push(r);
      }
      if (!all) continue;
      if (best === undefined || compareRank(rank, best.rank) > 0) best = { member, rank };
    }
    return best?.member;
  }

  /** Whether one part of a member holds the packet's value for that dimension: undefined if not, else its prefix length (for ranking). */
  private partMatch(set: IpsetSet, dim: string, part: IpsetPart, flag: "src" | "dst", member: IpsetMember): number | undefined {
    const p = this.packet;
    switch (part.kind) {
      case "ip": {
        const raw = flag === "src" ? p.saddr : p.daddr;
        const address = this.setAddress(set, raw);
        if (addressValue(address)?.family !== part.address.family) return undefined;
        return addressInPrefix(address, part.address.address, part.address.length) ? part.address.length : undefined;
      }
      case "ip-range": {
        const address = this.setAddress(set, flag === "src" ? p.saddr : p.daddr);
        if (!addressInRange(address, part.from, part.to)) return undefined;
        return dim === "net" ? rangeBlockLength(address, part.from, part.to) : 128;
      }
      case "port": {
        if (this.laterFragment()) return undefined;
        const port = flag === "src" ? p.sport : p.dport;
        if (port === undefined) return undefined;
        const protocols = part.protocol === undefined ? [6, 17] : [ipsetPortProtocols[part.protocol]];
        return protocols.includes(p.l4proto) && part.from <= port && port <= part.to ? 0 : undefined;
      }
      case "icmp":
        return p.l4proto === (part.family === "ipv4" ? 1 : 58) && p.icmpType === part.type && p.icmpCode === part.code && !this.laterFragment() ? 0 : undefined;
      case "protocol":
        return p.l4proto === part.protocol ? 0 : undefined;
      case "iface": {
        if (part.physdev) return undefined;
        const name = flag === "src" ? p.iif : p.oif;
        if (name === undefined) return undefined;
        return (member.wildcard ? name.startsWith(part.name) : name === part.name) ? 0 : undefined;
      }
      case "mark":
        return ((p.mark & (set.options.markmask ?? 0xffffffff)) >>> 0) === part.value >>> 0 ? 0 : undefined;
      case "mac":
        return p.mac !== undefined && p.mac.toUpperCase() === part.address.toUpperCase() ? 0 : undefined;
      case "set":
        return undefined;
      default:
        return assertNever(part);
    }
  }

  /** The packet address as a set of this type stores it: masked by the set's netmask or bitmask. */
  private setAddress(set: IpsetSet, address: string): string {
    if (set.options.bitmask !== undefined) return maskAddressWith(address, set.options.bitmask);
    if (set.options.netmask !== undefined) return maskAddress(address, set.options.netmask);
    return address;
  }

  /** The element `-j SET` adds for this packet, and what a lookup checks in the overlay first. */
  private packetElementKey(set: IpsetSet, flags: readonly ("src" | "dst")[]): string | undefined {
    const p = this.packet;
    const parts: (string | number)[] = [];
    for (const [i, dim] of set.setType.dims.entries()) {
      const flag = flags[i] ?? flags[flags.length - 1] ?? "src";
      switch (dim) {
        case "ip":
        case "net":
          parts.push(this.setAddress(set, flag === "src" ? p.saddr : p.daddr));
          break;
        case "port": {
          const port = flag === "src" ? p.sport : p.dport;
          if (this.laterFragment()) return undefined;
          parts.push(`${p.l4proto}:${port ?? (p.l4proto === 1 || p.l4proto === 58 ? `${p.icmpType ?? 0}/${p.icmpCode ?? 0}` : 0)}`);
          break;
        }
        case "iface": {
          const name = flag === "src" ? p.iif : p.oif;
          if (name === undefined) return undefined;
          parts.push(name);
          break;
        }
        case "mark":
          parts.push((p.mark & (set.options.markmask ?? 0xffffffff)) >>> 0);
          break;
        case "mac":
          if (p.mac === undefined) return undefined;
          parts.push(p.mac.toUpperCase());
          break;
        case "set":
          return undefined;
        default:
          return assertNever(dim);
      }
    }
    return elementKey(parts);
  }

  /** `-j SET --add-set/--del-set`: changes the overlay of packet-made elements. */
  private applySetTarget(t: Extract<KnownTarget, { kind: "SET" }>): void {
    const now = this.now;
    const edit = (name: string, flags: readonly ("src" | "dst")[], op: "add" | "del"): void => {
      const set = this.options.ipsets?.sets.find((s) => s.name === name);
      if (set === undefined || set.setType.method === "list") return;
      const key = this.packetElementKey(set, flags);
      if (key === undefined) return;
      const overlay: ReadonlyMap<string, SetOverlayEntry> = this.state.sets.get(name) ?? new Map<string, SetOverlayEntry>();
      const current = overlay.get(key);
      const live = current !== undefined && (current.expires === undefined || current.expires > now);
      if (op === "add") {
        const timeout = t.timeout?.value ?? set.options.timeout ?? 0;
        // Without --exist, adding an element that is there already fails and leaves its timeout alone.
        if (live && current.present && t.exist === undefined) return;
        const entry = timeout === 0 ? { present: true } : { present: true, expires: now + timeout };
        this.state = { ...this.state, sets: withEntry(this.state.sets, name, withEntry(overlay, key, entry)) };
      } else {
        const present = live ? current.present : this.staticLookup(set, flags) !== undefined;
        if (!present) return;
        this.state = { ...this.state, sets: withEntry(this.state.sets, name, withEntry(overlay, key, { present: false })) };
      }
      this.effects.push({ kind: "set-update", set: name, op, element: key });
    };
    if (t.addSet !== undefined) edit(t.addSet.value[0], t.addSet.value[1], "add");
    if (t.delSet !== undefined) edit(t.delSet.value[0], t.delSet.value[1], "del");
  }

  // ---------------------------------------------------------------- targets

  private applyTarget(t: KnownTarget): TargetResult {
    const p = this.packet;
    switch (t.kind) {
      case "REJECT":
        return { kind: "verdict", verdict: { kind: "reject", with: rejectWith(t.rejectWith?.value, p.family) } };
      case "NFQUEUE": {
        const balance = t.queueBalance?.value;
        // --queue-balance picks a queue by flow hash (or by CPU with --queue-cpu-fanout); the model takes the first, or the CPU's.
        const num = balance === undefined ? (t.queueNum?.value ?? 0) : t.queueCpuFanout !== undefined ? balance.from + (p.cpu % (balance.to - balance.from + 1)) : balance.from;
        return { kind: "verdict", verdict: { kind: "queue", num, bypass: t.queueBypass !== undefined } };
      }
      case "MARK": {
        const [value, mask] = markOperands(t);
        this.packet = { ...p, mark: xmark(p.mark, value, mask) };
        return continueResult;
      }
      case "CONNMARK":
        this.applyConnmark(t);
        return continueResult;
      case "LOG":
        this.effects.push({ kind: "log", hook: this.hook, prefix: t.logPrefix?.value ?? "", level: t.logLevel?.value ?? defaultLogLevel });
        return continueResult;
      case "NFLOG":
        this.effects.push({ kind: "log", hook: this.hook, prefix: t.nflogPrefix?.value ?? "", group: t.nflogGroup?.value ?? 0 });
        return continueResult;
      case "CT":
        if (t.notrack !== undefined) this.untrack();
        // Helpers, timeout policies and event masks shape the connection's later life, not this packet's path.
        return continueResult;
      case "NOTRACK":
        this.untrack();
        return continueResult;
      case "TTL": {
        const v = t.ttlSet?.value ?? t.ttlDec?.value ?? t.ttlInc?.value ?? 0;
        this.packet = { ...p, ttl: t.ttlSet !== undefined ? v : t.ttlDec !== undefined ? Math.max(0, p.ttl - v) : Math.min(255, p.ttl + v) };
        return continueResult;
      }
      case "HL": {
        const v = t.hlSet?.value ?? t.hlDec?.value ?? t.hlInc?.value ?? 0;
        this.packet = { ...p, ttl: t.hlSet !== undefined ? v : t.hlDec !== undefined ? Math.max(0, p.ttl - v) : Math.min(255, p.ttl + v) };
        return continueResult;
      }
      case "DSCP": {
        const dscp = t.setDscp?.value ?? (t.setDscpClass === undefined ? p.dscp : dscpClassValues[t.setDscpClass.value]);
        this.packet = { ...p, dscp };
        return continueResult;
      }
      case "TOS": {
        const [value, mask] = t.setTos !== undefined ? [t.setTos.value.value, t.setTos.value.mask] : t.andTos !== undefined ? [0, ~t.andTos.value & 0xff] : t.orTos !== undefined ? [t.orTos.value, t.orTos.value] : [t.xorTos?.value ?? 0, 0];
        const tos = ((tosByte(p) & ~mask) ^ value) & 0xff;
        this.packet = { ...p, dscp: tos >> 2, ecn: tos & 3 };
        return continueResult;
      }
      case "ECN": {
        let flags = p.tcpFlags;
        if (p.l4proto === 6 && flags !== undefined) {
          if (t.ecnTcpRemove !== undefined) flags &= ~0xc0;
          if (t.ecnTcpEce !== undefined) flags = t.ecnTcpEce.value === 1 ? flags | 0x40 : flags & ~0x40;
          if (t.ecnTcpCwr !== undefined) flags = t.ecnTcpCwr.value === 1 ? flags | 0x80 : flags & ~0x80;
        }
        this.packet = { ...p, ...(flags === undefined ? {} : { tcpFlags: flags }), ...(t.ecnIpEct === undefined ? {} : { ecn: t.ecnIpEct.value }) };
        return continueResult;
      }
      case "CLASSIFY":
        this.packet = { ...p, priority: (((t.setClass?.value.major ?? 0) << 16) | (t.setClass?.value.minor ?? 0)) >>> 0 };
        return continueResult;
      case "TCPMSS": {
        if (p.l4proto !== 6 || this.laterFragment() || t.setMss === undefined) return continueResult;
        const wanted = t.setMss.value;
        const options = p.tcpOptions ?? [];
        if (p.mss !== undefined && options.includes(2)) {
          // It lowers an MSS option, never raises it.
          if (p.mss > wanted) this.packet = { ...p, mss: wanted };
        } else {
          // Without the option it adds one, with at most the RFC 879 default (536, or 1220 for IPv6).
          this.packet = { ...p, mss: Math.min(wanted, p.family === "ipv4" ? 536 : 1220), tcpOptions: [...options, 2] };
        }
        return continueResult;
      }
      case "SET":
        this.applySetTarget(t);
        return continueResult;
      case "DNAT":
        return this.nat("dst", natRange(t.toDestination?.value, t.random !== undefined));
      case "SNAT":
        return this.nat("src", natRange(t.toSource?.value, t.random !== undefined || t.randomFully !== undefined));
      case "MASQUERADE": {
        // The address of the outgoing interface (its first, as the model keeps no primary flag).
        const [address] = interfaceAddresses(hostInterface(this.options.host, p.oif), p.family);
        if (address === undefined) return { kind: "verdict", verdict: { kind: "drop" } };
        return this.nat("src", { addresses: { from: address, to: address }, ...(t.toPorts === undefined ? {} : { ports: t.toPorts.value }), ...(t.random !== undefined || t.randomFully !== undefined ? { random: true } : {}) });
      }
      case "REDIRECT": {
        // Locally generated packets go to the loopback address; others to the first address of the incoming interface.
        const address = this.hook === "output" ? (p.family === "ipv4" ? "127.0.0.1" : "::1") : interfaceAddresses(hostInterface(this.options.host, p.iif), p.family)[0];
        if (address === undefined) return { kind: "verdict", verdict: { kind: "drop" } };
        return this.nat("dst", { addresses: { from: address, to: address }, ...(t.toPorts === undefined ? {} : { ports: t.toPorts.value }), ...(t.random !== undefined ? { random: true } : {}) });
      }
      case "NETMAP": {
        const to = t.to?.value;
        if (to === undefined) return continueResult;
        const manip = natManipOf(this.hook);
        const old = manip === "dst" ? p.daddr : p.saddr;
        const address = netmapAddress(old, to.address, to.length);
        return this.nat(manip, { addresses: { from: address, to: address } });
      }
      case "TPROXY": {
        // The socket TPROXY finds (established, or listening on --on-ip/--on-port) is the packet's socket in
        // the model: with a transparent one the packet is marked and accepted, otherwise dropped.
        const sk = p.socket;
        if (sk === undefined || !sk.transparent || (p.l4proto !== 6 && p.l4proto !== 17)) return { kind: "verdict", verdict: { kind: "drop" } };
        const mark = t.tproxyMark?.value ?? { value: 0, mask: 0 };
        this.packet = { ...p, mark: xmark(p.mark, mark.value, mark.mask) };
        return { kind: "verdict", verdict: { kind: "accept" } };
      }
      case "AUDIT":
        // xt_AUDIT writes an audit record and goes on; since Linux 4.12 --type no longer changes the record.
        this.effects.push({ kind: "audit", hook: this.hook });
        return continueResult;
      case "CHECKSUM":
      case "CONNSECMARK":
      case "SECMARK":
      case "TRACE":
      case "IDLETIMER":
      case "LED":
        // Side effects outside the packet's path (checksum, SELinux labels, trace, timers, LEDs).
        return continueResult;
      case "DNPT":
      case "HMARK":
      case "SNPT":
      case "SYNPROXY":
      case "TCPOPTSTRIP":
      case "TEE":
        throw new Error(`target ${t.kind} reached the evaluator (refused before running)`);
      default:
        return assertNever(t);
    }
  }

  /** CT --notrack / NOTRACK: the packet has no conntrack entry from here on (untracked). */
  private untrack(): void {
    // xt_ct_target leaves a packet that already has a conntrack reference alone, and an untracked packet has
    // one (IP_CT_UNTRACKED); nft_notrack_eval does the same.
    if (this.packet.ct === undefined && this.packet.ctInvalid !== true) return;
    // A connection attached already (a packet received on lo keeps the one of its way out) stays too.
    if (this.ctAttached && this.packet.ct !== undefined) return;
    const { ct: _ct, ...rest } = this.packet;
    this.packet = { ...rest, ctInvalid: false };
    this.effects.push({ kind: "notrack", hook: this.hook });
  }

  private applyConnmark(t: Extract<KnownTarget, { kind: "CONNMARK" }>): void {
    const p = this.packet;
    const ct = this.connection();
    if (ct === undefined) return;
    const shiftRight = t.rightShiftMark !== undefined;
    // x86 takes a 32-bit shift count modulo 32, as JavaScript does.
    const bits = t.rightShiftMark?.value ?? t.leftShiftMark?.value ?? 0;
    const shift = (v: number): number => (shiftRight ? v >>> bits : (v << bits) >>> 0);
    const nfmask = t.nfmask?.value ?? t.mask?.value ?? 0xffffffff;
    const ctmask = t.ctmask?.value ?? t.mask?.value ?? 0xffffffff;
    if (t.saveMark !== undefined) {
      this.setCtMark(((ct.mark & ~ctmask) ^ shift((p.mark & nfmask) >>> 0)) >>> 0);
      return;
    }
    if (t.restoreMark !== undefined) {
      this.packet = { ...this.packet, mark: ((p.mark & ~nfmask) ^ shift((ct.mark & ctmask) >>> 0)) >>> 0 };
      return;
    }
    const [value, mask] = markOperands(t);
    this.setCtMark(shift(xmark(ct.mark, value, mask)));
  }

  private setCtMark(mark: number): void {
    const ct = this.packet.ct;
    if (ct === undefined) return;
    this.packet = { ...this.packet, ct: { ...ct, mark } };
  }

  /**
   * A NAT target on a connection's first packet: picks the new address and port (see the module notes),
   * rewrites the packet, records the binding in its conntrack entry and ends the nat chain.
   */
  private nat(manip: "src" | "dst", range: NatRange | undefined): TargetResult {
    const p = this.packet;
    const ct = p.ct;
    if (ct === undefined || range === undefined) return { kind: "verdict", verdict: { kind: "accept" } };
    const old = manip === "dst" ? { address: p.daddr, ...(p.dport === undefined ? {} : { port: p.dport }) } : { address: p.saddr, ...(p.sport === undefined ? {} : { port: p.sport }) };
    const { address, port } = chooseNatTuple(manip, old, range);
    const next: Packet = manip === "dst" ? { ...p, daddr: address, ...(port === undefined ? {} : { dport: port }) } : { ...p, saddr: address, ...(port === undefined ? {} : { sport: port }) };
    // nf_nat_setup_info marks the connection SNAT/DNAT only when the tuple changed.
    const changed = address !== old.address || port !== old.port;
    const reply = { ...ct.reply, ...(manip === "dst" ? { saddr: address, ...(port === undefined ? {} : { sport: port }) } : { daddr: address, ...(port === undefined ? {} : { dport: port }) }) };
    const status = changed ? { ...ct.status, ...(manip === "dst" ? { dnat: true } : { snat: true }) } : ct.status;
    this.packet = { ...next, ct: { ...ct, reply, status } };
    this.natDone.add(manip);
    this.effects.push({ kind: "nat", hook: this.hook, manip, address, ...(port === undefined ? {} : { port }) });
    return { kind: "verdict", verdict: { kind: "accept" } };
  }
}

// ---------------------------------------------------------------- helpers

/** A NAT target's `--to-*` range in the shape {@link chooseNatTuple} takes. */
function natRange(to: { readonly addresses?: { readonly from: { readonly address: string }; readonly to: { readonly address: string } }; readonly ports?: NatRange["ports"] } | undefined, random: boolean): NatRange | undefined {
  if (to === undefined) return undefined;
  return {
    ...(to.addresses === undefined ? {} : { addresses: { from: to.addresses.from.address, to: to.addresses.to.address } }),
    ...(to.ports === undefined ? {} : { ports: to.ports }),
    ...(random ? { random } : {}),
  };
}

const secondsPer: Readonly<Record<"second" | "minute" | "hour" | "day", number>> = { second: 1, minute: 60, hour: 3600, day: 86400 };

const weekdayNumber: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

const ipsetPortProtocols: Readonly<Record<"tcp" | "udp" | "sctp" | "udplite", number>> = { tcp: 6, udp: 17, sctp: 132, udplite: 136 };

const tcpFlagBits: Readonly<Record<string, number>> = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80, ALL: 0x3f, NONE: 0 };

function tcpFlagMask(names: readonly string[]): number {
  return names.reduce((acc, n) => acc | (tcpFlagBits[n] ?? 0), 0);
}

/** The timer frequency when none is given: 250, as Debian and Ubuntu kernels are built. */
const defaultHz = 250;

const u64 = (1n << 64n) - 1n;

/**
 * xt_hashlimit's credits for a packet rate (revisions 2 and 3): CREDITS_PER_JIFFY is the largest power of
 * two not above 2^64 / (HZ * 86400), and user2credits divides the constants first; products wrap at 64 bits.
 */
function hashlimitCredits(rate: { readonly count: number; readonly per: "second" | "minute" | "hour" | "day" }, burst: bigint, hz: number): { readonly cost: bigint; readonly cap: bigint; readonly perJiffy: bigint } {
  const max = u64 / (BigInt(hz) * 86400n);
  let perJiffy = 1n;
  while (perJiffy * 2n <= max) perJiffy *= 2n;
  const scale = 1000000n;
  const factor = BigInt(hz) * perJiffy;
  const user2credits = (user: bigint): bigint => (scale >= factor ? user / (scale / factor) : (user * (factor / scale)) & u64);
  const avg = (scale * BigInt(secondsPer[rate.per])) / BigInt(rate.count);
  return { cost: user2credits(avg), cap: user2credits((avg * burst) & u64), perJiffy };
}

/** xt_limit's CREDITS_PER_JIFFY: the largest power of two not above 0xFFFFFFFF / (HZ * 86400). */
function creditsPerJiffy(hz: number): bigint {
  const max = 0xffffffffn / (BigInt(hz) * 86400n);
  let p = 1n;
  while (p * 2n <= max) p *= 2n;
  return p;
}

function addressMatches(address: string, m: { readonly kind: "prefix"; readonly address: string; readonly length: number } | { readonly kind: "mask"; readonly address: string; readonly mask: string }): boolean {
  return m.kind === "prefix" ? addressInPrefix(address, m.address, m.length) : addressMatchesMask(address, m.address, m.mask);
}

/** `--sport`/`--dport`-style test: absent options hold; a packet without the field reads as port 0. */
function portOption(option: { readonly value: { readonly from: number; readonly to: number }; readonly negated: boolean } | undefined, port: number | undefined): boolean {
  if (option === undefined) return true;
  const v = port ?? 0;
  return (option.value.from <= v && v <= option.value.to) !== option.negated;
}

/** The conntrack entry rules see: none for untracked and invalid packets (nf_ct_get returns NULL for them). */
function trackedCt(p: Packet): Conntrack | undefined {
  const ct = p.ct;
  return ct === undefined || ct.state === "invalid" || ct.state === "untracked" ? undefined : ct;
}

/** The packet's state as `--state`/`--ctstate` name it. */
function stateName(p: Packet): "INVALID" | "NEW" | "RELATED" | "ESTABLISHED" | "UNTRACKED" {
  const ct = p.ct;
  if (ct === undefined) return p.ctInvalid === true ? "INVALID" : "UNTRACKED";
  switch (ct.state) {
    case "new":
      return "NEW";
    case "established":
      return "ESTABLISHED";
    case "related":
      return "RELATED";
    case "invalid":
      return "INVALID";
    case "untracked":
      return "UNTRACKED";
    default:
      return assertNever(ct.state);
  }
}

function isChainTarget(t: Target): t is ChainTarget {
  return t.kind === "jump" || t.kind === "goto";
}

/** ACCEPT, DROP and QUEUE as a table verdict (QUEUE is queue 0, no bypass). */
function standardVerdict(v: "ACCEPT" | "DROP" | "QUEUE"): TableVerdict {
  switch (v) {
    case "ACCEPT":
      return { kind: "accept" };
    case "DROP":
      return { kind: "drop" };
    case "QUEUE":
      return { kind: "queue", num: 0, bypass: false };
    default:
      return assertNever(v);
  }
}

function tosByte(p: Packet): number {
  return ((p.dscp << 2) | (p.ecn & 3)) & 0xff;
}

/** The `(value, mask)` of MARK and CONNMARK's set operations, as libxt_MARK/libxt_CONNMARK store them: new = (old & ~mask) ^ value. */
function markOperands(t: { readonly setXmark?: { readonly value: { readonly value: number; readonly mask: number } }; readonly setMark?: { readonly value: { readonly value: number; readonly mask: number } }; readonly andMark?: { readonly value: number }; readonly orMark?: { readonly value: number }; readonly xorMark?: { readonly value: number } }): readonly [number, number] {
  if (t.setXmark !== undefined) return [t.setXmark.value.value, t.setXmark.value.mask];
  if (t.setMark !== undefined) return [t.setMark.value.value, (t.setMark.value.value | t.setMark.value.mask) >>> 0];
  if (t.andMark !== undefined) return [0, ~t.andMark.value >>> 0];
  if (t.orMark !== undefined) return [t.orMark.value, t.orMark.value];
  return [t.xorMark?.value ?? 0, 0];
}

/** What REJECT sends: the ICMP error of the packet's family, or a TCP reset. */
function rejectWith(type: string | undefined, family: "ipv4" | "ipv6"): RejectWith {
  const t = type ?? (family === "ipv4" ? "icmp-port-unreachable" : "icmp6-port-unreachable");
  if (t === "tcp-reset") return { kind: "tcp-reset" };
  const v4: Readonly<Record<string, number>> = {
    "icmp-net-unreachable": 0,
    "icmp-host-unreachable": 1,
    "icmp-proto-unreachable": 2,
    "icmp-port-unreachable": 3,
    "icmp-net-prohibited": 9,
    "icmp-host-prohibited": 10,
    "icmp-admin-prohibited": 13,
  };
  const v6: Readonly<Record<string, number>> = {
    "icmp6-no-route": 0,
    "icmp6-adm-prohibited": 1,
    "icmp6-addr-unreachable": 3,
    "icmp6-port-unreachable": 4,
    "icmp6-policy-fail": 5,
    "icmp6-reject-route": 6,
  };
  return family === "ipv4" ? { kind: "icmp", type: 3, code: v4[t] ?? 3 } : { kind: "icmp", type: 1, code: v6[t] ?? 4 };
}

/** NETMAP: the network part from `to/length`, the host part from the old address. */
function netmapAddress(old: string, to: string, length: number): string {
  const a = addressValue(old);
  const n = addressValue(to);
  if (a === undefined || n === undefined || a.family !== n.family) return old;
  const bits = a.family === "ipv4" ? 32n : 128n;
  const all = (1n << bits) - 1n;
  const mask = length === 0 ? 0n : (all << (bits - BigInt(length))) & all;
  return formatAddress(a.family, (n.value & mask) | (a.value & ~mask & all));
}

/**
 * IPv4 address types as xt_addrtype's `inet_dev_addr_type` sees them on the host model (see
 * {@link ipv4AddressType}, which nft's `fib ... type` reads too). ANY of the listed types matches.
 */
export function ipv4AddrTypeMatches(host: HostModel, address: string, types: readonly string[], dev: string | undefined): boolean {
  return types.includes(ipv4AddrType(host, address, dev));
}

/** The route type of an IPv4 address as xt_addrtype sees it through the host model (see {@link ipv4AddrTypeMatches}). */
export function ipv4AddrType(host: HostModel, address: string, dev: string | undefined): string {
  return ipv4AddressType(host, address, dev);
}

/**
 * IPv6 as xt_addrtype's match_type6: every listed type must hold. MULTICAST, UNICAST and UNSPEC come from
 * the address itself; LOCAL from the host model ({@link isLocalAddress}: ::1, `localAddresses` and the
 * interfaces' addresses; with an interface, that interface's addresses).
 */
export function ipv6AddrTypeMatches(host: HostModel, address: string, types: readonly string[], dev: string | undefined): boolean {
  const multicast = addressInPrefix(address, "ff00::", 8);
  const any = address === "::";
  for (const t of types) {
    if (t === "MULTICAST" && !multicast) return false;
    if (t === "UNICAST" && (multicast || any)) return false;
    if (t === "UNSPEC" && !any) return false;
  }
  // With an interface the lookup is bound to it (RT6_LOOKUP_F_IFACE): local only on that interface
  // (measured: fd00::1 on r0 arriving on r0 matched `--dst-type LOCAL --limit-iface-in`, fd01::1 on r1 did not).
  if (types.includes("LOCAL")) return isLocalAddress(host, address, dev);
  return true;
}

/** Whether two IPv6 addresses in text are the same address. */
function sameIpv6(a: string, b: string): boolean {
  const x = addressValue(a);
  const y = addressValue(b);
  return x !== undefined && y !== undefined && x.family === y.family && x.value === y.value;
}

/**
 * The interface of the next hop an IPv6 lookup takes: the one the lookup names when the route has a next
 * hop through it (rt6_device_match, and fib6_select_path leaves a multipath route alone then), else the first.
 */
function routeDevice(nexthops: readonly string[], named: string | undefined): string | undefined {
  return named !== undefined && nexthops.includes(named) ? named : nexthops[0];
}

function ipsetHasNomatch(set: IpsetSet): boolean {
  return set.setType.method === "hash" && set.setType.dims.includes("net");
}

/** Compares prefix-length ranks lexicographically (longer prefixes first, dimension by dimension). */
function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The prefix length of the block of `from-to`'s CIDR cover that holds `address` (how hash:net stores a range). */
function rangeBlockLength(address: string, from: string, to: string): number {
  const a = addressValue(address);
  const f = addressValue(from);
  const t = addressValue(to);
  if (a === undefined || f === undefined || t === undefined) return 0;
  const bits = a.family === "ipv4" ? 32 : 128;
  let cur = f.value;
  while (cur <= t.value) {
    let size = 0;
    while (size < bits && (cur & ((1n << BigInt(size + 1)) - 1n)) === 0n && cur + (1n << BigInt(size + 1)) - 1n <= t.value) size++;
    const end = cur + (1n << BigInt(size)) - 1n;
    if (a.value >= cur && a.value <= end) return bits - size;
    cur = end + 1n;
  }
  return 0;
}
