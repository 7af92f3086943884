/**
 * The nft evaluator: runs one packet through an {@link NftRuleset} with the kernel's nf_tables semantics and
 * returns the exact distribution of outcomes.
 *
 * What it follows (Linux 6.18 nf_tables, nft 1.0.6):
 * - **Hooks.** At each hook of the packet's path, the base chains of every table of the packet's family (`ip` for
 *   IPv4, `ip6` for IPv6, `inet` for both) run by priority; equal priorities run the chain registered last
 *   first (nf_hook_entries_grow inserts a new hook before existing ones of its priority; measured). `nat` chains
 *   are not hooks of their own: the NAT core runs at -100 (prerouting, output) or 100 (input, postrouting) and
 *   calls them there, by their priority, only for a connection's first packet and only until one sets up a
 *   binding (nf_nat_inet_fn; measured: a nat chain of priority 0 in output runs before a filter chain of -50).
 *   Conntrack attaches the connection at -200 on the first hook of the path (a packet received on lo has it
 *   from its way out): chains before it see no connection (`ct state` reads invalid, other ct keys stop the
 *   rule). Conntrack and the NAT core run only when the ruleset needs them (a ct expression, a NAT
 *   statement, ct count, ...), as in a network namespace.
 * - **Chains.** Rules in order, statements left to right. A failed match ends the rule; so does a statement
 *   that cannot evaluate (NFT_BREAK: a header of another protocol, a ct key without a connection, `socket`
 *   without a socket, a map lookup that misses). `jump` pushes a return point (at most 16), `goto` does not,
 *   `return` and the end of a chain pop it, and a base chain ends in its policy. `accept` ends the base chain
 *   only; `drop`, `reject` and `queue` end the packet. NAT statements end the chain with accept.
 * - **Chance.** `meta random` is a symbolic uniform 32-bit number: a comparison with it (after an optional
 *   mask) has an exact probability. `numgen random mod n` takes each value with the kernel's exact weight
 *   (`reciprocal_scale`). Each draw splits the evaluation; the result lists every branch with its probability.
 * - **State.** Counters, numgen counters, limit buckets (nanoseconds of tokens, nft_limit.c), quotas, set
 *   contents changed by packets (with timeouts), ct count lists and connection marks live in {@link EvalState};
 *   the clock is the environment's.
 * - **Host.** `fib` looks addresses up on the host model (its local and broadcast addresses, interfaces and
 *   routes) through the same functions as the iptables evaluator's addrtype and rpfilter; `meta iifgroup` /
 *   `oifgroup` read its interfaces' groups; `exthdr rt` reads the packet's `routingHeader`.
 *
 * Anything the packet model cannot answer (`rt` route data, a hash with a random seed, bits of a header the
 * model does not carry) gives an `unsupported` result naming the construct, never a guess.
 * @module
 */
import type {
  NftBaseChain,
  NftChain,
  NftCt,
  NftExpr,
  NftLimit,
  NftMap,
  NftMatch,
  NftMeta,
  NftNat,
  NftNatFlag,
  NftObject,
  NftPayload,
  NftPayloadProtocol,
  NftPortNat,
  NftRejectWith,
  NftRule,
  NftRuleset,
  NftSet,
  NftSetStatement,
  NftStatement,
  NftTable,
  NftTcpOption,
  NftExthdr,
  NftFib,
  NftVerdict,
} from "../nft/index.js";
import { ruleStatements } from "../nft/index.js";
import {
  addressInPrefix,
  addressValue,
  applyNatBinding,
  assertNever,
  chooseNatTuple,
  conncountAdd,
  connectionKey,
  conntrackPriority,
  ctMarkOf,
  deviceGroup,
  hostInterface,
  interfaceAddresses,
  ipv4AddressType,
  isLocalAddress,
  isLoopbackInterface,
  lookupRoute,
  type Effect,
  type EvalEnvironment,
  type EvalResult,
  type EvalState,
  formatAddress,
  forwardedPacket,
  type LimitBucket,
  type NatRange,
  natManipOf,
  type Outcome,
  natRulesConsulted,
  type RejectWith,
  type RuleCounter,
  ratAdd,
  ratMul,
  ratOne,
  type Rational,
  type SetOverlayEntry,
  type TraceStep,
  type Unsupported,
  type Verdict,
  type WeightedOutcome,
} from "./common.js";
import {
  anyBitSet,
  compareOrdered,
  constantInt,
  constantPattern,
  constantValue,
  dataType,
  intValue,
  isBitmask,
  matchesPattern,
  NftConstantError,
  type NftInt,
  type NftPattern,
  type NftScalarType,
  type NftType,
  type NftTypeName,
  NftUnknownBitsError,
  type NftValue,
  numgenRandomWeights,
  ones,
  randomProbability,
  scalar,
  setKeyType,
  strValue,
  unknownInt,
  valueKey,
} from "./nft-value.js";
import type { Conntrack, Hook, Packet, PacketFamily } from "./packet.js";
import { hooksOf } from "./packet.js";

// ---------------------------------------------------------------------------------------------------------------
// What is supported
// ---------------------------------------------------------------------------------------------------------------

/**
 * The statement kinds the evaluator interprets, each with what it models. Kinds not listed here
 * (`synproxy`, `raw`) give an `unsupported` result.
 */
export const nftSupportedStatements: Readonly<Partial<Record<NftStatement["kind"], string>>> = {
  match: "==, !=, <, >, <=, >=, in (bitmask test or set lookup); values, prefixes, ranges, flag lists, anonymous and named sets (intervals, concatenations, timeouts)",
  accept: "ends the base chain; the next chain or hook follows",
  drop: "ends the packet",
  continue: "ends the rule",
  return: "back to the chain that jumped here, or the base chain's policy",
  jump: "with a return point (at most 16 deep)",
  goto: "without a return point",
  counter: "packets and bytes per rule in the state",
  objref: "named counter, quota and limit; ct helper and ct timeout assignments have no modelled effect",
  mangle: "meta mark/priority/nftrace/pkttype, ct mark/label/zone (zone only before conntrack), ip/ip6 dscp, ecn, ttl, hoplimit, addresses, transport ports, tcp flags, tcp option maxseg size",
  log: "a log effect (prefix, level or group)",
  reject: "icmp, icmpv6, icmpx codes and tcp reset; the default is port-unreachable",
  limit: "nft_limit's token bucket in nanoseconds over the environment's clock (packets and bytes, burst, over)",
  quota: "bytes consumed per rule (over when consumed > quota)",
  "ct count": "distinct connections per rule or set element (confirmed connections are not added again)",
  set: "add, update (timeout refresh), delete on named sets, with per-element limit, quota, counter and ct count",
  meter: "as update on an implicit dynamic set",
  snat: "first address and port of the range, netmap prefixes, inet family filter; first packet only",
  dnat: "first address and port of the range, netmap prefixes, inet family filter; first packet only",
  masquerade: "the output interface's first address of the family",
  redirect: "the input interface's first address (prerouting) or loopback (output)",
  tproxy: "assigns the packet's socket when it is transparent, else ends the rule",
  queue: "a queue verdict; a range with fanout picks by CPU",
  dup: "no effect recorded: the copy leaves the modelled path",
  notrack: "untracked when it runs before conntrack or on an invalid packet",
  vmap: "verdict maps, anonymous and named",
};

/** The expression kinds the evaluator reads, each with its limits. */
export const nftSupportedExpressions: Readonly<Partial<Record<NftExpr["kind"], string>>> = {
  payload: "every named field; fields the packet model lacks (IP id, checksums, TCP sequence) are unknown bits",
  "raw payload": "network and transport header bits the model has",
  exthdr: "IPv6 hop-by-hop, destination options, fragment and routing headers (fields and presence, from `hopByHopLength`, `destinationOptionsLength`, `routingHeader`), mh (presence, type from `mhType`)",
  "tcp option": "presence of the packet's options, maxseg size",
  "ip option": "absent (the model has no IPv4 options)",
  meta: "all keys but cgroup, rtclassid, iifkind, oifkind; iif/oif compared by name; iifgroup/oifgroup from the host model (0 for an interface it does not list); random is exact",
  ct: "all keys but event; helper is the master's helper",
  fib: "type (local, broadcast, multicast, unicast on the host model, and IPv6 route errors), oif and oifname (a route lookup in the host model's routes, as nft_fib_ipv4/ipv6 do it)",
  socket: "transparent, wildcard, mark of the packet's socket",
  numgen: "inc (per rule, first packet 0) and random (exact distribution)",
  number: "constant",
  string: "constant; a trailing * is a wildcard",
  symbol: "constants of every datatype the evaluator types",
  boolean: "exists / missing",
  prefix: "constant",
  range: "constant",
  list: "flag lists",
  set: "anonymous sets and maps",
  mapping: "in maps",
  elem: "set elements with timeouts",
  "set reference": "named sets and maps of the table",
  concat: "concatenated keys",
  binop: "&, |, ^, <<, >> with constants",
  map: "lookups in anonymous and named maps",
};

// ---------------------------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------------------------

/**
 * Options of {@link evaluateNft}: the host and clock, and how to treat what the ruleset does not say.
 *
 * @example
 * ```ts
 * const options: NftEvalOptions = { host: defaultEquivalenceHost, clock: { now: 1_700_000_000 }, loadedAt: 1_700_000_000 };
 * ```
 */
export interface NftEvalOptions extends EvalEnvironment {
  /**
   * Clock time (seconds) the ruleset was loaded at: timeouts of set elements written in the ruleset count
   * from here. Without it those elements never expire.
   */
  readonly loadedAt?: number;
  /** Most branches of chance to follow before giving up (default 4096). */
  readonly maxBranches?: number;
}

/**
 * A ruleset checked and indexed once, to run many packets through it. Build it with {@link prepareNft}.
 */
export class NftProgram {
  readonly kind = "nft-program";
  /** @internal */
  private constructor(
    readonly ruleset: NftRuleset,
    private readonly index: RulesetIndex,
  ) {}

  /** @internal The index {@link evaluateNft} walks. */
  static indexOf(program: NftProgram): RulesetIndex {
    return program.index;
  }

  /** @internal */
  static create(ruleset: NftRuleset): NftProgram {
    return new NftProgram(ruleset, indexRuleset(ruleset));
  }
}

/**
 * Checks that `ruleset` uses nothing the evaluator never models (see `nftSupportedStatements` and
 * `nftSupportedExpressions`) and indexes it for {@link evaluateNft}. What depends on the packet
 * (header bits the model lacks, a fragment's data) can still give an `unsupported` result per packet.
 *
 * @example
 * ```ts
 * const { value: ruleset } = parseRuleset(text);
 * const nft = ruleset && translate(ruleset).value?.nft;
 * const program = nft && prepareNft(nft);
 * // Checked and indexed once, then run for many packets.
 * const verdict = (packet: Packet): EvalResult | undefined =>
 *   program && (program.kind === "unsupported" ? program : evaluateNft(program, packet, emptyState, { host: defaultEquivalenceHost, clock: { now: 0 } }));
 * ```
 */
export function prepareNft(ruleset: NftRuleset): NftProgram | Unsupported {
  for (const t of ruleset.tables) {
    for (const c of t.chains) {
      for (const r of c.rules) {
        for (const stmt of r.exprs) {
          const refused = statementUnsupported(stmt);
          if (refused !== undefined) return refused;
        }
      }
    }
  }
  return NftProgram.create(ruleset);
}

/**
 * Runs `packet` along its path through `ruleset` and returns every possible outcome with its exact
 * probability, or what the evaluator could not model. Pure: the packet and state are not changed; each
 * outcome carries the state after the packet. Give a program from {@link prepareNft} to skip the checks.
 *
 * @example
 * ```ts
 * const packet: Packet = {
 *   family: "ipv4", path: "input", iif: "eth0", saddr: "192.0.2.7", daddr: "10.0.0.1", l4proto: 6, sport: 40000, dport: 22,
 *   tcpFlags: 0x02, length: 60, ttl: 64, dscp: 0, ecn: 0, mark: 0, pkttype: "unicast", cpu: 0,
 * };
 * const { value: ruleset } = parseRuleset(text);
 * const nft = ruleset && translate(ruleset).value?.nft;
 * if (nft) {
 *   const result = evaluateNft(nft, packet, emptyState, { host: defaultEquivalenceHost, clock: { now: 1_700_000_000 } });
 *   if (result.kind === "outcomes") for (const { p, outcome } of result.outcomes) console.log(p, outcome.verdict.kind);
 * }
 * ```
 */
export function evaluateNft(ruleset: NftRuleset | NftProgram, packet: Packet, state: EvalState, options: NftEvalOptions): EvalResult {
  const program = ruleset instanceof NftProgram ? ruleset : prepareNft(ruleset);
  if (!(program instanceof NftProgram)) return program;
  const index = NftProgram.indexOf(program);
  if ((packet.fragOffset ?? 0) > 0 || packet.moreFragments === true) {
    if (index.defragInUse) {
      return unsupportedResult("fragment", "the ruleset loads defragmentation (conntrack, socket or tproxy), so the rules see the reassembled datagram, which the packet model of one fragment does not give");
    }
  }
  const maxBranches = options.maxBranches ?? 4096;
  const outcomes: WeightedOutcome[] = [];
  const pending: (readonly number[])[] = [[]];
  for (let script = pending.pop(); script !== undefined; script = pending.pop()) {
    if (outcomes.length + pending.length >= maxBranches) {
      return unsupportedResult("branches", `more than ${maxBranches} branches of chance (meta random, numgen random)`);
    }
    const run = new PacketRun(index, packet, state, options, script);
    try {
      const outcome = run.walk();
      outcomes.push({ p: run.probability, outcome });
      pending.push(...run.alternatives);
    } catch (e) {
      if (e instanceof UnsupportedConstruct) return { kind: "unsupported", feature: e.feature, message: e.message };
      if (e instanceof NftConstantError) return { kind: "unsupported", feature: `constant ${e.constant}`, message: e.message };
      if (e instanceof NftUnknownBitsError) return { kind: "unsupported", feature: "unknown header bits", message: e.message };
      throw e;
    }
  }
  return { kind: "outcomes", outcomes };
}

function unsupportedResult(feature: string, message: string): EvalResult {
  return { kind: "unsupported", feature, message };
}

/** Why a statement can never be evaluated, or undefined. */
function statementUnsupported(stmt: NftStatement): Unsupported | undefined {
  const refuse = (feature: string, message: string): Unsupported => ({ kind: "unsupported", feature, message });
  const inExprs = (...exprs: (NftExpr | undefined)[]): Unsupported | undefined => {
    for (const e of exprs) {
      if (e === undefined) continue;
      const bad = expressionUnsupported(e);
      if (bad !== undefined) return bad;
    }
    return undefined;
  };
  switch (stmt.kind) {
    case "raw":
      return refuse("statement raw", `a raw statement (${stmt.text}): ${stmt.reason}`);
    case "synproxy":
      return refuse("statement synproxy", "synproxy answers SYNs itself and validates cookies, which the evaluator does not model");
    case "match":
      return inExprs(stmt.left, stmt.right);
    case "mangle": {
      const key = stmt.key;
      const ok =
        (key.kind === "meta" && (key.key === "mark" || key.key === "priority" || key.key === "nftrace" || key.key === "pkttype")) ||
        (key.kind === "ct" && (key.key === "mark" || key.key === "label" || key.key === "zone" || key.key === "event")) ||
        (key.kind === "payload" && manglePayloadFields.has(`${key.protocol} ${key.field}`)) ||
        (key.kind === "tcp option" && key.name === "maxseg" && key.field === "size");
      if (!ok) return refuse(`mangle ${printKey(key)}`, `setting ${printKey(key)} is not modelled`);
      return inExprs(stmt.value);
    }
    case "vmap":
      return inExprs(stmt.key, stmt.data);
    case "set":
      return inExprs(stmt.elem) ?? (stmt.stmts ?? []).map(statementUnsupported).find((x) => x !== undefined);
    case "meter":
      return inExprs(stmt.key) ?? statementUnsupported(stmt.stmt);
    case "snat":
    case "dnat":
      return inExprs(stmt.addr, stmt.port);
    case "masquerade":
    case "redirect":
      return inExprs(stmt.port);
    case "tproxy":
      return inExprs(stmt.addr, stmt.port);
    case "queue":
      return inExprs(stmt.num);
    case "dup":
      return inExprs(stmt.addr, stmt.dev);
    case "accept":
    case "drop":
    case "continue":
    case "return":
    case "jump":
    case "goto":
    case "counter":
    case "objref":
    case "log":
    case "reject":
    case "limit":
    case "quota":
    case "ct count":
    case "notrack":
      return undefined;
    default:
      return assertNever(stmt);
  }
}

/** Payload fields a mangle statement may write. */
const manglePayloadFields: ReadonlySet<string> = new Set([
  "ip dscp", "ip ecn", "ip ttl", "ip saddr", "ip daddr", "ip6 dscp", "ip6 ecn", "ip6 hoplimit", "ip6 saddr", "ip6 daddr", "tcp flags",
  ...["tcp", "udp", "udplite", "sctp", "dccp", "th"].flatMap((p) => [`${p} sport`, `${p} dport`]),
]);

function printKey(e: NftExpr): string {
  if (e.kind === "meta" || e.kind === "ct") return `${e.kind} ${e.key}`;
  if (e.kind === "payload") return `${e.protocol} ${e.field}`;
  if (e.kind === "tcp option") return `tcp option ${e.name} ${e.field ?? ""}`.trimEnd();
  return e.kind;
}

/** Why an expression can never be evaluated, or undefined. */
function expressionUnsupported(e: NftExpr): Unsupported | undefined {
  const refuse = (feature: string, message: string): Unsupported => ({ kind: "unsupported", feature, message });
  if (e.kind === "jhash") return refuse("expression jhash", "jhash depends on a seed and on how nft lays the key out in registers, which the evaluator does not reproduce");
  if (e.kind === "symhash") return refuse("expression symhash", "symhash uses the kernel's flow hash with a random key");
  if (e.kind === "rt") return refuse(`expression rt ${e.key}`, "the packet model has no routing table");
  if (e.kind === "ipsec") return refuse("expression ipsec", "the packet model has no IPsec state");
  if (e.kind === "meta" && (e.key === "cgroup" || e.key === "rtclassid" || e.key === "iifkind" || e.key === "oifkind")) return refuse(`meta ${e.key}`, `the packet model has no ${e.key}`);
  if (e.kind === "ct" && e.key === "event") return refuse("ct event", "ct event can only be set");
  for (const sub of subExpressions(e)) {
    const bad = expressionUnsupported(sub);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/**
 * Raised inside one evaluation when the ruleset uses something the evaluator does not model; caught by
 * {@link evaluateNft} and returned as an `unsupported` result (it never escapes).
 */
class UnsupportedConstruct extends Error {
  readonly feature: string;
  constructor(feature: string, message: string) {
    super(message);
    this.feature = feature;
  }
}

function unsupported(feature: string, message: string): never {
  throw new UnsupportedConstruct(feature, message);
}

// ---------------------------------------------------------------------------------------------------------------
// The ruleset, indexed for evaluation
// ---------------------------------------------------------------------------------------------------------------

interface TableIndex {
  readonly table: NftTable;
  /** `family name`, the table's name in traces and state keys. */
  readonly key: string;
  readonly chains: ReadonlyMap<string, NftChain>;
  readonly sets: ReadonlyMap<string, NftSet>;
  readonly maps: ReadonlyMap<string, NftMap>;
  readonly objects: ReadonlyMap<string, NftObject>;
}

interface BaseChainRef {
  readonly table: TableIndex;
  readonly chain: NftChain;
  readonly base: NftBaseChain;
  /** Registration order: position in the ruleset. */
  readonly order: number;
}

type HookEntry =
  | { readonly kind: "chain"; readonly priority: number; readonly order: number; readonly ref: BaseChainRef }
  | { readonly kind: "nat"; readonly priority: number; readonly order: number; readonly chains: readonly BaseChainRef[] }
  | { readonly kind: "conntrack"; readonly priority: number; readonly order: number };

interface RulesetIndex {
  readonly tables: readonly TableIndex[];
  readonly baseChains: readonly BaseChainRef[];
  /** Whether some expression needs conntrack (nf_ct_netns_get), which then runs for every packet. */
  readonly conntrackInUse: boolean;
  /** Whether defragmentation runs (conntrack, socket, tproxy). */
  readonly defragInUse: boolean;
  readonly entries: (hook: Hook, family: PacketFamily) => readonly HookEntry[];
  /** Constants parsed by type, once per ruleset (set elements are read on every lookup). */
  readonly pattern: (e: NftExpr, type: NftType) => NftPattern;
}

function familyServes(table: NftTable, family: PacketFamily): boolean {
  return table.family === "inet" || (table.family === "ip") === (family === "ipv4");
}

function natCorePriority(hook: Hook): number | undefined {
  switch (hook) {
    case "prerouting":
    case "output":
      return -100;
    case "input":
    case "postrouting":
      return 100;
    case "forward":
      return undefined;
    default:
      return assertNever(hook);
  }
}

function indexRuleset(ruleset: NftRuleset): RulesetIndex {
  const tables = ruleset.tables.map((table): TableIndex => ({
    table,
    key: `${table.family} ${table.name}`,
    chains: new Map(table.chains.map((c) => [c.name, c])),
    sets: new Map(table.sets.map((s) => [s.name, s])),
    maps: new Map(table.maps.map((m) => [m.name, m])),
    objects: new Map(table.objects.map((o) => [`${o.kind} ${o.name}`, o])),
  }));
  const baseChains: BaseChainRef[] = [];
  for (const t of tables) {
    for (const chain of t.table.chains) {
      if (chain.base !== undefined) baseChains.push({ table: t, chain, base: chain.base, order: baseChains.length });
    }
  }
  const needsConntrack = tables.some((t) => t.table.objects.some((o) => o.kind === "ct helper" || o.kind === "ct timeout") || t.table.chains.some((c) => c.rules.some((r) => r.exprs.some(statementNeedsConntrack))));
  const needsDefrag = needsConntrack || tables.some((t) => t.table.chains.some((c) => c.rules.some((r) => r.exprs.some(statementNeedsDefrag))));
  const cache = new Map<string, readonly HookEntry[]>();
  const entries = (hook: Hook, family: PacketFamily): readonly HookEntry[] => {
    const cacheKey = `${hook} ${family}`;
    const cached = cache.get(cacheKey);
    if (cached !== undefined) return cached;
    const list: HookEntry[] = [];
    const served = baseChains.filter((b) => familyServes(b.table.table, family));
    for (const ref of served) {
      if (ref.base.hook === hook && ref.base.type !== "nat") list.push({ kind: "chain", priority: ref.base.priority, order: ref.order, ref });
    }
    const natChains = served.filter((b) => b.base.type === "nat");
    const natPriority = natCorePriority(hook);
    const [firstNat] = natChains;
    if (firstNat !== undefined && natPriority !== undefined) {
      // The NAT core registers its hooks with the family's first nat chain; it calls the chains of this hook.
      const here = natChains.filter((b) => b.base.hook === hook).sort(byPriorityThenLatest);
      list.push({ kind: "nat", priority: natPriority, order: firstNat.order, chains: here });
    }
    if (needsConntrack && (hook === "prerouting" || hook === "output")) {
      // Conntrack registers when the first rule needing it is added, after the chains: at -200 it runs first.
      list.push({ kind: "conntrack", priority: conntrackPriority, order: Number.MAX_SAFE_INTEGER });
    }
    list.sort(byPriorityThenLatest);
    cache.set(cacheKey, list);
    return list;
  };
  const patterns = new WeakMap<NftExpr, Map<string, NftPattern>>();
  const pattern = (e: NftExpr, type: NftType): NftPattern => {
    const typeKey = type.kind === "scalar" ? `${type.name}/${type.bits}` : type.parts.map((t) => `${t.name}/${t.bits}`).join(".");
    let byType = patterns.get(e);
    if (byType === undefined) {
      byType = new Map();
      patterns.set(e, byType);
    }
    const cached = byType.get(typeKey);
    if (cached !== undefined) return cached;
    const parsed = constantPattern(e, type);
    byType.set(typeKey, parsed);
    return parsed;
  };
  return { tables, baseChains, conntrackInUse: needsConntrack, defragInUse: needsDefrag, entries, pattern };
}

function byPriorityThenLatest(a: { readonly priority: number; readonly order: number } | BaseChainRef, b: { readonly priority: number; readonly order: number } | BaseChainRef): number {
  const pa = "base" in a ? a.base.priority : a.priority;
  const pb = "base" in b ? b.base.priority : b.priority;
  return pa !== pb ? pa - pb : b.order - a.order;
}

function statementNeedsConntrack(stmt: NftStatement): boolean {
  switch (stmt.kind) {
    case "snat":
    case "dnat":
    case "masquerade":
    case "redirect":
    case "ct count":
    case "synproxy":
      return true;
    case "objref":
      return stmt.type === "ct helper" || stmt.type === "ct timeout";
    case "match":
      return exprUses(stmt.left, isCtExpr) || exprUses(stmt.right, isCtExpr);
    case "mangle":
      return exprUses(stmt.key, isCtExpr) || exprUses(stmt.value, isCtExpr);
    case "vmap":
      return exprUses(stmt.key, isCtExpr);
    case "set":
      return exprUses(stmt.elem, isCtExpr) || (stmt.stmts ?? []).some(statementNeedsConntrack);
    case "meter":
      return exprUses(stmt.key, isCtExpr) || statementNeedsConntrack(stmt.stmt);
    case "accept":
    case "drop":
    case "continue":
    case "return":
    case "jump":
    case "goto":
    case "counter":
    case "log":
    case "reject":
    case "limit":
    case "quota":
    case "tproxy":
    case "queue":
    case "dup":
    case "notrack":
    case "raw":
      return false;
    default:
      return assertNever(stmt);
  }
}

function statementNeedsDefrag(stmt: NftStatement): boolean {
  if (stmt.kind === "tproxy") return true;
  if (stmt.kind === "match") return exprUses(stmt.left, (e) => e.kind === "socket");
  return false;
}

function isCtExpr(e: NftExpr): boolean {
  return e.kind === "ct";
}

/** Whether `e` or a sub-expression satisfies `test`. */
function exprUses(e: NftExpr, test: (e: NftExpr) => boolean): boolean {
  return test(e) || subExpressions(e).some((x) => exprUses(x, test));
}

/** The expressions directly inside `e`. */
function subExpressions(e: NftExpr): readonly NftExpr[] {
  switch (e.kind) {
    case "jhash":
      return [e.expr];
    case "range":
      return [e.low, e.high];
    case "list":
      return e.values;
    case "set":
      return e.elements;
    case "mapping":
      return [e.key, e.value];
    case "elem":
      return [e.val];
    case "concat":
      return e.exprs;
    case "binop":
      return [e.left, e.right];
    case "map":
      return [e.key, e.data];
    case "payload":
    case "raw payload":
    case "exthdr":
    case "tcp option":
    case "ip option":
    case "meta":
    case "ct":
    case "fib":
    case "socket":
    case "numgen":
    case "symhash":
    case "rt":
    case "ipsec":
    case "number":
    case "string":
    case "symbol":
    case "boolean":
    case "prefix":
    case "set reference":
    case "accept":
    case "drop":
    case "continue":
    case "return":
    case "jump":
    case "goto":
      return [];
    default:
      return assertNever(e);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One run through the hooks, following one branch of chance
// ---------------------------------------------------------------------------------------------------------------

/** A statement that ends the rule without a verdict (NFT_BREAK). */
const BREAK = { kind: "break" } as const;
type Break = typeof BREAK;

/** A rule's result: go on with the next rule, or a verdict. */
type RuleVerdict =
  | { readonly kind: "next" }
  | { readonly kind: "accept" }
  | { readonly kind: "drop" }
  | { readonly kind: "reject"; readonly with: RejectWith }
  | { readonly kind: "queue"; readonly num: number; readonly bypass: boolean }
  | { readonly kind: "jump"; readonly target: string }
  | { readonly kind: "goto"; readonly target: string }
  | { readonly kind: "return" };

/** A statement's result: the next statement, the end of the rule, or a verdict. */
type StatementResult = { readonly kind: "go on" } | Break | RuleVerdict;

const GO_ON: StatementResult = { kind: "go on" };
const NEXT_RULE: RuleVerdict = { kind: "next" };

/** A verdict that ends the packet's path. */
type FinalVerdict = Exclude<Verdict, { readonly kind: "accept" }>;

/** What the chains see of conntrack. */
type CtView =
  | { readonly kind: "not yet" }
  | { readonly kind: "untracked" }
  | { readonly kind: "invalid" }
  | { readonly kind: "tracked" };

interface ChainContext {
  readonly hook: Hook;
  readonly table: TableIndex;
  readonly chain: NftChain;
  readonly base: NftBaseChain;
}

interface RuleContext extends ChainContext {
  readonly rule: NftRule;
  /** The chain the rule is in (a regular chain reached by jump or goto, or the base chain). */
  readonly ruleChain: NftChain;
  /** `table/chain/index`: the rule's name in state keys. */
  readonly key: string;
}

/** The state of a set element changed by packets: key, per element stateful statements. */
interface DynamicSet {
  /** State key of the set: `family table set`. */
  readonly key: string;
  readonly name: string;
  readonly type: NftType;
  readonly timeoutFlag: boolean;
  readonly timeout?: number;
  readonly size: number;
  readonly staticElements: readonly NftExpr[];
}

class PacketRun {
  /** The probability of the branch taken so far. */
  probability: Rational = ratOne;
  /** Choice scripts of the branches not taken, for the caller to run. */
  readonly alternatives: (readonly number[])[] = [];

  private readonly choicesTaken: number[] = [];
  private packet: Packet;
  private ctView: CtView = { kind: "not yet" };
  /** The packet was untracked by `notrack` (or arrived untracked) before conntrack ran. */
  private notracked: boolean;
  private zoneTemplate: number | undefined;
  private readonly natDone = { src: false, dst: false };
  private hook: Hook = "prerouting";
  private readonly effects: Effect[] = [];
  private readonly trace: TraceStep[] = [];
  private readonly counters: Map<string, RuleCounter>;
  private readonly ctMarks: Map<string, number>;
  private readonly nth: Map<string, number>;
  private readonly limits: Map<string, LimitBucket>;
  private readonly quotas: Map<string, bigint>;
  private readonly sets: Map<string, ReadonlyMap<string, SetOverlayEntry>>;
  private readonly now: bigint;

  constructor(
    private readonly index: RulesetIndex,
    packet: Packet,
    private readonly state: EvalState,
    private readonly options: NftEvalOptions,
    private readonly script: readonly number[],
  ) {
    this.counters = new Map(state.counters);
    this.ctMarks = new Map(state.ctMarks);
    this.nth = new Map(state.nth);
    this.limits = new Map(state.limits);
    this.quotas = new Map(state.quotas);
    this.sets = new Map(state.sets);
    this.now = secondsToNanos(options.clock.now);
    // The connection mark a previous packet set wins over the packet's own.
    const mark = ctMarkOf(state, packet);
    this.packet = packet.ct !== undefined && mark !== undefined ? { ...packet, ct: { ...packet.ct, mark } } : packet;
    this.notracked = packet.ct === undefined && packet.ctInvalid !== true;
  }

  // ------------------------------------------------------------------ chance

  /** Picks one of `weights` (exact probabilities summing to 1); the others become alternatives to run. */
  private choose(weights: readonly Rational[]): number {
    const possible = weights.flatMap((w, i) => (w.num === 0n ? [] : [i]));
    const [first] = possible;
    if (first === undefined) throw new Error("a choice without any possible option");
    if (possible.length === 1) return first;
    const at = this.choicesTaken.length;
    let pick: number;
    if (at < this.script.length) {
      pick = this.script[at] ?? first;
    } else {
      pick = first;
      for (const other of possible.slice(1)) this.alternatives.push([...this.choicesTaken, other]);
    }
    this.choicesTaken.push(pick);
    this.probability = ratMul(this.probability, weights[pick] ?? ratOne);
    return pick;
  }

  /** True with probability `p`. */
  private chance(p: Rational): boolean {
    const q: Rational = { num: p.den - p.num, den: p.den };
    return this.choose([p, q]) === 0;
  }

  // ------------------------------------------------------------------ the path

  walk(): Outcome {
    // A packet received on lo keeps the connection conntrack attached on its way out: chains before -200
    // see it (see conntrackAttached).
    if (this.index.conntrackInUse && isLoopbackInterface(this.packet.iif)) this.attachConntrack();
    for (const hook of hooksOf[this.packet.path]) {
      this.hook = hook;
      if (hook === "forward") {
        const forwarded = forwardedPacket(this.packet);
        if (forwarded === undefined) return this.outcome({ kind: "drop" });
        this.packet = forwarded;
      }
      for (const entry of this.index.entries(hook, this.packet.family)) {
        const verdict = this.runEntry(entry);
        if (verdict !== undefined) return this.outcome(verdict);
      }
    }
    return this.outcome({ kind: "accept" });
  }

  private outcome(verdict: Verdict): Outcome {
    const state: EvalState = {
      ...this.state,
      counters: this.counters,
      ctMarks: this.ctMarks,
      nth: this.nth,
      limits: this.limits,
      quotas: this.quotas,
      sets: this.sets,
    };
    return { verdict, packet: this.packet, effects: this.effects, trace: this.trace, state };
  }

  private runEntry(entry: HookEntry): FinalVerdict | undefined {
    switch (entry.kind) {
      case "conntrack":
        this.attachConntrack();
        return undefined;
      case "nat":
        return this.runNatCore(entry.chains);
      case "chain":
        return this.runBaseChain(entry.ref);
      default:
        return assertNever(entry);
    }
  }

  private attachConntrack(): void {
    if (this.ctView.kind !== "not yet") return;
    const ct = this.packet.ct;
    if (this.notracked || (ct === undefined && this.packet.ctInvalid !== true)) {
      this.ctView = { kind: "untracked" };
      this.packet = withoutCt(this.packet, false);
    } else if (ct === undefined) {
      this.ctView = { kind: "invalid" };
    } else {
      this.ctView = { kind: "tracked" };
      if (this.zoneTemplate !== undefined) this.packet = { ...this.packet, ct: { ...ct, zone: this.zoneTemplate } };
    }
  }

  /** The connection the rules see now, or undefined. */
  private connection(): Conntrack | undefined {
    return this.ctView.kind === "tracked" ? this.packet.ct : undefined;
  }

  private runNatCore(chains: readonly BaseChainRef[]): FinalVerdict | undefined {
    const hook = this.hook;
    if (this.connection() === undefined) return undefined;
    const manip = natManipOf(hook);
    if (natRulesConsulted(this.packet) && !this.natIsDone(manip)) {
      for (const ref of chains) {
        const verdict = this.runBaseChain(ref);
        if (verdict !== undefined) return verdict;
        // The first chain that sets up a binding ends the NAT core's walk.
        if (this.natIsDone(manip)) break;
      }
      return undefined;
    }
    this.packet = applyNatBinding(this.packet, hook);
    return undefined;
  }

  private natIsDone(manip: "src" | "dst"): boolean {
    return this.natDone[manip];
  }

  // ------------------------------------------------------------------ chains

  /** Runs a base chain: undefined when the packet goes on (accept), else the final verdict. */
  private runBaseChain(ref: BaseChainRef): FinalVerdict | undefined {
    const base: ChainContext = { hook: this.hook, table: ref.table, chain: ref.chain, base: ref.base };
    const stack: { readonly chain: NftChain; readonly next: number }[] = [];
    let chain = ref.chain;
    let i = 0;
    for (;;) {
      let popped = false;
      while (i < chain.rules.length && !popped) {
        const rule = chain.rules[i];
        if (rule === undefined) break;
        const verdict = this.runRule({ ...base, rule, ruleChain: chain, key: `${ref.table.key}/${chain.name}/${i}` });
        switch (verdict.kind) {
          case "next":
            i++;
            break;
          case "accept":
            return undefined;
          case "drop":
          case "reject":
          case "queue":
            return verdict;
          case "jump":
          case "goto": {
            const target = ref.table.chains.get(verdict.target);
            if (target === undefined) unsupported("chain", `${verdict.kind} to chain ${verdict.target}, which table ${ref.table.key} does not have`);
            if (verdict.kind === "jump") {
              // NFT_JUMP_STACK_SIZE: deeper nesting is refused when the ruleset is loaded.
              if (stack.length >= 16) unsupported("jump depth", "more than 16 nested jumps, which nft refuses to load");
              stack.push({ chain, next: i + 1 });
            }
            chain = target;
            i = 0;
            break;
          }
          case "return":
            popped = true;
            break;
          default:
            return assertNever(verdict);
        }
      }
      const back = stack.pop();
      if (back === undefined) break;
      chain = back.chain;
      i = back.next;
    }
    this.trace.push({ hook: this.hook, table: ref.table.key, chain: ref.chain.name, rule: "policy" });
    return ref.base.policy === "drop" ? { kind: "drop" } : undefined;
  }

  private runRule(cx: RuleContext): RuleVerdict {
    const stmts = ruleStatements(cx.rule);
    for (const [at, stmt] of stmts.entries()) {
      const site = cx.rule.exprs.includes(stmt) ? `${cx.key}@${at}` : cx.key;
      const result = this.runStatement(stmt, cx, site);
      if (result.kind === "break") return NEXT_RULE;
      if (result.kind !== "go on") {
        this.traceRule(cx);
        return result.kind === "next" ? NEXT_RULE : result;
      }
    }
    this.traceRule(cx);
    return NEXT_RULE;
  }

  private traceRule(cx: RuleContext): void {
    const index = cx.ruleChain.rules.indexOf(cx.rule);
    this.trace.push({ hook: cx.hook, table: cx.table.key, chain: cx.ruleChain.name, rule: index });
  }

  // ------------------------------------------------------------------ statements

  private runStatement(stmt: NftStatement, cx: RuleContext, site: string): StatementResult {
    switch (stmt.kind) {
      case "match":
        return this.runMatch(stmt, cx, site) ? GO_ON : BREAK;
      case "accept":
      case "drop":
      case "continue":
      case "return":
      case "jump":
      case "goto":
        return verdictResult(stmt);
      case "counter":
        this.count(site);
        return GO_ON;
      case "objref":
        return this.runObjref(stmt.type, stmt.name, cx);
      case "mangle":
        return this.runMangle(stmt.key, stmt.value, cx, site);
      case "log":
        // `log level audit` writes an audit record (nft_log_eval_audit), not a log line: no prefix, no level.
        if (stmt.level === "audit") {
          this.effects.push({ kind: "audit", hook: this.hook });
          return GO_ON;
        }
        this.effects.push({
          kind: "log",
          hook: this.hook,
          prefix: stmt.prefix ?? "",
          ...(stmt.group !== undefined ? { group: stmt.group } : { level: logLevels[stmt.level ?? "warn"] }),
        });
        return GO_ON;
      case "reject":
        return this.runReject(stmt.with);
      case "limit":
        return this.runLimit(stmt, site) ? GO_ON : BREAK;
      case "quota":
        return this.runQuota(site, stmt.bytes, stmt.used, stmt.over) ? GO_ON : BREAK;
      case "ct count":
        return this.runCtCount(site, stmt.count, stmt.over);
      case "set":
        return this.runSetStatement(stmt, cx, site);
      case "meter": {
        const set: DynamicSet = {
          key: `${cx.table.key} meter ${stmt.name}`,
          name: stmt.name,
          type: this.typeOf(stmt.key.kind === "elem" ? stmt.key.val : stmt.key, cx),
          timeoutFlag: true,
          size: stmt.size ?? 65535,
          staticElements: [],
        };
        return this.updateSet(set, "update", stmt.key, [stmt.stmt], cx, site);
      }
      case "snat":
      case "dnat":
        return this.runNat(stmt, cx, site);
      case "masquerade":
      case "redirect":
        return this.runPortNat(stmt, cx, site);
      case "tproxy":
        return this.runTproxy(stmt.family, cx);
      case "queue":
        return this.runQueue(stmt.num, stmt.flags ?? [], cx, site);
      case "dup":
        // The copy leaves the modelled path; nothing of this packet changes.
        return GO_ON;
      case "synproxy":
        return unsupported("statement synproxy", "synproxy answers SYNs itself and validates cookies, which the evaluator does not model");
      case "notrack":
        this.runNotrack();
        return GO_ON;
      case "vmap": {
        const key = this.evalExpr(stmt.key, cx, `${site}.key`);
        if (key.kind === "break") return BREAK;
        const found = this.lookupMap(stmt.data, key, { kind: "scalar", name: "verdict", bits: 0 }, cx);
        if (found === undefined) return BREAK;
        if (found.kind !== "verdict") return unsupported("vmap", "a verdict map whose values are not verdicts");
        return verdictResult(found.verdict);
      }
      case "raw":
        return unsupported("statement raw", `a raw statement (${stmt.text}): ${stmt.reason}`);
      default:
        return assertNever(stmt);
    }
  }

  private count(key: string): void {
    const old = this.counters.get(key) ?? { packets: 0n, bytes: 0n };
    this.counters.set(key, { packets: old.packets + 1n, bytes: old.bytes + BigInt(this.packet.length) });
  }

  private runObjref(type: "counter" | "quota" | "limit" | "ct helper" | "ct timeout", name: string, cx: RuleContext): StatementResult {
    const key = `${cx.table.key} ${type} ${name}`;
    const obj = cx.table.objects.get(`${type} ${name}`);
    switch (type) {
      case "counter":
        this.count(key);
        return GO_ON;
      case "quota":
        if (obj?.kind !== "quota") return unsupported("quota object", `quota ${name} is not defined in table ${cx.table.key}`);
        return this.runQuota(key, obj.bytes, obj.used, obj.over) ? GO_ON : BREAK;
      case "limit":
        if (obj?.kind !== "limit") return unsupported("limit object", `limit ${name} is not defined in table ${cx.table.key}`);
        return this.runLimit({ kind: "limit", rate: obj.rate, per: obj.per, unit: obj.unit, burst: obj.burst, over: obj.over }, key) ? GO_ON : BREAK;
      case "ct helper":
      case "ct timeout":
        // Assigning a helper or timeout policy changes nothing the outcome shows.
        return GO_ON;
      default:
        return assertNever(type);
    }
  }

  private runReject(w: NftRejectWith | undefined): StatementResult {
    const family = this.packet.family;
    if (w === undefined) return { kind: "reject", with: family === "ipv4" ? { kind: "icmp", type: 3, code: 3 } : { kind: "icmp", type: 1, code: 4 } };
    if (w.type === "tcp reset") {
      // nft adds `meta l4proto tcp` for this reject type.
      return this.packet.l4proto === 6 ? { kind: "reject", with: { kind: "tcp-reset" } } : BREAK;
    }
    if (w.type === "icmp" || w.type === "icmpv6") {
      // nft adds `meta nfproto` for a family-specific reject in inet tables.
      if ((w.type === "icmp") !== (family === "ipv4")) return BREAK;
      const code = constantInt({ kind: "symbol", value: w.code }, dataType(w.type === "icmp" ? "icmp_code" : "icmpv6_code"));
      return { kind: "reject", with: { kind: "icmp", type: family === "ipv4" ? 3 : 1, code: Number(code) } };
    }
    const icmpx = Number(constantInt({ kind: "symbol", value: w.code }, dataType("icmpx_code")));
    // nft_reject_icmp_code / nft_reject_icmpv6_code: icmpx codes to the family's codes.
    const v4 = [0, 3, 1, 13][icmpx];
    const v6 = [0, 4, 3, 1][icmpx];
    if (v4 === undefined || v6 === undefined) return unsupported("reject", `icmpx code ${icmpx}`);
    return { kind: "reject", with: { kind: "icmp", type: family === "ipv4" ? 3 : 1, code: family === "ipv4" ? v4 : v6 } };
  }

  private runNotrack(): void {
    // nft_notrack_eval: nothing once a connection is attached or the packet is untracked already.
    if (this.ctView.kind === "not yet") {
      if (this.notracked) return;
      // The skb is marked untracked now; conntrack will leave it alone.
      this.notracked = true;
      this.packet = withoutCt(this.packet, false);
      this.effects.push({ kind: "notrack", hook: this.hook });
    } else if (this.ctView.kind === "invalid") {
      this.ctView = { kind: "untracked" };
      this.packet = withoutCt(this.packet, false);
      this.effects.push({ kind: "notrack", hook: this.hook });
    }
  }

  private runQueue(numExpr: NftExpr | undefined, flags: readonly ("bypass" | "fanout")[], cx: RuleContext, site: string): StatementResult {
    const bypass = flags.includes("bypass");
    if (numExpr === undefined) return { kind: "queue", num: 0, bypass };
    const pattern = numExpr.kind === "range" || numExpr.kind === "number" || numExpr.kind === "symbol" ? constantPattern(numExpr, scalar("integer", 16)) : undefined;
    if (pattern === undefined) {
      const v = this.evalExpr(numExpr, cx, `${site}.num`, scalar("integer", 16));
      if (v.kind === "break") return BREAK;
      if (v.kind !== "int") return unsupported("queue", "a queue number that is not a number");
      return { kind: "queue", num: Number(intBits(v)), bypass };
    }
    if (pattern.kind === "value" && pattern.value.kind === "int") return { kind: "queue", num: Number(pattern.value.value), bypass };
    if (pattern.kind === "interval") {
      if (!flags.includes("fanout")) return unsupported("queue range", "a queue range without fanout hashes the flow with a random seed");
      const total = pattern.high - pattern.low + 1n;
      return { kind: "queue", num: Number(pattern.low + (BigInt(this.packet.cpu) % total)), bypass };
    }
    return unsupported("queue", "a queue number that is not a number or range");
  }

  private runTproxy(family: "ip" | "ip6" | undefined, cx: RuleContext): StatementResult {
    if (cx.hook !== "prerouting") return unsupported("tproxy", "tproxy outside prerouting, which nft refuses");
    if (this.packet.l4proto !== 6 && this.packet.l4proto !== 17) return BREAK;
    if (family !== undefined && (family === "ip") !== (this.packet.family === "ipv4")) return BREAK;
    // nft_tproxy: the socket found (established, else listening at the target) must be transparent.
    const socket = this.packet.socket;
    return socket?.transparent === true ? GO_ON : BREAK;
  }

  // ------------------------------------------------------------------ matches

  private runMatch(m: NftMatch, cx: RuleContext, site: string): boolean {
    if (m.left.kind === "numgen" && m.left.mode === "random") return this.matchNumgenRandom(m, m.left.mod, m.left.offset ?? 0, cx);
    // `fib ... oif exists/missing` (NFTA_FIB_F_PRESENT): whether the lookup found an interface.
    if (m.left.kind === "fib" && m.left.result !== "type" && m.right.kind === "boolean" && (m.op === "==" || m.op === "!=")) {
      const found = this.fibOutput(m.left, cx) !== undefined;
      return (found === m.right.value) === (m.op === "==");
    }
    const type = this.typeOf(m.left, cx);
    const left = this.evalExpr(m.left, cx, `${site}.left`);
    if (left.kind === "break") return false;
    if (left.kind === "random") return this.chance(this.randomMatchProbability(m, left.mask, type, cx));
    return this.compare(left, m.op, m.right, type, cx);
  }

  /** `left OP right` for a value already read. */
  private compare(left: NftValue, op: NftMatch["op"], right: NftExpr, type: NftType, cx: RuleContext): boolean {
    if (right.kind === "set" || right.kind === "set reference") {
      const found = this.setContains(right, left, type, cx);
      return op === "!=" ? !found : op === "==" || op === "in" ? found : unsupported("match", `operator ${op} with a set`);
    }
    switch (op) {
      case "==":
        return matchesPattern(left, this.index.pattern(right, type));
      case "!=":
        return !matchesPattern(left, this.index.pattern(right, type));
      case "in":
        if (isBitmask(type) && type.kind === "scalar") return anyBitSet(left, constantInt(right, type));
        return matchesPattern(left, this.index.pattern(right, type));
      case "<":
      case ">":
      case "<=":
      case ">=": {
        if (type.kind !== "scalar") return unsupported("match", `operator ${op} on a concatenation`);
        return compareOrdered(left, op, constantInt(right, type));
      }
      default:
        return assertNever(op);
    }
  }

  private matchNumgenRandom(m: NftMatch, mod: number, offset: number, cx: RuleContext): boolean {
    const weights = numgenRandomWeights(mod);
    const type = scalar("integer", 32);
    let p: Rational = { num: 0n, den: 1n };
    for (const [k, w] of weights.entries()) {
      if (this.compare(intValue(type, k + offset), m.op, m.right, type, cx)) p = ratAdd(p, w);
    }
    return this.chance(p);
  }

  private randomMatchProbability(m: NftMatch, mask: bigint, type: NftType, cx: RuleContext): Rational {
    if (type.kind !== "scalar") return unsupported("meta random", "meta random in a concatenation");
    const scalarType: NftScalarType = type;
    const right = m.right;
    switch (m.op) {
      case "==":
      case "!=":
      case "in": {
        const patterns = this.patternsOf(right, scalarType, cx);
        const intervals = patterns.map((p): readonly [bigint, bigint] => {
          if (p.kind === "interval") return [p.low, p.high];
          if (p.kind === "value" && p.value.kind === "int") return [p.value.value, p.value.value];
          return unsupported("meta random", "meta random compared with something other than numbers");
        });
        const inside = randomProbability(mask, { op: "intervals", intervals });
        return m.op === "!=" ? { num: inside.den - inside.num, den: inside.den } : inside;
      }
      case "<":
      case ">":
      case "<=":
      case ">=":
        return randomProbability(mask, { op: m.op, value: constantInt(right, scalarType) });
      default:
        return assertNever(m.op);
    }
  }

  /** The patterns a right side stands for: one, or the elements of an anonymous set. */
  private patternsOf(right: NftExpr, type: NftScalarType, cx: RuleContext): readonly NftPattern[] {
    if (right.kind === "set") return right.elements.map((e) => this.index.pattern(e, type));
    if (right.kind === "set reference") {
      const set = cx.table.sets.get(right.name);
      if (set === undefined) return unsupported("set", `set @${right.name} is not defined in table ${cx.table.key}`);
      return (set.elements ?? []).map((e) => this.index.pattern(e, type));
    }
    return [this.index.pattern(right, type)];
  }

  // ------------------------------------------------------------------ sets and maps

  private setContains(right: NftExpr, value: NftValue, type: NftType, cx: RuleContext): boolean {
    if (right.kind === "set") return right.elements.some((e) => matchesPattern(value, this.index.pattern(e, type)));
    if (right.kind !== "set reference") return false;
    const def = cx.table.sets.get(right.name);
    if (def === undefined) {
      if (cx.table.maps.has(right.name)) return unsupported("set", `@${right.name} is a map, not a set`);
      return unsupported("set", `set @${right.name} is not defined in table ${cx.table.key}`);
    }
    const dyn = this.dynamicSet(def, cx);
    return this.elementPresent(dyn, value);
  }

  private dynamicSet(def: NftSet, cx: RuleContext): DynamicSet {
    return {
      key: `${cx.table.key} ${def.name}`,
      name: def.name,
      type: setKeyType(def.type),
      timeoutFlag: (def.flags ?? []).includes("timeout") || def.timeout !== undefined,
      ...(def.timeout !== undefined ? { timeout: def.timeout } : {}),
      // nft_dynset_init: a set updated from the packet path without a size holds 65535 elements.
      size: def.size ?? 65535,
      staticElements: def.elements ?? [],
    };
  }

  /** Whether the element is in the set now: changed by packets (unexpired), else written in the ruleset. */
  private elementPresent(set: DynamicSet, value: NftValue): boolean {
    const entry = this.sets.get(set.key)?.get(valueKey(value));
    if (entry !== undefined) {
      if (!entry.present) return false;
      if (entry.expires === undefined || secondsToNanos(entry.expires) > this.now) return true;
    }
    return set.staticElements.some((e) => this.staticElementLive(e) && matchesPattern(value, this.index.pattern(e, set.type)));
  }

  /** Whether an element written in the ruleset has not timed out (timeouts count from `loadedAt`). */
  private staticElementLive(e: NftExpr): boolean {
    if (e.kind !== "elem" || e.timeout === undefined || this.options.loadedAt === undefined) return true;
    return secondsToNanos(this.options.loadedAt + e.timeout) > this.now;
  }

  private elementCount(set: DynamicSet): number {
    const overlay = this.sets.get(set.key) ?? new Map<string, SetOverlayEntry>();
    let n = set.staticElements.filter((e) => this.staticElementLive(e)).length;
    for (const entry of overlay.values()) {
      if (entry.present && (entry.expires === undefined || secondsToNanos(entry.expires) > this.now)) n++;
    }
    return n;
  }

  private setOverlay(set: DynamicSet, key: string, entry: SetOverlayEntry): void {
    const next = new Map(this.sets.get(set.key) ?? []);
    next.set(key, entry);
    this.sets.set(set.key, next);
  }

  private runSetStatement(stmt: NftSetStatement, cx: RuleContext, site: string): StatementResult {
    const def = cx.table.sets.get(stmt.set);
    if (def === undefined) {
      if (cx.table.maps.has(stmt.set)) return unsupported("set statement", `updating map @${stmt.set} from the packet path`);
      return unsupported("set statement", `set @${stmt.set} is not defined in table ${cx.table.key}`);
    }
    if ((def.flags ?? []).includes("constant")) return unsupported("set statement", `set @${stmt.set} is constant, which nft refuses to update`);
    return this.updateSet(this.dynamicSet(def, cx), stmt.op, stmt.elem, stmt.stmts ?? [], cx, site);
  }

  /** nft_dynset_eval: add or update an element (with its statements), or delete it. */
  private updateSet(set: DynamicSet, op: "add" | "update" | "delete", elem: NftExpr, stmts: readonly NftStatement[], cx: RuleContext, site: string): StatementResult {
    const keyExpr = elem.kind === "elem" ? elem.val : elem;
    const value = this.evalExpr(keyExpr, cx, `${site}.elem`, set.type);
    if (value.kind === "break") return BREAK;
    const key = valueKey(value);
    const shownKey = key;
    if (op === "delete") {
      this.setOverlay(set, key, { present: false });
      this.effects.push({ kind: "set-update", set: set.name, op: "del", element: shownKey });
      return GO_ON;
    }
    const timeoutSeconds = elem.kind === "elem" && elem.timeout !== undefined ? elem.timeout : set.timeout;
    const expires = set.timeoutFlag && timeoutSeconds !== undefined ? this.options.clock.now + timeoutSeconds : undefined;
    const elementState = `${set.key}|${key}`;
    if (this.elementPresent(set, value)) {
      if (op === "update" && expires !== undefined) this.setOverlay(set, key, { present: true, expires });
    } else {
      if (this.elementCount(set) >= set.size) return BREAK;
      this.setOverlay(set, key, { present: true, ...(expires !== undefined ? { expires } : {}) });
      // A new element's statements start afresh (nft_dynset_new clones the template).
      for (const map of [this.limits, this.quotas, this.counters, this.sets] as Map<string, unknown>[]) {
        for (const k of [...map.keys()]) if (k.startsWith(`${elementState}#`)) map.delete(k);
      }
    }
    this.effects.push({ kind: "set-update", set: set.name, op: "add", element: shownKey });
    // nft_set_elem_update_expr: the element's statements in order; a break ends the rule.
    for (const [i, s] of stmts.entries()) {
      const result = this.runStatement(s, cx, `${elementState}#${i}`);
      if (result.kind === "break") return BREAK;
      if (result.kind !== "go on") return unsupported("set statement", `a verdict inside a set statement (${s.kind})`);
    }
    return GO_ON;
  }

  /** The value a map holds for `key`, or undefined when the lookup misses. */
  private lookupMap(data: NftExpr, key: NftValue, valueType: NftType, cx: RuleContext): NftValue | undefined {
    const keyType = this.valueType(key);
    let mappings: readonly NftExpr[];
    let dataTypeOfMap: NftType = valueType;
    if (data.kind === "set") {
      mappings = data.elements;
    } else if (data.kind === "set reference") {
      const map = cx.table.maps.get(data.name);
      if (map === undefined) return unsupported("map", `map @${data.name} is not defined in table ${cx.table.key}`);
      mappings = map.elements ?? [];
      const type = setKeyType(map.type);
      dataTypeOfMap = map.map === "verdict" ? { kind: "scalar", name: "verdict", bits: 0 } : dataType(map.map);
      return this.findMapping(mappings, key, type, dataTypeOfMap);
    } else {
      return unsupported("map", `a map lookup in a ${data.kind}`);
    }
    return this.findMapping(mappings, key, keyType, dataTypeOfMap);
  }

  private findMapping(mappings: readonly NftExpr[], key: NftValue, keyType: NftType, valueType: NftType): NftValue | undefined {
    for (const m of mappings) {
      const mapping = m.kind === "elem" ? m.val : m;
      if (mapping.kind !== "mapping") return unsupported("map", "a map element that is not a key : value pair");
      if (!this.staticElementLive(m)) continue;
      if (matchesPattern(key, this.index.pattern(mapping.key, keyType))) return this.mapValue(mapping.value, valueType);
    }
    return undefined;
  }

  private mapValue(e: NftExpr, type: NftType): NftValue {
    if (type.kind === "scalar" && type.name === "verdict") {
      if (!isVerdictExpr(e)) return unsupported("vmap", `a verdict map value that is a ${e.kind}`);
      return { kind: "verdict", verdict: e };
    }
    // A NAT map may hold `address . port` where an address is expected.
    if (e.kind === "concat" && type.kind === "scalar" && (type.name === "ipv4_addr" || type.name === "ipv6_addr") && e.exprs.length === 2) {
      return constantValue(e, { kind: "concat", parts: [type, dataType("inet_service")] });
    }
    return constantValue(e, type);
  }

  /** The type of a value read (for map keys typed by what was read). */
  private valueType(v: NftValue): NftType {
    switch (v.kind) {
      case "int":
      case "string":
      case "interval":
        return v.type;
      case "concat":
        return { kind: "concat", parts: v.parts.map((p) => { const t = this.valueType(p); return t.kind === "scalar" ? t : scalar("integer", 32); }) };
      case "verdict":
        return { kind: "scalar", name: "verdict", bits: 0 };
      case "random":
        return scalar("integer", 32);
      default:
        return assertNever(v);
    }
  }

  // ------------------------------------------------------------------ stateful statements

  /** nft_limit_eval: true when the rule goes on. */
  private runLimit(l: NftLimit, key: string): boolean {
    const nsecs = BigInt(unitSeconds[l.per]) * 1_000_000_000n;
    const rate = BigInt(l.rate);
    const packets = l.unit === "packets";
    // nft sends burst 5 for packet limits without one, 0 for byte limits; the kernel makes a packet burst 0 into 5.
    const burst = BigInt(l.burst === undefined || (packets && l.burst === 0) ? (packets ? 5 : 0) : l.burst);
    if (rate === 0n) return unsupported("limit", "a rate of 0, which nft refuses");
    const tokensMax = packets ? (nsecs / rate) * burst : (nsecs * (rate + burst)) / rate;
    const cost = packets ? nsecs / rate : (nsecs * BigInt(this.packet.length)) / rate;
    const bucket = this.limits.get(key);
    let tokens: bigint;
    if (bucket === undefined) {
      // The bucket is full when the rule is loaded; refills stop at the maximum, so a first packet sees it full.
      tokens = tokensMax;
    } else {
      // u64 arithmetic of the kernel: a clock that went back wraps and fills the bucket.
      tokens = (bucket.credit + this.now - secondsToNanos(bucket.last)) & 0xffff_ffff_ffff_ffffn;
      if (tokens > tokensMax) tokens = tokensMax;
    }
    const delta = tokens - cost;
    const under = delta >= 0n;
    this.limits.set(key, { credit: under ? delta : tokens, last: this.options.clock.now });
    return under !== (l.over === true);
  }

  /** nft_quota: every packet is added; over when the total passes the quota. True when the rule goes on. */
  private runQuota(key: string, bytes: bigint, used: bigint | undefined, over: boolean | undefined): boolean {
    const consumed = (this.quotas.get(key) ?? used ?? 0n) + BigInt(this.packet.length);
    this.quotas.set(key, consumed);
    return consumed > bytes === (over === true);
  }

  /** nft_connlimit: counts distinct connections (by original tuple and zone) that passed here. */
  private runCtCount(site: string, limit: number, over: boolean | undefined): StatementResult {
    const ct = this.connection();
    // Under the site, so that a set element's list goes with the element.
    const listKey = `${site}#ct count`;
    const old = this.sets.get(listKey);
    const list = conncountAdd(old, ct, this.packet);
    if (list !== old && list.size > 0) this.sets.set(listKey, list);
    const count = list.size;
    return count > limit === (over === true) ? GO_ON : BREAK;
  }

  // ------------------------------------------------------------------ NAT

  private natTarget(kind: "snat" | "dnat" | "masquerade" | "redirect", cx: RuleContext): "src" | "dst" {
    if (cx.base.type !== "nat") return unsupported(`statement ${kind}`, `${kind} outside a nat chain, which nft refuses`);
    const allowed: Readonly<Record<typeof kind, readonly Hook[]>> = {
      snat: ["postrouting", "input"],
      masquerade: ["postrouting"],
      dnat: ["prerouting", "output"],
      redirect: ["prerouting", "output"],
    };
    if (!allowed[kind].includes(cx.hook)) return unsupported(`statement ${kind}`, `${kind} in a ${cx.hook} chain, which nft refuses`);
    return natManipOf(cx.hook);
  }

  private runNat(stmt: NftNat, cx: RuleContext, site: string): StatementResult {
    const manip = this.natTarget(stmt.kind, cx);
    // nft_nat_inet_eval: a statement of the other family does nothing.
    if (stmt.family !== undefined && (stmt.family === "ip") !== (this.packet.family === "ipv4")) return GO_ON;
    const family = this.packet.family;
    const addrType = dataType(family === "ipv4" ? "ipv4_addr" : "ipv6_addr");
    let addresses: NatRange["addresses"];
    let ports: NatRange["ports"];
    if (stmt.addr !== undefined) {
      const v = this.evalExpr(stmt.addr, cx, `${site}.addr`, addrType);
      if (v.kind === "break") return BREAK;
      let addrValue: NftValue = v;
      if (v.kind === "concat") {
        // `dnat to ip daddr map { … : 10.0.0.1 . 80 }`: address and port from one map value.
        const [a, port] = v.parts;
        if (a === undefined || port === undefined || v.parts.length !== 2) return unsupported("nat", "a concatenated NAT target of other than address . port");
        addrValue = a;
        ports = portsOf(port);
      }
      const [low, high] = intervalOf(addrValue);
      if (stmt.prefix === true) {
        // nft_nat_setup_netmap: keep the host bits of the address, take the network bits of the prefix.
        const current = addressValue(manip === "dst" ? this.packet.daddr : this.packet.saddr)?.value ?? 0n;
        const netmask = ~(low ^ high) & ones(addrType.bits);
        const mapped = formatAddress(family, (current & ~netmask) | (low & netmask));
        addresses = { from: mapped, to: mapped };
      } else {
        addresses = { from: formatAddress(family, low), to: formatAddress(family, high) };
      }
    }
    if (stmt.port !== undefined) {
      const v = this.evalExpr(stmt.port, cx, `${site}.port`, dataType("inet_service"));
      if (v.kind === "break") return BREAK;
      ports = portsOf(v);
    }
    return this.applyNat(manip, { ...(addresses !== undefined ? { addresses } : {}), ...(ports !== undefined ? { ports } : {}), ...natRandom(stmt.flags) });
  }

  private runPortNat(stmt: NftPortNat, cx: RuleContext, site: string): StatementResult {
    const manip = this.natTarget(stmt.kind, cx);
    let address: string | undefined;
    if (stmt.kind === "masquerade") {
      address = this.interfaceAddress(this.packet.oif);
    } else if (cx.hook === "output") {
      address = this.packet.family === "ipv4" ? "127.0.0.1" : "::1";
    } else {
      address = this.interfaceAddress(this.packet.iif);
    }
    // nf_nat_masquerade / nf_nat_redirect drop when the interface has no address of the family.
    if (address === undefined) return { kind: "drop" };
    let ports: NatRange["ports"];
    if (stmt.port !== undefined) {
      const v = this.evalExpr(stmt.port, cx, `${site}.port`, dataType("inet_service"));
      if (v.kind === "break") return BREAK;
      ports = portsOf(v);
    }
    return this.applyNat(manip, { addresses: { from: address, to: address }, ...(ports !== undefined ? { ports } : {}), ...natRandom(stmt.flags) });
  }

  private interfaceAddress(name: string | undefined): string | undefined {
    return interfaceAddresses(hostInterface(this.options.host, name), this.packet.family)[0];
  }

  /**
   * Sets up the binding (nf_nat_setup_info): picks the tuple with the choice both evaluators share
   * ({@link chooseNatTuple}), rewrites the packet, records the connection's NAT status when the tuple
   * changed, and ends the chain with accept.
   */
  private applyNat(manip: "src" | "dst", range: NatRange): StatementResult {
    const p = this.packet;
    const ct = p.ct;
    if (ct === undefined) return { kind: "accept" };
    const old = manip === "dst" ? { address: p.daddr, ...(p.dport === undefined ? {} : { port: p.dport }) } : { address: p.saddr, ...(p.sport === undefined ? {} : { port: p.sport }) };
    const { address, port } = chooseNatTuple(manip, old, range);
    const changed = address !== old.address || port !== old.port;
    const reply = { ...ct.reply, ...(manip === "dst" ? { saddr: address, ...(port === undefined ? {} : { sport: port }) } : { daddr: address, ...(port === undefined ? {} : { dport: port }) }) };
    const status = changed ? { ...ct.status, ...(manip === "dst" ? { dnat: true } : { snat: true }) } : ct.status;
    const moved: Packet = manip === "dst" ? { ...p, daddr: address, ...(port === undefined ? {} : { dport: port }) } : { ...p, saddr: address, ...(port === undefined ? {} : { sport: port }) };
    this.packet = { ...moved, ct: { ...ct, reply, status } };
    this.natDone[manip] = true;
    this.effects.push({ kind: "nat", hook: this.hook, manip, address, ...(port === undefined ? {} : { port }) });
    return { kind: "accept" };
  }

  // ------------------------------------------------------------------ mangling

  private runMangle(key: NftExpr, valueExpr: NftExpr, cx: RuleContext, site: string): StatementResult {
    const type = this.typeOf(key, cx);
    const v = this.evalExpr(valueExpr, cx, `${site}.value`, type);
    if (v.kind === "break") return BREAK;
    if (v.kind === "random") return unsupported("meta random", "setting a field to meta random");
    const p = this.packet;
    const asInt = (): number => {
      if (v.kind !== "int") return unsupported("mangle", "a value that is not a number");
      return Number(intBits(v));
    };
    if (key.kind === "meta") {
      if (key.key === "mark") {
        this.packet = { ...p, mark: asInt() >>> 0 };
      } else if (key.key === "priority") {
        this.packet = { ...p, priority: asInt() >>> 0 };
      } else if (key.key === "pkttype") {
        if (cx.hook !== "prerouting") return unsupported("mangle meta pkttype", "meta pkttype set outside prerouting, which nft refuses");
        const names = ["unicast", "broadcast", "multicast"] as const;
        const name = names[asInt()];
        if (name !== undefined) this.packet = { ...p, pkttype: name };
      } else if (key.key !== "nftrace") {
        return unsupported(`mangle meta ${key.key}`, `meta ${key.key} set`);
      }
      return GO_ON;
    }
    if (key.kind === "ct") return this.mangleCt(key, v);
    if (key.kind === "payload") return this.manglePayload(key, v);
    if (key.kind === "tcp option") {
      if (key.name !== "maxseg" || key.field !== "size") return unsupported("mangle tcp option", `tcp option ${key.name} ${key.field ?? ""} set`);
      if (p.l4proto !== 6 || (p.fragOffset ?? 0) > 0) return BREAK;
      // nft_exthdr_tcp_set_eval changes the option only where the packet has it, and only lowers the MSS
      // ("increase can cause connection to stall").
      const mss = asInt();
      if (p.mss === undefined && (p.tcpOptions ?? []).includes(2)) return unsupported("mangle tcp option", "the packet has an MSS option without a value");
      if (p.mss !== undefined && mss < p.mss) this.packet = { ...p, mss };
      return GO_ON;
    }
    return unsupported(`mangle ${key.kind}`, `setting a ${key.kind} expression`);
  }

  private mangleCt(key: NftCt, v: NftValue): StatementResult {
    const p = this.packet;
    if (key.key === "zone") {
      // nft_ct_set_zone_eval: only before conntrack attaches a connection, as a template.
      if (this.ctView.kind === "not yet" && v.kind === "int") this.zoneTemplate = Number(intBits(v));
      return GO_ON;
    }
    const ct = this.connection();
    // nft_ct_set_eval: nothing without a connection.
    if (ct === undefined) return GO_ON;
    if (key.key === "mark") {
      if (v.kind !== "int") return unsupported("mangle ct mark", "a ct mark that is not a number");
      const mark = Number(intBits(v)) >>> 0;
      this.packet = { ...p, ct: { ...ct, mark } };
      this.ctMarks.set(connectionKey(ct), mark);
      return GO_ON;
    }
    if (key.key === "label") {
      if (v.kind !== "int") return unsupported("mangle ct label", "a ct label that is not a bit");
      // nf_connlabels_replace with the value as its own mask: the bits given are set, the others kept.
      const bits = intBits(v);
      const labels = new Set(ct.labels);
      for (let b = 0; b < 128; b++) if (((bits >> BigInt(b)) & 1n) === 1n) labels.add(b);
      this.packet = { ...p, ct: { ...ct, labels: [...labels].sort((a, b) => a - b) } };
      return GO_ON;
    }
    if (key.key === "event") return GO_ON;
    return unsupported(`mangle ct ${key.key}`, `ct ${key.key} set`);
  }

  private manglePayload(key: NftPayload, v: NftValue): StatementResult {
    const dep = this.payloadDependency(key.protocol);
    if (!dep) return BREAK;
    if (v.kind !== "int") return unsupported("mangle payload", "a payload value that is not a number");
    const value = intBits(v);
    const n = Number(value);
    const p = this.packet;
    const transport = isTransportProtocol(key.protocol);
    if (transport && (p.fragOffset ?? 0) > 0) return unsupported("payload set", "writing a transport field of a later fragment, whose data the model does not have");
    const field = `${key.protocol} ${key.field}`;
    switch (field) {
      case "ip dscp":
      case "ip6 dscp":
        this.packet = { ...p, dscp: n };
        return GO_ON;
      case "ip ecn":
      case "ip6 ecn":
        this.packet = { ...p, ecn: n };
        return GO_ON;
      case "ip ttl":
      case "ip6 hoplimit":
        this.packet = { ...p, ttl: n };
        return GO_ON;
      case "ip saddr":
      case "ip6 saddr":
        this.packet = { ...p, saddr: formatAddress(p.family, value) };
        return GO_ON;
      case "ip daddr":
      case "ip6 daddr":
        this.packet = { ...p, daddr: formatAddress(p.family, value) };
        return GO_ON;
      case "tcp flags":
        this.packet = { ...p, tcpFlags: n };
        return GO_ON;
      default:
        break;
    }
    if (transport && (key.field === "sport" || key.field === "dport")) {
      if (p[key.field] === undefined) return unsupported("payload set", `${field} of a packet without ports`);
      this.packet = { ...p, [key.field]: n };
      return GO_ON;
    }
    return unsupported(`mangle ${field}`, `${field} set`);
  }

  // ------------------------------------------------------------------ expressions

  /** The static type of an expression (what its constants are read as). */
  private typeOf(e: NftExpr, cx: RuleContext): NftType {
    switch (e.kind) {
      case "payload":
        return payloadField(e).type;
      case "raw payload":
        return scalar("integer", e.length);
      case "exthdr":
        return e.field === undefined ? dataType("boolean") : exthdrField(e).type;
      case "tcp option":
        return e.field === undefined ? dataType("boolean") : tcpOptionType(e);
      case "ip option":
        return e.field === undefined ? dataType("boolean") : e.field === "addr" ? dataType("ipv4_addr") : scalar("integer", e.field === "value" ? 32 : 8);
      case "meta":
        return metaType(e);
      case "ct":
        return ctType(e, cx.table.table.family, this.packet.family);
      case "fib":
        return e.result === "type" ? scalar("fib_addrtype", 32) : e.result === "oifname" ? dataType("ifname") : dataType("iface_index");
      case "socket":
        return e.key === "mark" ? dataType("mark") : dataType("boolean");
      case "numgen":
      case "jhash":
      case "symhash":
        return scalar("integer", 32);
      case "rt":
        return e.key === "nexthop" ? dataType(e.family === "ip6" ? "ipv6_addr" : "ipv4_addr") : e.key === "mtu" ? scalar("integer", 16) : dataType("realm");
      case "ipsec":
        return e.key === "saddr" || e.key === "daddr" ? dataType(e.family === "ip6" ? "ipv6_addr" : "ipv4_addr") : scalar("integer", 32);
      case "binop":
        return e.op === "<<" || e.op === ">>" ? withType(this.typeOf(e.left, cx), "integer") : this.typeOf(e.left, cx);
      case "concat":
        return {
          kind: "concat",
          parts: e.exprs.map((x) => {
            const t = this.typeOf(x, cx);
            return t.kind === "scalar" ? t : unsupported("concat", "a concatenation inside a concatenation");
          }),
        };
      case "map":
        if (e.data.kind === "set reference") {
          const map = cx.table.maps.get(e.data.name);
          if (map !== undefined && map.map !== "verdict") return dataType(map.map);
        }
        return unsupported("map", "the type of an anonymous map's values depends on where it is used");
      case "number":
      case "string":
      case "symbol":
      case "boolean":
      case "prefix":
      case "range":
      case "list":
      case "set":
      case "mapping":
      case "elem":
      case "set reference":
      case "accept":
      case "drop":
      case "continue":
      case "return":
      case "jump":
      case "goto":
        return unsupported("expression", `a ${e.kind} where a selector was expected`);
      default:
        return assertNever(e);
    }
  }

  /**
   * Evaluates an expression to a value. Constants are read as `expected` (the type of what they are compared
   * with or written to). Returns BREAK where the kernel ends the rule.
   */
  private evalExpr(e: NftExpr, cx: RuleContext, site: string, expected?: NftType): NftValue | Break {
    switch (e.kind) {
      case "payload":
        return this.readPayload(e);
      case "raw payload":
        return this.readRaw(e.base, e.offset, e.length, scalar("integer", e.length));
      case "exthdr":
        return this.readExthdr(e);
      case "tcp option":
        return this.readTcpOption(e);
      case "ip option":
        if (!this.isFamily("ipv4")) return BREAK;
        // The packet model has no IPv4 options: absent, and their fields stop the rule.
        return e.field === undefined ? intValue(dataType("boolean"), 0) : BREAK;
      case "meta":
        return this.readMeta(e);
      case "ct":
        return this.readCt(e, cx);
      case "fib":
        return this.readFib(e, cx);
      case "socket":
        return this.readSocket(e.key);
      case "numgen": {
        const type = scalar("integer", 32);
        if (e.mode === "random") {
          const k = this.choose(numgenRandomWeights(e.mod));
          return intValue(type, k + (e.offset ?? 0));
        }
        // nft_ng_inc_gen: the counter starts at mod - 1, so the first packet gets 0.
        const key = `numgen ${site}`;
        const old = this.nth.get(key) ?? e.mod - 1;
        const next = old + 1 < e.mod ? old + 1 : 0;
        this.nth.set(key, next);
        return intValue(type, next + (e.offset ?? 0));
      }
      case "jhash":
        return unsupported("expression jhash", "jhash depends on a seed and on how nft lays the key out in registers, which the evaluator does not reproduce");
      case "symhash":
        return unsupported("expression symhash", "symhash uses the kernel's flow hash with a random key");
      case "rt":
        return unsupported(`expression rt ${e.key}`, "the packet model has no routing table");
      case "ipsec":
        return unsupported("expression ipsec", "the packet model has no IPsec state");
      case "binop":
        return this.evalBinop(e.op, e.left, e.right, cx, site, expected);
      case "concat": {
        const parts: NftValue[] = [];
        const types = expected?.kind === "concat" ? expected.parts : undefined;
        for (const [i, x] of e.exprs.entries()) {
          const v = this.evalExpr(x, cx, `${site}.${i}`, types?.[i]);
          if (v.kind === "break") return BREAK;
          parts.push(v);
        }
        return { kind: "concat", parts };
      }
      case "map": {
        const key = this.evalExpr(e.key, cx, `${site}.key`);
        if (key.kind === "break") return BREAK;
        if (key.kind === "random") return unsupported("meta random", "meta random as a map key");
        const found = this.lookupMap(e.data, key, expected ?? scalar("integer", 32), cx);
        return found ?? BREAK;
      }
      case "number":
      case "string":
      case "symbol":
      case "boolean":
      case "prefix":
      case "range":
      case "list":
      case "elem":
        if (expected === undefined) return unsupported("constant", `a ${e.kind} constant where no type is known`);
        return constantValue(e, expected);
      case "set":
      case "mapping":
      case "set reference":
        return unsupported("expression", `a ${e.kind} used as a value`);
      case "accept":
      case "drop":
      case "continue":
      case "return":
      case "jump":
      case "goto":
        return { kind: "verdict", verdict: e };
      default:
        return assertNever(e);
    }
  }

  private evalBinop(op: "&" | "|" | "^" | "<<" | ">>", leftExpr: NftExpr, rightExpr: NftExpr, cx: RuleContext, site: string, expected?: NftType): NftValue | Break {
    const left = this.evalExpr(leftExpr, cx, `${site}.left`, expected);
    if (left.kind === "break") return BREAK;
    const shift = op === "<<" || op === ">>";
    if (left.kind === "random") {
      if (op !== "&") return unsupported("meta random", `meta random with ${op}`);
      const mask = constantInt(rightExpr, scalar("integer", 32));
      return { kind: "random", mask: left.mask & mask };
    }
    if (left.kind !== "int") return unsupported("binop", `${op} on a ${left.kind}`);
    const width = left.type.bits;
    const all = ones(width);
    const right = this.evalExpr(rightExpr, cx, `${site}.right`, shift ? scalar("integer", 32) : left.type);
    if (right.kind === "break") return BREAK;
    if (right.kind !== "int") return unsupported("binop", `${op} with a ${right.kind}`);
    const l = left.value;
    const lk = left.known;
    const r = right.value;
    const rk = right.known;
    switch (op) {
      case "&":
        // A bit is known when both are, or when either is a known 0.
        return { kind: "int", type: left.type, value: l & r & all, known: ((lk & rk) | (lk & ~l) | (rk & ~r)) & all };
      case "|":
        return { kind: "int", type: left.type, value: (l | r) & all, known: ((lk & rk) | (lk & l) | (rk & r)) & all };
      case "^":
        return { kind: "int", type: left.type, value: (l ^ r) & all, known: lk & rk & all };
      case "<<":
      case ">>": {
        if (rk !== ones(right.type.bits)) throw new NftUnknownBitsError("a shift by an unknown amount");
        const type = scalar("integer", width);
        if (op === "<<") return { kind: "int", type, value: (l << r) & all, known: ((lk << r) | ones(Number(r))) & all };
        // Bits shifted in from above are known zeros.
        return { kind: "int", type, value: l >> r, known: ((lk >> r) | (all & ~(all >> r))) & all };
      }
      default:
        return assertNever(op);
    }
  }

  private isFamily(family: PacketFamily): boolean {
    return this.packet.family === family;
  }

  /** The dependency nft adds before a header field: the right family and transport protocol. */
  private payloadDependency(protocol: NftPayloadProtocol): boolean {
    const p = this.packet;
    switch (protocol) {
      case "ip":
        return p.family === "ipv4";
      case "ip6":
        return p.family === "ipv6";
      case "ether":
        return (p.path === "input" || p.path === "forward") && p.mac !== undefined && !isLoopback(p.iif);
      case "vlan":
        // The packet model has no VLAN tags: `ether type vlan` does not hold.
        return false;
      case "th":
        return true;
      case "icmp":
      case "igmp":
        return p.family === "ipv4" && p.l4proto === transportNumbers[protocol];
      case "icmpv6":
        return p.family === "ipv6" && p.l4proto === 58;
      case "tcp":
      case "udp":
      case "udplite":
      case "sctp":
      case "dccp":
      case "ah":
      case "esp":
        return p.l4proto === transportNumbers[protocol];
      default:
        return assertNever(protocol);
    }
  }

  private readPayload(e: NftPayload): NftValue | Break {
    if (!this.payloadDependency(e.protocol)) return BREAK;
    const f = payloadField(e);
    const base = e.protocol === "ether" ? "ll" : isTransportProtocol(e.protocol) ? "th" : "nh";
    return this.readRaw(base, f.offset, f.bits, f.type);
  }

  /** Reads `bits` bits at bit `offset` of a header, as nft_payload does. */
  private readRaw(base: "ll" | "nh" | "th", offset: number, bits: number, type: NftScalarType): NftValue | Break {
    const p = this.packet;
    let segments: readonly HeaderSegment[];
    switch (base) {
      case "ll":
        if (p.path === "output" || p.mac === undefined) return BREAK;
        segments = linkHeader(p);
        break;
      case "nh":
        segments = networkHeader(p);
        break;
      case "th": {
        if ((p.fragOffset ?? 0) > 0) {
          const first = Math.floor(offset / 8);
          const len = Math.ceil((offset + bits) / 8) - first;
          // nft_payload_fast_eval (1, 2 or 4 aligned bytes) does not check the fragment offset and reads the
          // fragment's data as a header; the slow path stops the rule.
          if ((len === 1 || len === 2 || len === 4) && first % len === 0) {
            return unsupported("payload of a later fragment", "nft reads a later fragment's data as its transport header; the packet model has no fragment data");
          }
          return BREAK;
        }
        segments = transportHeader(p);
        break;
      }
      default:
        return assertNever(base);
    }
    const { value, known } = readBits(segments, offset, bits);
    if (type.bits === 0) return unsupported("payload", "a header read as a string");
    return { kind: "int", type, value, known };
  }

  private readExthdr(e: NftExthdr): NftValue | Break {
    if (!this.isFamily("ipv6")) return BREAK;
    const p = this.packet;
    const present = e.name === "hbh" ? p.hopByHopLength !== undefined : e.name === "dst" ? p.destinationOptionsLength !== undefined : e.name === "frag" ? isFragment(p) : e.name === "mh" ? p.l4proto === 135 : p.routingHeader !== undefined;
    if (e.field === undefined) return intValue(dataType("boolean"), present ? 1 : 0);
    // nft_exthdr_ipv6_eval: a header ipv6_find_hdr does not find stops the rule.
    if (!present) return BREAK;
    const f = exthdrField(e);
    if (e.name === "rt") {
      const rh = p.routingHeader;
      if (rh === undefined) return BREAK;
      switch (e.field) {
        case "nexthdr":
          return intValue(f.type, headerAfter(p, 43));
        case "hdrlength":
          return intValue(f.type, rh.hdrLength);
        case "type":
          return intValue(f.type, rh.type);
        case "seg-left":
          return intValue(f.type, rh.segmentsLeft);
        default:
          return assertNever(e.field);
      }
    }
    if (e.name === "mh") {
      switch (e.field) {
        case "nexthdr":
          return intValue(f.type, 59);
        case "type":
          return intValue(f.type, p.mhType ?? 0);
        case "reserved":
          return intValue(f.type, 0);
        case "hdrlength":
        case "checksum":
          return unknownInt(f.type);
        default:
          return assertNever(e.field);
      }
    }
    if (e.name === "hbh" || e.name === "dst") {
      const hdrLength = e.name === "hbh" ? p.hopByHopLength : p.destinationOptionsLength;
      if (hdrLength === undefined) return BREAK;
      switch (e.field) {
        case "nexthdr":
          return intValue(f.type, headerAfter(p, e.name === "hbh" ? 0 : 60));
        case "hdrlength":
          return intValue(f.type, hdrLength);
        default:
          return assertNever(e.field);
      }
    }
    switch (e.field) {
      case "nexthdr":
        return intValue(f.type, p.l4proto);
      case "reserved":
      case "reserved2":
        return intValue(f.type, 0);
      case "frag-off":
        return intValue(f.type, p.fragOffset ?? 0);
      case "more-fragments":
        return intValue(f.type, p.moreFragments === true ? 1 : 0);
      case "id":
        return unknownInt(f.type);
      default:
        return assertNever(e.field);
    }
  }

  private readTcpOption(e: NftTcpOption): NftValue | Break {
    const p = this.packet;
    // nft_exthdr_tcp_eval: no TCP header (another protocol, a later fragment) reads as a missing option.
    if (p.l4proto !== 6 || (p.fragOffset ?? 0) > 0) return e.field === undefined ? intValue(dataType("boolean"), 0) : BREAK;
    const kind = tcpOptionKinds[e.name];
    const options = new Set(p.tcpOptions ?? []);
    if (p.mss !== undefined) options.add(2);
    const present = options.has(kind);
    if (e.field === undefined) return intValue(dataType("boolean"), present ? 1 : 0);
    if (!present) return BREAK;
    const type = tcpOptionType(e);
    switch (e.field) {
      case "kind":
        return intValue(type, kind);
      case "length": {
        const length = tcpOptionLengths[e.name];
        return length === undefined ? unknownInt(type) : intValue(type, length);
      }
      case "size":
        return p.mss === undefined ? unknownInt(type) : intValue(type, p.mss);
      case "count":
      case "left":
      case "right":
      case "tsval":
      case "tsecr":
        return unknownInt(type);
      default:
        return assertNever(e.field);
    }
  }

  private readMeta(e: NftMeta): NftValue | Break {
    const p = this.packet;
    const type = metaType(e);
    switch (e.key) {
      case "length":
        return intValue(type, p.length);
      case "protocol":
        return intValue(type, p.family === "ipv4" ? 0x0800 : 0x86dd);
      case "nfproto":
        return intValue(type, p.family === "ipv4" ? 2 : 10);
      case "l4proto":
        return intValue(type, p.l4proto);
      case "priority":
        return intValue(type, p.priority ?? 0);
      case "random":
        return { kind: "random", mask: 0xffffffffn };
      case "mark":
        return intValue(type, p.mark >>> 0);
      case "iif":
      case "iifname":
        // nft_meta_store_ifname: no device reads as the empty name (ifindex 0).
        return strValue(type, p.iif ?? "");
      case "oif":
      case "oifname":
        return strValue(type, p.oif ?? "");
      case "iiftype":
      case "oiftype": {
        const dev = e.key === "iiftype" ? p.iif : p.oif;
        if (dev === undefined) return BREAK;
        return intValue(type, isLoopback(dev) ? 0x304 : 0x1);
      }
      case "iifgroup":
      case "oifgroup": {
        const dev = e.key === "iifgroup" ? p.iif : p.oif;
        if (dev === undefined) return BREAK;
        return intValue(type, deviceGroup(this.options.host, dev));
      }
      case "skuid":
      case "skgid": {
        const s = p.socket;
        if (s?.full !== true) return BREAK;
        return intValue(type, e.key === "skuid" ? s.uid : s.gid);
      }
      case "pkttype":
        return intValue(type, p.pkttype === "unicast" ? 0 : p.pkttype === "broadcast" ? 1 : 2);
      case "cpu":
        return intValue(type, p.cpu);
      case "nftrace":
        return intValue(type, 0);
      case "secpath":
        // The packet model has no IPsec: no packet went through a transform.
        return intValue(type, 0);
      case "time":
        return intValue(type, this.now);
      case "day": {
        const days = this.now / 86_400_000_000_000n;
        return intValue(type, (4n + days) % 7n);
      }
      case "hour":
        return intValue(type, (this.now / 1_000_000_000n) % 86_400n);
      case "cgroup":
      case "rtclassid":
      case "iifkind":
      case "oifkind":
        return unsupported(`meta ${e.key}`, `the packet model has no ${e.key}`);
      default:
        return assertNever(e.key);
    }
  }

  private readCt(e: NftCt, cx: RuleContext): NftValue | Break {
    const type = ctType(e, cx.table.table.family, this.packet.family);
    if (e.key === "state") {
      // nft_ct_get_eval: without a connection the state is invalid, or untracked after notrack.
      const ct = this.connection();
      if (ct !== undefined) return intValue(type, ctStateBits[ct.state]);
      const untracked = this.ctView.kind === "untracked" || (this.ctView.kind === "not yet" && this.notracked);
      return intValue(type, untracked ? 0x40 : 0x01);
    }
    const ct = this.connection();
    if (ct === undefined) return BREAK;
    const tuple = e.dir === "reply" ? ct.reply : ct.original;
    const scalarType = type;
    switch (e.key) {
      case "direction":
        return intValue(scalarType, ct.direction === "original" ? 0 : 1);
      case "status": {
        const s = ct.status;
        const value = (s.expected ? 0x01 : 0) | (s.seenReply ? 0x02 : 0) | (s.assured ? 0x04 : 0) | (s.confirmed ? 0x08 : 0) | (s.snat ? 0x10 : 0) | (s.dnat ? 0x20 : 0);
        // Other status bits (NAT done, seq-adjust, helper, offload) are not in the model; dying is 0.
        return { kind: "int", type: scalarType, value: BigInt(value), known: 0x3fn | 0x200n };
      }
      case "mark":
        return intValue(scalarType, ct.mark >>> 0);
      case "expiration":
        return intValue(scalarType, Math.round(ct.expires * 1000));
      case "helper":
        // nft_ct_get_eval reads the helper of the connection's master.
        return ct.masterHelper === undefined ? BREAK : strValue(scalarType, ct.masterHelper);
      case "l3proto":
        return intValue(scalarType, this.packet.family === "ipv4" ? 2 : 10);
      case "protocol":
        return intValue(scalarType, ct.original.l4proto);
      case "saddr":
      case "daddr": {
        const text = e.key === "saddr" ? tuple.saddr : tuple.daddr;
        const a = addressValue(text);
        if (a === undefined) return unsupported("ct address", `ct tuple address ${text}`);
        if (e.family !== undefined && (e.family === "ip") !== (a.family === "ipv4")) return BREAK;
        return intValue(dataType(a.family === "ipv4" ? "ipv4_addr" : "ipv6_addr"), a.value);
      }
      case "proto-src":
      case "proto-dst": {
        const port = e.key === "proto-src" ? tuple.sport : tuple.dport;
        return port === undefined ? unknownInt(scalarType) : intValue(scalarType, port);
      }
      case "label":
        return intValue(scalarType, ct.labels.reduce((acc, b) => acc | (1n << BigInt(b)), 0n));
      case "bytes":
      case "packets": {
        const c = e.key === "bytes" ? ct.bytes : ct.packets;
        return intValue(scalarType, e.dir === undefined ? c.original + c.reply : c[e.dir]);
      }
      case "avgpkt": {
        const pk = e.dir === undefined ? ct.packets.original + ct.packets.reply : ct.packets[e.dir];
        const by = e.dir === undefined ? ct.bytes.original + ct.bytes.reply : ct.bytes[e.dir];
        return intValue(scalarType, pk === 0n ? 0n : by / pk);
      }
      case "zone":
        return intValue(scalarType, ct.zone);
      case "event":
        return unsupported("ct event", "ct event can only be set");
      default:
        return assertNever(e.key);
    }
  }

  private readFib(e: NftFib, cx: RuleContext): NftValue | Break {
    if (e.result === "type") return intValue(scalar("fib_addrtype", 32), this.fibType(e));
    // nft_fib_store_result: the interface found, or ifindex 0 / the empty name when none.
    const dev = this.fibOutput(e, cx) ?? "";
    return strValue(e.result === "oifname" ? dataType("ifname") : dataType("iface_index"), dev);
  }

  /** The device a `fib` lookup limits itself to: the output device with `oif`, else the input device with `iif`. */
  private fibDevice(e: NftFib): string | undefined {
    const p = this.packet;
    const dev = e.flags.includes("oif") ? p.oif : e.flags.includes("iif") ? p.iif : undefined;
    // nft_fib_validate allows iif and oif only on hooks that have that device.
    if ((e.flags.includes("iif") || e.flags.includes("oif")) && dev === undefined) return unsupported("fib", "fib with iif or oif where the packet has no such interface");
    return dev;
  }

  /**
   * `fib ... oif/oifname` (nft_fib4_eval, nft_fib6_eval): the interface the route to the looked-up address
   * leaves through, undefined when there is none. In prerouting a loopback packet finds its input device, as
   * does an IPv4 packet from 0.0.0.0/8 to the limited broadcast or link-local multicast (and an ICMPv6 packet
   * from `::` to a link-local address). Otherwise the host model's route lookup, with the packet's mark
   * for `mark` (else 0): no route, a local route or a rejecting one find nothing; with `iif`/`oif` the route
   * must go through that device, which is then the answer.
   */
  private fibOutput(e: NftFib, cx: RuleContext): string | undefined {
    const p = this.packet;
    const host = this.options.host;
    const dev = this.fibDevice(e);
    const prerouting = cx.hook === "prerouting";
    if (prerouting && isLoopbackInterface(p.iif)) return p.iif;
    const mark = e.flags.includes("mark") ? p.mark : 0;
    const address = e.flags.includes("daddr") ? p.daddr : p.saddr;
    if (p.family === "ipv4") {
      if (addressInPrefix(p.saddr, "0.0.0.0", 8) && (p.daddr === "255.255.255.255" || addressInPrefix(p.daddr, "224.0.0.0", 24))) return p.iif ?? p.oif;
      const route = lookupRoute(host, address, { mark });
      if (route === undefined || route.type === "local" || route.type === "blackhole" || route.type === "unreachable" || route.type === "prohibit") return undefined;
      if (dev === undefined) return route.nexthops[0];
      // fib_info_nh_uses_dev: any next hop of the route.
      return route.nexthops.includes(dev) ? dev : undefined;
    }
    if (prerouting && p.l4proto === 58 && p.saddr === "::" && addressInPrefix(p.daddr, "fe80::", 10)) return p.iif;
    // A link-local address is looked up on the device (the packet's own when the expression names none).
    const named = addressInPrefix(address, "fe80::", 10) ? (dev ?? p.iif ?? p.oif) : undefined;
    const route = lookupRoute(host, address, { mark, ...(named === undefined ? {} : { dev: named }) });
    if (route === undefined || route.type === "local" || route.type === "blackhole" || route.type === "unreachable" || route.type === "prohibit") return undefined;
    const found = named !== undefined && route.nexthops.includes(named) ? named : dev !== undefined && route.nexthops.includes(dev) ? dev : route.nexthops[0];
    if (dev !== undefined && found !== dev) return undefined;
    return found;
  }

  /**
   * `fib ... type`: IPv4 as inet_dev_addr_type ({@link ipv4AddressType}, shared with xt_addrtype); IPv6 as
   * nft_fib6_eval_type: local when on the device (with `iif`/`oif`) or, without one, when the route is local;
   * a failed lookup gives blackhole, prohibit or unreachable; then multicast, unicast or unspec by the
   * address bits.
   */
  private fibType(e: NftFib): number {
    const p = this.packet;
    const host = this.options.host;
    const dev = this.fibDevice(e);
    const address = e.flags.includes("daddr") ? p.daddr : p.saddr;
    const a = addressValue(address);
    if (a === undefined) return unsupported("fib", `address ${address}`);
    if (a.family === "ipv4") {
      const type = ipv4AddressType(host, address, dev);
      return type === "LOCAL" ? 2 : type === "BROADCAST" ? 3 : type === "MULTICAST" ? 5 : 1;
    }
    const local = dev !== undefined && isLocalAddress(host, address, dev);
    const named = addressInPrefix(address, "fe80::", 10) ? (dev ?? p.iif ?? p.oif) : undefined;
    const route = lookupRoute(host, address, { mark: e.flags.includes("mark") ? p.mark : 0, ...(named === undefined ? {} : { dev: named }) });
    if (route === undefined || route.type === "unreachable") return 7;
    if (route.type === "blackhole") return 6;
    if (route.type === "prohibit") return 8;
    if (local || (dev === undefined && route.type === "local")) return 2;
    if (addressInPrefix(address, "ff00::", 8)) return 5;
    // ipv6_addr_type: `::` and IPv4-mapped addresses are not unicast.
    if (a.value === 0n || addressInPrefix(address, "::ffff:0:0", 96)) return 0;
    return 1;
  }

  private readSocket(key: "transparent" | "wildcard" | "mark"): NftValue | Break {
    const s = this.packet.socket;
    if (s === undefined) return BREAK;
    switch (key) {
      case "transparent":
        return intValue(dataType("boolean"), s.transparent ? 1 : 0);
      case "wildcard":
        return s.full ? intValue(dataType("boolean"), s.wildcard ? 1 : 0) : BREAK;
      case "mark":
        return s.full ? intValue(dataType("mark"), s.mark >>> 0) : BREAK;
      default:
        return assertNever(key);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

const logLevels: Readonly<Record<string, number>> = { emerg: 0, alert: 1, crit: 2, err: 3, warn: 4, notice: 5, info: 6, debug: 7, audit: 8 };

const unitSeconds: Readonly<Record<NftLimit["per"], number>> = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800 };

const ctStateBits: Readonly<Record<Conntrack["state"], number>> = { invalid: 0x01, established: 0x02, related: 0x04, new: 0x08, untracked: 0x40 };

const transportNumbers = { tcp: 6, udp: 17, udplite: 136, sctp: 132, dccp: 33, icmp: 1, icmpv6: 58, igmp: 2, ah: 51, esp: 50 } as const;

function isTransportProtocol(p: NftPayloadProtocol): boolean {
  return p !== "ip" && p !== "ip6" && p !== "ether" && p !== "vlan";
}

function isLoopback(dev: string | undefined): boolean {
  return dev === "lo";
}

/**
 * The Next Header value after the IPv6 header `after` (0 Hop-by-Hop, 60 Destination Options, 43 Routing;
 * undefined: the IPv6 header itself), in the model's RFC 8200 order: Hop-by-Hop, Destination Options,
 * Routing, Fragment, then the upper-layer protocol.
 */
function headerAfter(p: Packet, after: 0 | 60 | 43 | undefined): number {
  const chain = [p.hopByHopLength === undefined ? [] : [0], p.destinationOptionsLength === undefined ? [] : [60], p.routingHeader === undefined ? [] : [43], isFragment(p) ? [44] : []].flat();
  const at = after === undefined ? 0 : chain.indexOf(after) + 1;
  return chain[at] ?? p.l4proto;
}

function isFragment(p: Packet): boolean {
  return (p.fragOffset ?? 0) > 0 || p.moreFragments === true;
}

function isVerdictExpr(e: NftExpr): e is NftVerdict {
  return e.kind === "accept" || e.kind === "drop" || e.kind === "continue" || e.kind === "return" || e.kind === "jump" || e.kind === "goto";
}

function verdictResult(v: NftVerdict): RuleVerdict {
  switch (v.kind) {
    case "accept":
      return { kind: "accept" };
    case "drop":
      return { kind: "drop" };
    case "continue":
      return NEXT_RULE;
    case "return":
      return { kind: "return" };
    case "jump":
    case "goto":
      return { kind: v.kind, target: v.target };
    default:
      return assertNever(v);
  }
}

function withoutCt(p: Packet, invalid: boolean): Packet {
  const { ct: _ct, ...rest } = p;
  return { ...rest, ctInvalid: invalid };
}

function withType(t: NftType, name: NftTypeName): NftType {
  return t.kind === "scalar" ? scalar(name, t.bits) : t;
}

/** The bits of a fully known integer, or an error naming what is unknown. */
function intBits(v: NftInt): bigint {
  if (v.known !== ones(v.type.bits)) throw new NftUnknownBitsError(`a value of ${v.type.name} with bits the packet model does not know`);
  return v.value;
}

/** A value as an inclusive interval: a single number is [n, n]. */
function intervalOf(v: NftValue): readonly [bigint, bigint] {
  if (v.kind === "interval") return [v.low, v.high];
  if (v.kind === "int") {
    const n = intBits(v);
    return [n, n];
  }
  return unsupported("nat", `a NAT target that is a ${v.kind}`);
}

/** A port value as the range {@link chooseNatTuple} takes. */
function portsOf(v: NftValue): NatRange["ports"] {
  const [from, to] = intervalOf(v);
  return { from: Number(from), to: Number(to) };
}

/** nft's `random` and `fully-random` flags make the kernel draw the port (chooseNatTuple's random). */
function natRandom(flags: readonly NftNatFlag[] | undefined): { readonly random?: true } {
  return flags?.includes("random") === true || flags?.includes("fully-random") === true ? { random: true } : {};
}

/**
 * Seconds (as the clock gives them) in nanoseconds, exactly as written: the shortest decimal of the double is
 * taken, so 1700000000.1 is 1700000000100000000 ns and elapsed times between such readings are exact.
 */
export function secondsToNanos(seconds: number): bigint {
  if (!Number.isFinite(seconds)) throw new Error(`clock time ${seconds} is not a number`);
  const shortest = seconds.toString();
  // Exponent forms (below 1e-6) are written out with nine decimals, which is all a nanosecond needs.
  const text = shortest.includes("e") ? seconds.toFixed(9) : shortest;
  const negative = text.startsWith("-");
  const [whole = "0", frac = ""] = (negative ? text.slice(1) : text).split(".");
  const ns = BigInt(whole) * 1_000_000_000n + BigInt((frac + "000000000").slice(0, 9));
  return negative ? -ns : ns;
}

// ---------------------------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------------------------

/** A field of a header: `bits` bits at bit `offset`, with its value, or undefined where the model has none. */
interface HeaderSegment {
  readonly offset: number;
  readonly bits: number;
  readonly value: bigint | undefined;
}

function seg(offset: number, bits: number, value: bigint | number | undefined): HeaderSegment {
  return { offset, bits, value: value === undefined ? undefined : BigInt(value) };
}

function addressBits(text: string): bigint | undefined {
  return addressValue(text)?.value;
}

function networkHeader(p: Packet): readonly HeaderSegment[] {
  if (p.family === "ipv4") {
    return [
      seg(0, 4, 4),
      seg(4, 4, 5),
      seg(8, 6, p.dscp),
      seg(14, 2, p.ecn),
      seg(16, 16, p.length),
      seg(32, 16, undefined),
      // Flags: the reserved bit is 0, DF is not in the model, MF is.
      seg(48, 1, 0),
      seg(49, 1, undefined),
      seg(50, 1, p.moreFragments === true ? 1 : 0),
      seg(51, 13, p.fragOffset ?? 0),
      seg(64, 8, p.ttl),
      seg(72, 8, p.l4proto),
      seg(80, 16, undefined),
      seg(96, 32, addressBits(p.saddr)),
      seg(128, 32, addressBits(p.daddr)),
    ];
  }
  return [
    seg(0, 4, 6),
    seg(4, 6, p.dscp),
    seg(10, 2, p.ecn),
    seg(12, 20, undefined),
    seg(32, 16, p.length - 40),
    // The first extension header: the Routing header, then the Fragment header (RFC 8200 order).
    seg(48, 8, headerAfter(p, undefined)),
    seg(56, 8, p.ttl),
    seg(64, 128, addressBits(p.saddr)),
    seg(192, 128, addressBits(p.daddr)),
  ];
}

function transportHeader(p: Packet): readonly HeaderSegment[] {
  const ports = [seg(0, 16, p.sport), seg(16, 16, p.dport)];
  switch (p.l4proto) {
    case 6:
      // The four bits before the flags (reserved and AE) are 0 in the model.
      return [...ports, seg(100, 4, 0), seg(104, 8, p.tcpFlags)];
    case 17:
      return [...ports, seg(32, 16, p.length - (p.family === "ipv4" ? 20 : 40))];
    case 136:
    case 132:
      return ports;
    case 33:
      // DCCP: the 4-bit Type after 3 reserved bits in byte 8.
      return [...ports, seg(67, 4, p.dccpType ?? 0)];
    case 1:
    case 58:
      return [seg(0, 8, p.icmpType), seg(8, 8, p.icmpCode)];
    case 50:
      return [seg(0, 32, p.spi ?? 0)];
    case 51:
      // AH's Next Header is not modelled (nothing follows it in the model).
      return [seg(8, 8, p.ahLength ?? 4), seg(16, 16, p.ahReserved ?? 0), seg(32, 32, p.spi ?? 0)];
    case 108:
      // IPComp: Next Header, Flags (0), CPI.
      return [seg(8, 8, 0), seg(16, 16, p.spi ?? 0)];
    default:
      return [];
  }
}

function linkHeader(p: Packet): readonly HeaderSegment[] {
  const mac = p.mac === undefined ? undefined : macBits(p.mac);
  return [seg(0, 48, undefined), seg(48, 48, mac), seg(96, 16, p.family === "ipv4" ? 0x0800 : 0x86dd)];
}

function macBits(text: string): bigint | undefined {
  if (!/^([0-9a-f]{1,2}:){5}[0-9a-f]{1,2}$/i.test(text)) return undefined;
  return text.split(":").reduce((acc, b) => (acc << 8n) | BigInt(parseInt(b, 16)), 0n);
}

/** The bits [offset, offset + bits) of a header, with the mask of those the model knows. */
function readBits(segments: readonly HeaderSegment[], offset: number, bits: number): { readonly value: bigint; readonly known: bigint } {
  let value = 0n;
  let known = 0n;
  const end = offset + bits;
  for (const s of segments) {
    const a = Math.max(offset, s.offset);
    const b = Math.min(end, s.offset + s.bits);
    if (a >= b || s.value === undefined) continue;
    const width = b - a;
    const part = (s.value >> BigInt(s.offset + s.bits - b)) & ones(width);
    const at = BigInt(end - b);
    value |= part << at;
    known |= ones(width) << at;
  }
  return { value, known };
}

/** Where each named payload field is and what it holds. */
interface FieldInfo {
  readonly offset: number;
  readonly bits: number;
  readonly type: NftScalarType;
}

function field(offset: number, bits: number, type: NftTypeName = "integer"): FieldInfo {
  const t: NftScalarType = type === "integer" ? scalar("integer", bits) : type === "dccp_pkttype" ? scalar(type, bits) : (scalar(type, bits));
  return { offset, bits, type: t };
}

const payloadFields: { readonly [P in NftPayloadProtocol]: Readonly<Record<string, FieldInfo>> } = {
  ether: { daddr: field(0, 48, "ether_addr"), saddr: field(48, 48, "ether_addr"), type: field(96, 16, "ether_type") },
  vlan: { id: field(4, 12), type: field(16, 16, "ether_type") },
  ip: {
    version: field(0, 4), hdrlength: field(4, 4), dscp: field(8, 6, "dscp"), ecn: field(14, 2, "ecn"), length: field(16, 16),
    id: field(32, 16), "frag-off": field(48, 16), ttl: field(64, 8), protocol: field(72, 8, "inet_proto"), checksum: field(80, 16),
    saddr: field(96, 32, "ipv4_addr"), daddr: field(128, 32, "ipv4_addr"),
  },
  ip6: {
    version: field(0, 4), dscp: field(4, 6, "dscp"), ecn: field(10, 2, "ecn"), flowlabel: field(12, 20), length: field(32, 16),
    nexthdr: field(48, 8, "inet_proto"), hoplimit: field(56, 8), saddr: field(64, 128, "ipv6_addr"), daddr: field(192, 128, "ipv6_addr"),
  },
  icmp: {
    type: field(0, 8, "icmp_type"), code: field(8, 8, "icmp_code"), checksum: field(16, 16), id: field(32, 16), sequence: field(48, 16),
    gateway: field(32, 32, "ipv4_addr"), mtu: field(48, 16),
  },
  icmpv6: {
    type: field(0, 8, "icmpv6_type"), code: field(8, 8, "icmpv6_code"), checksum: field(16, 16), id: field(32, 16), sequence: field(48, 16),
    mtu: field(32, 32), "max-delay": field(32, 16),
  },
  igmp: { type: field(0, 8), mrt: field(8, 8), checksum: field(16, 16), group: field(32, 32, "ipv4_addr") },
  tcp: {
    sport: field(0, 16, "inet_service"), dport: field(16, 16, "inet_service"), sequence: field(32, 32), ackseq: field(64, 32), doff: field(96, 4),
    reserved: field(100, 4), flags: field(104, 8, "tcp_flag"), window: field(112, 16), checksum: field(128, 16), urgptr: field(144, 16),
  },
  udp: { sport: field(0, 16, "inet_service"), dport: field(16, 16, "inet_service"), length: field(32, 16), checksum: field(48, 16) },
  udplite: { sport: field(0, 16, "inet_service"), dport: field(16, 16, "inet_service"), checksum: field(48, 16) },
  sctp: { sport: field(0, 16, "inet_service"), dport: field(16, 16, "inet_service"), vtag: field(32, 32), checksum: field(64, 32) },
  dccp: { sport: field(0, 16, "inet_service"), dport: field(16, 16, "inet_service"), type: field(67, 4, "dccp_pkttype") },
  ah: { nexthdr: field(0, 8, "inet_proto"), hdrlength: field(8, 8), reserved: field(16, 16), spi: field(32, 32), sequence: field(64, 32) },
  esp: { spi: field(0, 32), sequence: field(32, 32) },
  th: { sport: field(0, 16, "inet_service"), dport: field(16, 16, "inet_service") },
};

function payloadField(e: NftPayload): FieldInfo {
  const f = payloadFields[e.protocol][e.field];
  if (f === undefined) return unsupported("payload", `${e.protocol} ${e.field}`);
  return f;
}

const exthdrFields: Readonly<Record<string, FieldInfo>> = {
  nexthdr: field(0, 8, "inet_proto"),
  hdrlength: field(8, 8),
  type: field(16, 8),
  "seg-left": field(24, 8),
  reserved: field(8, 8),
  "frag-off": field(16, 13),
  reserved2: field(29, 2),
  "more-fragments": field(31, 1),
  id: field(32, 32),
  checksum: field(32, 16),
};

function exthdrField(e: NftExthdr): FieldInfo {
  const f = e.field === undefined ? undefined : exthdrFields[e.field];
  if (f === undefined) return unsupported("exthdr", `exthdr ${e.name} ${e.field ?? ""}`);
  return f;
}

const tcpOptionKinds: Readonly<Record<NftTcpOption["name"], number>> = { eol: 0, nop: 1, maxseg: 2, window: 3, "sack-perm": 4, sack: 5, timestamp: 8 };

const tcpOptionLengths: Readonly<Partial<Record<NftTcpOption["name"], number>>> = { maxseg: 4, window: 3, "sack-perm": 2, timestamp: 10 };

function tcpOptionType(e: NftTcpOption): NftScalarType {
  switch (e.field) {
    case "size":
      return scalar("integer", 16);
    case "left":
    case "right":
    case "tsval":
    case "tsecr":
      return scalar("integer", 32);
    case "kind":
    case "length":
    case "count":
      return scalar("integer", 8);
    case undefined:
      return dataType("boolean");
    default:
      return assertNever(e);
  }
}

function metaType(e: NftMeta): NftScalarType {
  switch (e.key) {
    case "length":
    case "cpu":
    case "cgroup":
    case "random":
      return scalar("integer", 32);
    case "protocol":
      return dataType("ether_type");
    case "priority":
      return dataType("classid");
    case "mark":
      return dataType("mark");
    case "iif":
    case "oif":
      return dataType("iface_index");
    case "iifname":
    case "oifname":
      return dataType("ifname");
    case "iiftype":
    case "oiftype":
      return dataType("iface_type");
    case "iifkind":
    case "oifkind":
      return scalar("iface_kind", 0);
    case "skuid":
      return dataType("uid");
    case "skgid":
      return dataType("gid");
    case "nftrace":
      return scalar("integer", 1);
    case "rtclassid":
      return dataType("realm");
    case "pkttype":
      return dataType("pkt_type");
    case "iifgroup":
    case "oifgroup":
      return dataType("devgroup");
    case "nfproto":
      return dataType("nf_proto");
    case "l4proto":
      return dataType("inet_proto");
    case "secpath":
      return dataType("boolean");
    case "time":
      return dataType("time");
    case "day":
      return dataType("day");
    case "hour":
      return dataType("hour");
    default:
      return assertNever(e.key);
  }
}

function ctType(e: NftCt, tableFamily: NftTable["family"], packetFamily: PacketFamily): NftScalarType {
  switch (e.key) {
    case "state":
      return dataType("ct_state");
    case "direction":
      return dataType("ct_dir");
    case "status":
      return dataType("ct_status");
    case "mark":
      return dataType("mark");
    case "expiration":
      return scalar("expiration", 32);
    case "helper":
      return scalar("ct_helper", 0);
    case "l3proto":
      return dataType("nf_proto");
    case "protocol":
      return dataType("inet_proto");
    case "saddr":
    case "daddr": {
      const v6 = e.family !== undefined ? e.family === "ip6" : tableFamily === "inet" ? packetFamily === "ipv6" : tableFamily === "ip6";
      return dataType(v6 ? "ipv6_addr" : "ipv4_addr");
    }
    case "proto-src":
    case "proto-dst":
      return dataType("inet_service");
    case "label":
      return dataType("ct_label");
    case "bytes":
    case "packets":
    case "avgpkt":
      return scalar("integer", 64);
    case "zone":
      return scalar("integer", 16);
    case "event":
      return scalar("ct_event", 32);
    default:
      return assertNever(e.key);
  }
}
