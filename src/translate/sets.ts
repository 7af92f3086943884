/**
 * Named sets: `-m recent` lists, and the ipsets of `-m set` and `-j SET`. Each list or ipset becomes one named
 * nft set of the table, and the rules test and change it with set lookups and set statements.
 *
 * The kernel sources these translations follow (torvalds/linux):
 * - net/netfilter/xt_recent.c `recent_mt`: one entry per (masked) address with its last hit times; `--set`
 *   adds or refreshes and always matches; `--rcheck`/`--update` match when a hit lies within `--seconds`
 *   (any hit, so the newest one decides); `--update` refreshes only when the match (after `!`) holds.
 * - net/netfilter/ipset/ip_set_core.c `ip_set_test`: too few FLAGS or another family never matches;
 *   `--return-nomatch` turns plain hits into misses and nomatch hits into matches.
 * - net/netfilter/ipset/ip_set_getport.c: ports of TCP/UDP/SCTP/UDPLITE, ICMP type/code as the port,
 *   port 0 for other protocols, nothing for non-first fragments; bitmap:port takes TCP and UDP only.
 * - net/netfilter/xt_set.c `set_target_v2`: `--add-set` then `--del-set`, timeouts capped at 2147483 s.
 * @module
 */
import {
  type Family,
  formatIP,
  type IpsetMember,
  type IpsetPart,
  type IpsetSet,
  ipsetTypeName,
  ipsetTypes,
  type KnownMatch,
  type KnownTarget,
  parseIP,
  printIpsetPart,
  type Ruleset,
  type TableName,
} from "../ast/index.js";
import type { Span } from "../diagnostic/index.js";
import {
  isNftIdentifier,
  type NftChain,
  type NftDataType,
  type NftExpr,
  type NftSet,
  type NftSetFlag,
  type NftSetStatement,
  type NftStatement,
} from "../nft/index.js";
import { maxCommentBytes, truncateUtf8 } from "./comment.js";
import { type ByKind, isRefusal, ok, type Refusal, refuse, type RuleContext, type Translation } from "./context.js";
import { addressField, binop, eq, match, meta, num, payload, rangeExpr, str, sym } from "./expr.js";

type RecentMatch = Extract<KnownMatch, { kind: "recent" }>;
type SetMatch = Extract<KnownMatch, { kind: "set" }>;
type SetTarget = Extract<KnownTarget, { kind: "SET" }>;
type SetFlag = "src" | "dst";

/** What {@link TableObjects.setUses} holds: one entry per xt_recent list or ipset the table's rules name. */
export type SetUse = RecentListUse | IpsetUse;

/**
 * The largest nft set size. xt_recent's `--set` never fails (a full list forgets its least recently seen
 * address), while nft's update statement fails on a full set, and nft gives sets that rules update a size of
 * 65535 unless told otherwise.
 */
const unlimitedSetSize = 4294967295;

// ---------------------------------------------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------------------------------------------

/** A name nft text can write for `wanted`, not used by another set of the table; rewritten as chain names are. */
function claimSetName(cx: RuleContext, wanted: string): string {
  const used = new Set(cx.objects.sets.keys());
  for (const u of cx.objects.setUses.values()) if (u.set !== undefined) used.add(u.set);
  let base = wanted;
  if (!isNftIdentifier(base)) {
    base = wanted.replace(/[^A-Za-z0-9_.-]/g, "_");
    if (!/^[A-Za-z_]/.test(base) || !isNftIdentifier(base)) base = `set_${base}`;
  }
  let candidate = base;
  for (let i = 2; used.has(candidate) || !isNftIdentifier(candidate); i++) candidate = `${base}_${i}`;
  return candidate;
}

/** A set's comment: what it stands for in the input, within nft's comment length. */
function setComment(text: string): string {
  return truncateUtf8(text.replace(/"/g, "'"), maxCommentBytes);
}

/**
 * A condition no packet meets (`ip saddr != 0.0.0.0/0`): every packet has a source address in the all-covering
 * prefix. For a match that never holds but whose side effects still happen (`! --set`), or that can never hold
 * (a set of the other family).
 */
export function neverMatch(family: Family): NftStatement {
  return match(addressField(family, "saddr"), { kind: "prefix", addr: family === "ipv4" ? "0.0.0.0" : "::", len: 0 }, "!=");
}

function setRef(name: string): NftExpr {
  return { kind: "set reference", name };
}

function setStatement(op: NftSetStatement["op"], set: string, key: NftExpr, timeout?: number): NftSetStatement {
  return { kind: "set", op, set, elem: timeout === undefined ? key : { kind: "elem", val: key, timeout } };
}

/** Which tables of the ruleset name each recent list and each ipset, and which ipsets `-j SET` changes. */
interface SharedObjects {
  readonly recent: ReadonlyMap<string, ReadonlySet<TableName>>;
  readonly ipsets: ReadonlyMap<string, ReadonlySet<TableName>>;
  readonly changed: ReadonlySet<string>;
}

// A memo of a pure function of the (immutable) ruleset, so each rule does not scan the whole ruleset again.
const sharedObjectsMemo = new WeakMap<Ruleset, SharedObjects>();

function sharedObjects(ruleset: Ruleset): SharedObjects {
  const cached = sharedObjectsMemo.get(ruleset);
  if (cached !== undefined) return cached;
  const recent = new Map<string, Set<TableName>>();
  const ipsets = new Map<string, Set<TableName>>();
  const changed = new Set<string>();
  const note = (m: Map<string, Set<TableName>>, name: string, table: TableName): void => {
    const tables = m.get(name) ?? new Set<TableName>();
    tables.add(table);
    m.set(name, tables);
  };
  for (const table of ruleset.tables) {
    for (const rule of table.rules) {
      for (const m of rule.matches) {
        if (m.kind === "recent") note(recent, m.name?.value ?? "DEFAULT", table.name);
        if (m.kind === "set" && m.matchSet !== undefined) note(ipsets, m.matchSet.value[0], table.name);
      }
      const t = rule.target;
      if (t?.kind === "SET") {
        for (const o of [t.addSet, t.delSet, t.mapSet]) if (o !== undefined) note(ipsets, o.value[0], table.name);
        for (const o of [t.addSet, t.delSet]) if (o !== undefined) changed.add(o.value[0]);
      }
    }
  }
  const result = { recent, ipsets, changed };
  sharedObjectsMemo.set(ruleset, result);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// -m recent
// ---------------------------------------------------------------------------------------------------------------

/** How the rules translated so far use one xt_recent list; constraints between rules are checked against it. */
export interface RecentListUse {
  readonly kind: "recent";
  /** The nft set standing for the list. */
  readonly set: string;
  /** The list's `--mask` and the line of the rule that gave it first: the kernel keeps one mask per list. */
  readonly mask: { readonly value: bigint; readonly line: number };
  /** The `--seconds` (undefined: none) of the first rule that checks the list, which every check must share. */
  readonly window?: { readonly seconds: number | undefined; readonly line: number };
  /** The line of the first `--remove` rule. */
  readonly removeLine?: number;
  /** Some rule adds to the list (`--set`, `--update`). */
  readonly updated?: boolean;
}

/**
 * The longest `--seconds` whose window means the same on every kernel: xt_recent computes `seconds * HZ` in
 * 32 bits (`info->seconds` is a u32), which wraps above 4294967 s when HZ is 1000.
 */
const maxRecentSeconds = 4294967;

type RecentCommand = "set" | "rcheck" | "update" | "remove";

function recentCommand(m: RecentMatch): { readonly command: RecentCommand; readonly negated: boolean; readonly span: Span } {
  if (m.set !== undefined) return { command: "set", negated: m.set.negated, span: m.set.span };
  if (m.rcheck !== undefined) return { command: "rcheck", negated: m.rcheck.negated, span: m.rcheck.span };
  if (m.update !== undefined) return { command: "update", negated: m.update.negated, span: m.update.span };
  if (m.remove !== undefined) return { command: "remove", negated: m.remove.negated, span: m.remove.span };
  // The schema requires exactly one command; iptables-save never writes a recent match without one.
  return { command: "rcheck", negated: false, span: m.span };
}

function allOnes(family: Family): bigint {
  return family === "ipv4" ? 0xffffffffn : (1n << 128n) - 1n;
}

function recentSet(use: RecentListUse, listName: string, family: Family): NftSet {
  const seconds = use.window?.seconds;
  const flags: NftSetFlag[] = seconds === undefined ? ["dynamic"] : ["dynamic", "timeout"];
  return {
    kind: "set",
    name: use.set,
    type: [family === "ipv4" ? "ipv4_addr" : "ipv6_addr"],
    flags,
    ...(seconds === undefined ? {} : { timeout: seconds }),
    // Only where rules add to the set: nft's JSON parser drops `dynamic`, and a static hash set of this size
    // would be allocated whole (ENOMEM).
    ...(use.updated === true ? { size: unlimitedSetSize } : {}),
    comment: setComment(`xt_recent list ${listName}`),
  };
}

/**
 * `-m recent`: the list NAME becomes a dynamic set of (masked) addresses. Entries expire `--seconds` after their
 * last `--set` or `--update`, so "hit within S seconds" is plain membership, and every rule that checks a list
 * must use the same window (or none).
 *
 * - `--set` → `update @L { ip saddr }` (adds or refreshes, as xt_recent's `recent_entry_update`); `! --set` also
 *   adds but never matches.
 * - `--rcheck` → `ip saddr @L`, `!` → `!=`.
 * - `--update` → `ip saddr @L update @L { ip saddr }`; `! --update` refreshes nothing when the address is
 *   listed within the window and matches otherwise, so without `--seconds` it is `ip saddr != @L`.
 * - `--remove` → `ip saddr @L delete @L { ip saddr }` (matches only when the address was listed).
 * - `--reap` only frees entries no check of the list can match any more: no effect on what matches.
 * - `--hitcount` 0 and 1 mean "any hit"; larger counts are refused.
 *
 * Two differences remain that no nft construct removes: xt_recent forgets the least recently seen address once a
 * list holds `ip_list_tot` entries (module parameter, default 100; recent_entry_init), while the set keeps every
 * address until it expires (a full nft set would instead make `--set` rules stop matching); and a hit exactly
 * `seconds * HZ` jiffies old still matches in xt_recent (`time_after` is strict) but has just expired in nft
 * (`time_after_eq64`), a one-jiffy edge.
 */
export function translateRecent(m: RecentMatch, cx: RuleContext): Translation {
  const name = m.name?.value ?? "DEFAULT";
  const { command, negated, span } = recentCommand(m);
  if (m.rttl !== undefined) {
    return refuse("-m recent --rttl also compares the TTL the address was last seen with; an nft set element stores no TTL", m.rttl.span);
  }
  const hitcount = m.hitcount?.value ?? 0;
  if (hitcount > 1 && m.hitcount !== undefined) {
    return refuse(
      `-m recent --hitcount ${hitcount} counts the address's hits within the window (xt_recent keeps its last ip_pkt_list_tot hit times); an nft set element keeps one expiry time and cannot count hits in a sliding window`,
      m.hitcount.span,
    );
  }
  const seconds = m.seconds?.value;
  if (seconds !== undefined && seconds > maxRecentSeconds && m.seconds !== undefined) {
    return refuse(
      `-m recent --seconds ${seconds}: xt_recent computes seconds * HZ in 32 bits, which wraps above ${maxRecentSeconds} s on HZ=1000 kernels, so the window depends on the kernel's HZ`,
      m.seconds.span,
    );
  }
  if (command === "update" && negated && seconds !== undefined) {
    return refuse(
      `! --update --seconds refreshes an address whose last hit is older than ${seconds} s (xt_recent updates whenever the negated match holds); nft has already expired that entry and cannot tell it from an unknown address`,
      span,
    );
  }
  if (command === "remove" && negated) {
    return refuse("! --remove deletes a listed address and then fails, and matches an unlisted one; an nft rule can test membership before a delete statement or after it, not both", span);
  }
  if (cx.ruleset !== undefined) {
    const tables = sharedObjects(cx.ruleset).recent.get(name);
    if (tables !== undefined && tables.size > 1) {
      return refuse(`xt_recent list ${name} is used in tables ${[...tables].join(", ")}: the kernel has one list for all of them, nft sets belong to one table`, m.span);
    }
  }

  const family = cx.family;
  const mask = recentMask(m, family);
  const line = cx.rule.span.start.line;
  const key = `recent ${name}`;
  const old = cx.objects.setUses.get(key);
  let use: RecentListUse = old?.kind === "recent" ? old : { kind: "recent", set: claimSetName(cx, name), mask: { value: mask, line } };
  if (use.mask.value !== mask) {
    return refuse(
      `xt_recent list ${name} gets --mask ${formatIP(family, mask)} here but ${formatIP(family, use.mask.value)} on line ${use.mask.line}: the kernel keeps the mask of whichever rule created the list, nft masks per rule`,
      m.mask?.span ?? m.span,
    );
  }
  if (command === "rcheck" || command === "update") {
    const window = use.window;
    if (window === undefined) {
      if (seconds !== undefined && use.removeLine !== undefined) return refuseRemoveWithWindow(name, use.removeLine, line, m.span);
      use = { ...use, window: { seconds, line } };
    } else if (window.seconds !== seconds) {
      const here = seconds === undefined ? "without --seconds" : `with --seconds ${seconds}`;
      const there = window.seconds === undefined ? "without --seconds" : `with --seconds ${window.seconds}`;
      return refuse(
        `xt_recent list ${name} is checked ${here} here and ${there} on line ${window.line}: an nft set has one timeout, so it cannot answer both`,
        m.seconds?.span ?? span,
      );
    }
  }
  if (command === "remove") {
    if (use.window?.seconds !== undefined) return refuseRemoveWithWindow(name, line, use.window.line, m.span);
    use = { ...use, removeLine: use.removeLine ?? line };
  }
  if (command === "set" || (command === "update" && !negated)) use = { ...use, updated: true };
  cx.objects.setUses.set(key, use);
  // Set directly, not with addSet: a later rule may give the list its window, and with it the set's timeout.
  cx.objects.sets.set(use.set, recentSet(use, name, family));

  const field = addressField(family, m.rdest !== undefined ? "daddr" : "saddr");
  const elem = mask === allOnes(family) ? field : binop("&", field, sym(formatIP(family, mask)));
  const list = setRef(use.set);
  switch (command) {
    case "set":
      return ok(setStatement("update", use.set, elem), ...(negated ? [neverMatch(family)] : []));
    case "rcheck":
      return ok(match(elem, list, eq(negated)));
    case "update":
      return negated ? ok(match(elem, list, "!=")) : ok(match(elem, list), setStatement("update", use.set, elem));
    case "remove":
      return ok(match(elem, list), setStatement("delete", use.set, elem));
    default:
      return assertNever(command);
  }
}

function refuseRemoveWithWindow(name: string, removeLine: number, windowLine: number, span: Span): Refusal {
  return refuse(
    `xt_recent list ${name} is checked with --seconds (line ${windowLine}) and has --remove (line ${removeLine}): --remove also matches an address last seen longer ago than the window, which the nft set has already expired`,
    span,
  );
}

function recentMask(m: RecentMatch, family: Family): bigint {
  if (m.mask === undefined) return allOnes(family);
  return parseIP(m.mask.value.address)?.value ?? allOnes(family);
}

// ---------------------------------------------------------------------------------------------------------------
// ipsets: the nft set for an ipset
// ---------------------------------------------------------------------------------------------------------------

/** What one dimension of an ipset's elements reads from the packet. */
type KeyDimension =
  /** An address (ip or net dimension), ANDed with the set's netmask/bitmask when it has one. */
  | { readonly kind: "address"; readonly mask: bigint | undefined }
  /** A port with its protocol: two key parts, `meta l4proto . th dport`. */
  | { readonly kind: "port" }
  /** The input (src) or output (dst) interface name. */
  | { readonly kind: "iface" }
  /** The packet mark ANDed with the set's markmask; its FLAGS entry is ignored, as the kernel does. */
  | { readonly kind: "mark"; readonly mask: number };

/** An ipset as an nft set, and how a packet's fields form the set's key. */
export interface IpsetPlan {
  /** The family of the addresses; undefined for sets that hold none (bitmap:port), which serve both. */
  readonly family: Family | undefined;
  readonly dims: readonly KeyDimension[];
  readonly set: NftSet;
  /** The type has nomatch entries (hash:net and others): `--return-nomatch` turns its plain hits into misses. */
  readonly nomatchType: boolean;
  readonly counters: boolean;
  /** A saved member without a timeout in a set with timeouts. */
  readonly permanentMember?: string;
  /** list:set: the member sets the union holds (those the FLAGS and family let match). */
  readonly listMembers?: string;
}

/** How the rules translated so far use one ipset. */
export interface IpsetUse {
  readonly kind: "ipset";
  /** The nft set standing for it, once a rule refers to it directly. */
  readonly set?: string;
  /** The nft set, or why the ipset has none. */
  readonly plan?: IpsetPlan | string;
  /** The first `-j SET` rule that changes the set. */
  readonly changedLine?: number;
  /** The first list:set lookup that copied this set's members into the list's set. */
  readonly copiedInto?: { readonly list: string; readonly line: number };
  /** The first `-j SET --add-set` that adds permanent members to a set with timeouts. */
  readonly permanentAddLine?: number;
  /** The first `-j SET --add-set --exist` that refreshes members of a set with timeouts. */
  readonly refreshLine?: number;
  /** Helper chains made for `-j SET` statements that can fail, by statement. */
  readonly helpers?: ReadonlyMap<string, string>;
}

/** One dimension's part of an element: a closed interval of integers, or an interface name (a prefix with `*`). */
type ElementSpan = { readonly lo: bigint; readonly hi: bigint } | { readonly iface: string; readonly wildcard: boolean };

/** One nft element: its parts per key position, for overlap checks, with its expiry and comment. */
interface Element {
  readonly spans: readonly ElementSpan[];
  readonly parts: readonly NftExpr[];
  /** Seconds; undefined = permanent. */
  readonly timeout: number | undefined;
  readonly comment: string | undefined;
  /** The ipset member it came from, for messages. */
  readonly source: string;
}

const portProtocolNumbers: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132, udplite: 136 };

/** The key dimensions of a set type, or why ipt2nft cannot translate it. */
function keyDimensions(s: IpsetSet): readonly KeyDimension[] | string {
  const family = s.family ?? "ipv4";
  const hasNet = s.setType.dims.includes("net");
  const { netmask, bitmask, markmask } = s.options;
  if (hasNet && (netmask !== undefined || bitmask !== undefined)) {
    return `ipset ${s.name} (${s.setType.method}:${s.setType.dims.join(",")}) masks each network again with its netmask/bitmask at lookup; ipt2nft does not compute the resulting intervals`;
  }
  const addressMask = bitmask !== undefined ? parseIP(bitmask)?.value : netmask !== undefined ? maskOf(family, netmask) : undefined;
  const dims: KeyDimension[] = [];
  for (const d of s.setType.dims) {
    switch (d) {
      case "ip":
        dims.push({ kind: "address", mask: addressMask === allOnes(family) ? undefined : addressMask });
        break;
      case "net":
        dims.push({ kind: "address", mask: undefined });
        break;
      case "port":
        dims.push({ kind: "port" });
        break;
      case "iface":
        dims.push({ kind: "iface" });
        break;
      case "mark":
        dims.push({ kind: "mark", mask: markmask ?? 0xffffffff });
        break;
      case "mac":
        return `ipset ${s.name} is ${s.setType.method}:${s.setType.dims.join(",")}: ipset reads MAC addresses from any 14-byte link-layer header (and bitmap:ip,mac fills missing MACs from the first packet), nft only behind its own \`meta iiftype ether\` check; ipt2nft does not translate MAC sets`;
      case "set":
        return `ipset ${s.name} is a list:set`;
      default:
        return assertNever(d);
    }
  }
  return dims;
}

function maskOf(family: Family, length: number): bigint {
  const bits = family === "ipv4" ? 32n : 128n;
  const all = allOnes(family);
  return length === 0 ? 0n : (all << (bits - BigInt(length))) & all;
}

function nftTypes(dims: readonly KeyDimension[], family: Family): [NftDataType, ...NftDataType[]] {
  const types = dims.flatMap((d): NftDataType[] => {
    switch (d.kind) {
      case "address":
        return [family === "ipv4" ? "ipv4_addr" : "ipv6_addr"];
      case "port":
        return ["inet_proto", "inet_service"];
      case "iface":
        return ["ifname"];
      case "mark":
        return ["mark"];
      default:
        return assertNever(d);
    }
  });
  const [first, ...rest] = types;
  return first === undefined ? ["ipv4_addr"] : [first, ...rest];
}

/** The alternatives one member part stands for (bitmap:port ports stand for TCP and UDP), or why none can. */
function partElements(s: IpsetSet, member: IpsetMember, part: IpsetPart): readonly (readonly [readonly ElementSpan[], readonly NftExpr[]])[] | string {
  switch (part.kind) {
    case "ip": {
      const ip = parseIP(part.address.address);
      if (ip === undefined) return `ipset ${s.name}: "${part.address.address}" is not an address`;
      const bits = ip.family === "ipv4" ? 32 : 128;
      const hostBits = BigInt(bits - part.address.length);
      const hi = ip.value | ((1n << hostBits) - 1n);
      const expr: NftExpr = part.address.length === bits ? sym(part.address.address) : { kind: "prefix", addr: part.address.address, len: part.address.length };
      return [[[{ lo: ip.value, hi }], [expr]]];
    }
    case "ip-range": {
      const from = parseIP(part.from);
      const to = parseIP(part.to);
      if (from === undefined || to === undefined) return `ipset ${s.name}: bad range ${part.from}-${part.to}`;
      return [[[{ lo: from.value, hi: to.value }], [{ kind: "range", low: sym(part.from), high: sym(part.to) }]]];
    }
    case "port": {
      const port = rangeExpr({ from: part.from, to: part.to });
      const span: ElementSpan = { lo: BigInt(part.from), hi: BigInt(part.to) };
      // bitmap:port stores the number alone and matches it for TCP and UDP (ip_set_get_ip_port).
      const protocols = part.protocol === undefined ? (["tcp", "udp"] as const) : [part.protocol];
      return protocols.map((p) => {
        const n = BigInt(portProtocolNumbers[p] ?? 0);
        return [[{ lo: n, hi: n }, span], [sym(p), port]] as const;
      });
    }
    case "icmp":
      return `ipset ${s.name} has the member "${memberText(member)}": ipset keys ICMP packets by type and code in the port's place, which nft's \`th dport\` (the ICMP checksum) cannot produce in the same key`;
    case "protocol":
      return `ipset ${s.name} has the member "${memberText(member)}": ipset keys protocols without ports with port 0, while nft's \`th dport\` reads the packet's bytes there`;
    case "iface":
      // xt_set never asks for bridge ports (no IPSET_FLAG_PHYSDEV), so a physdev member never matches a packet.
      if (part.physdev) return [];
      return [[[{ iface: part.name, wildcard: member.wildcard }], [str(`${part.name.replace(/[\\*]/g, (c) => `\\${c}`)}${member.wildcard ? "*" : ""}`)]]];
    case "mark":
      return [[[{ lo: BigInt(part.value), hi: BigInt(part.value) }], [num(part.value, "hex")]]];
    case "mac":
    case "set":
      return `ipset ${s.name}: ${part.kind} members are not translated`;
    default:
      return assertNever(part);
  }
}

function memberText(member: IpsetMember): string {
  return member.parts.map(printIpsetPart).join(",");
}

function isIntervalSpan(span: ElementSpan): boolean {
  return "lo" in span ? span.lo !== span.hi : span.wildcard;
}

/** The elements of one ipset, or why one member has no nft element. */
function setElements(s: IpsetSet, dims: readonly KeyDimension[], listTimeout?: number): Element[] | string {
  const out: Element[] = [];
  const timed = s.options.timeout !== undefined;
  for (const member of s.members) {
    if (member.nomatch) {
      return `ipset ${s.name} has the nomatch entry "${memberText(member)}", an exception to the networks around it; nft sets have no exceptions`;
    }
    // The member's own timeout, or the set's default when a restore file left it out; 0 = permanent.
    const seconds = timed ? (member.timeout ?? s.options.timeout) : 0;
    const own = seconds === 0 ? undefined : seconds;
    const timeout = listTimeout === undefined ? own : own === undefined ? listTimeout : Math.min(own, listTimeout);
    let alternatives: (readonly [readonly ElementSpan[], readonly NftExpr[]])[] = [[[], []]];
    for (const [i, part] of member.parts.entries()) {
      if (i >= dims.length) break;
      const parts = partElements(s, member, part);
      if (typeof parts === "string") return parts;
      alternatives = alternatives.flatMap(([spans, exprs]) => parts.map(([sp, ex]) => [[...spans, ...sp], [...exprs, ...ex]] as const));
    }
    if (member.parts.length < s.setType.dims.length) {
      return `ipset ${s.name} has the member "${memberText(member)}" without its last part`;
    }
    const comment = s.options.comment && member.comment !== undefined ? truncateUtf8(member.comment.replace(/"/g, "'"), maxCommentBytes) : undefined;
    for (const [spans, parts] of alternatives) out.push({ spans, parts, timeout, comment, source: memberText(member) });
  }
  return out;
}

function lifetime(e: Element): number {
  return e.timeout ?? Number.POSITIVE_INFINITY;
}

function spanContains(a: ElementSpan, b: ElementSpan): boolean {
  if ("lo" in a) return "lo" in b && a.lo <= b.lo && b.hi <= a.hi;
  if ("lo" in b) return false;
  return a.wildcard ? b.iface.startsWith(a.iface) : !b.wildcard && a.iface === b.iface;
}

function spanOverlaps(a: ElementSpan, b: ElementSpan): boolean {
  if ("lo" in a && "lo" in b) return a.lo <= b.hi && b.lo <= a.hi;
  return spanContains(a, b) || spanContains(b, a);
}

function low(e: Element): bigint {
  const s = e.spans[0];
  return s !== undefined && "lo" in s ? s.lo : 0n;
}

function high(e: Element): bigint {
  const s = e.spans[0];
  return s !== undefined && "lo" in s ? s.hi : 0n;
}

/**
 * The elements without overlaps, which nft refuses in interval sets ("conflicting intervals"). ipset's lookup
 * matches when any member covers the packet, so a member inside another that lives at least as long changes
 * nothing and is left out; members that overlap only partly, or that outlive the member around them, are refused.
 */
function withoutOverlaps(setName: string, elements: readonly Element[]): Element[] | string {
  const order = elements.map((e, i) => ({ e, i })).sort((a, b) => (low(a.e) < low(b.e) ? -1 : low(a.e) > low(b.e) ? 1 : high(a.e) > high(b.e) ? -1 : high(a.e) < high(b.e) ? 1 : a.i - b.i));
  const kept = new Map<number, Element>();
  let active: number[] = [];
  for (const { e, i } of order) {
    active = active.filter((j) => kept.has(j) && high(kept.get(j) ?? e) >= low(e));
    let covered = false;
    for (const j of active) {
      const other = kept.get(j);
      if (other === undefined || !other.spans.every((s, k) => spanOverlaps(s, e.spans[k] ?? s))) continue;
      if (other.spans.every((s, k) => spanContains(s, e.spans[k] ?? s)) && lifetime(other) >= lifetime(e)) {
        covered = true;
        break;
      }
      if (e.spans.every((s, k) => spanContains(s, other.spans[k] ?? s)) && lifetime(e) >= lifetime(other)) {
        kept.delete(j);
        continue;
      }
      return `ipset ${setName} has the overlapping members "${other.source}" and "${e.source}" with different timeouts or partly overlapping ranges; an nft interval set cannot hold both`;
    }
    if (covered) continue;
    kept.set(i, e);
    active.push(i);
  }
  return [...kept.entries()].sort(([a], [b]) => a - b).map(([, e]) => e);
}

/** Identical keys merged (list:set members may share them), keeping the longest life. */
function withoutDuplicates(elements: readonly Element[]): Element[] {
  const byKey = new Map<string, Element>();
  for (const e of elements) {
    const key = JSON.stringify(e.spans.map((s) => ("lo" in s ? [s.lo.toString(), s.hi.toString()] : [s.iface, s.wildcard])));
    const old = byKey.get(key);
    if (old === undefined || lifetime(e) > lifetime(old)) byKey.set(key, old === undefined ? e : { ...e, comment: e.comment ?? old.comment });
  }
  return [...byKey.values()];
}

function elementExpr(e: Element): NftExpr {
  const [first] = e.parts;
  const val: NftExpr = e.parts.length === 1 && first !== undefined ? first : { kind: "concat", exprs: e.parts };
  if (e.timeout === undefined && e.comment === undefined) return val;
  return { kind: "elem", val, ...(e.timeout === undefined ? {} : { timeout: e.timeout }), ...(e.comment === undefined ? {} : { comment: e.comment }) };
}

/**
 * The size of a set rules may add to: a full hash set refuses new members (ipset's maxelem), and a bitmap holds
 * every value of its range. Without a size, nft gives a set that rules add to a size of 65535.
 */
function sizeOf(s: IpsetSet): { readonly size?: number } {
  if (s.setType.method === "hash") return s.options.maxelem === undefined ? {} : { size: s.options.maxelem };
  const range = s.options.range;
  if (s.setType.method !== "bitmap" || range === undefined) return {};
  if (range.kind === "port-range") return { size: (range.to - range.from + 1) * 2 };
  const from = parseIP(range.from)?.value ?? 0n;
  const to = parseIP(range.to)?.value ?? 0n;
  const hostBits = 32n - BigInt(s.options.netmask ?? 32);
  return { size: Number((to >> hostBits) - (from >> hostBits)) + 1 };
}

/** The nft set of a set with members (not list:set), named `nftName`, or why it has none. */
function planOf(s: IpsetSet, nftName: string): IpsetPlan | string {
  const typeName = ipsetTypeName(s.setType);
  if (typeName === undefined) return `ipset ${s.name} has the unknown type ${s.setType.method}:${s.setType.dims.join(",")}`;
  const dims = keyDimensions(s);
  if (typeof dims === "string") return dims;
  const elements = setElements(s, dims);
  if (typeof elements === "string") return elements;
  return buildPlan(s, typeName, dims, elements, nftName);
}

function buildPlan(s: IpsetSet, typeName: keyof typeof ipsetTypes, dims: readonly KeyDimension[], all: readonly Element[], nftName: string, comment = `ipset ${s.name}`): IpsetPlan | string {
  const interval = s.setType.dims.includes("net") || all.some((e) => e.spans.some(isIntervalSpan));
  const elements = interval ? withoutOverlaps(s.name, all) : withoutDuplicates(all);
  if (typeof elements === "string") return elements;
  const timed = s.options.timeout !== undefined || all.some((e) => e.timeout !== undefined);
  const flags: NftSetFlag[] = [...(interval ? (["interval"] as const) : []), ...(timed ? (["timeout"] as const) : [])];
  const family = s.family ?? "ipv4";
  const permanent = s.options.timeout !== undefined ? s.members.find((m) => m.timeout === 0) : undefined;
  const set: NftSet = {
    kind: "set",
    name: nftName,
    type: nftTypes(dims, family),
    ...(flags.length === 0 ? {} : { flags }),
    ...(interval ? {} : sizeOf(s)),
    ...(elements.length === 0 ? {} : { elements: elements.map(elementExpr) }),
    ...(s.options.counters ? { counter: true } : {}),
    comment: setComment(comment),
  };
  return {
    family: s.family,
    dims,
    set,
    nomatchType: ipsetTypes[typeName].nomatch,
    counters: s.options.counters,
    ...(permanent === undefined ? {} : { permanentMember: memberText(permanent) }),
  };
}

/** The members of a list:set that can match a rule with this many FLAGS, as ip_set_test lets them. */
function contributingMembers(cx: RuleContext, list: IpsetSet, flagCount: number): string {
  return list.members
    .flatMap((m) => (m.parts[0]?.kind === "set" ? [m.parts[0].name] : []))
    .filter((n) => {
      const s = cx.ipsets?.(n);
      return s === undefined || ((s.family === undefined || s.family === cx.family) && s.setType.dims.length <= flagCount);
    })
    .join(", ");
}

/**
 * A list:set as one nft set: the union of its member sets' elements. ip_set_test tries the members in order
 * with the rule's FLAGS and matches on the first hit, so the union is exact when every member that can match
 * (same family, no more dimensions than FLAGS) has the same key. A member's elements leave with it, so their
 * timeouts are capped by the member's own timeout in the list.
 */
function planOfList(cx: RuleContext, list: IpsetSet, flagCount: number, nftName: string): IpsetPlan | string {
  const members: { readonly set: IpsetSet; readonly dims: readonly KeyDimension[]; readonly timeout: number | undefined }[] = [];
  for (const member of list.members) {
    const part = member.parts[0];
    if (part?.kind !== "set") continue;
    const s = cx.ipsets?.(part.name);
    if (s === undefined) return `ipset ${part.name} (a member of list:set ${list.name}) is not defined: pass its \`ipset save\` output with --ipset`;
    if (s.setType.method === "list") return `list:set ${list.name} contains the list:set ${s.name}`;
    // Members of the other family or with more dimensions than FLAGS never match (ip_set_test returns 0).
    if ((s.family !== undefined && s.family !== cx.family) || s.setType.dims.length > flagCount) continue;
    const dims = keyDimensions(s);
    if (typeof dims === "string") return dims;
    const seconds = list.options.timeout !== undefined ? (member.timeout ?? list.options.timeout) : 0;
    members.push({ set: s, dims, timeout: seconds === 0 ? undefined : seconds });
  }
  const listMembers = contributingMembers(cx, list, flagCount);
  const [first] = members;
  if (first === undefined) {
    // Nothing can match: no set is made (see ipsetPlan).
    return { family: cx.family, dims: [], set: { kind: "set", name: nftName, type: ["ipv4_addr"] }, nomatchType: false, counters: false, listMembers };
  }
  const shape = (m: (typeof members)[number]): string => JSON.stringify({ dims: m.dims, family: m.set.family ?? cx.family, net: m.set.setType.dims.includes("net") }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  const different = members.find((m) => shape(m) !== shape(first));
  if (different !== undefined) {
    return `list:set ${list.name} holds ${first.set.name} (${first.set.setType.method}:${first.set.setType.dims.join(",")}) and ${different.set.name} (${different.set.setType.method}:${different.set.setType.dims.join(",")}), which nft looks up with different keys; one rule can test only one`;
  }
  const elements: Element[] = [];
  for (const m of members) {
    const es = setElements(m.set, m.dims, m.timeout);
    if (typeof es === "string") return es;
    elements.push(...es);
  }
  const typeName = ipsetTypeName(first.set.setType);
  if (typeName === undefined) return `ipset ${first.set.name} has an unknown type`;
  const { maxelem: _maxelem, ...options } = first.set.options;
  // No size: the members' maxelem limits apply to them one by one, and rules cannot add to a list:set's copy.
  const union: IpsetSet = { ...first.set, name: list.name, options: { ...options, timeout: list.options.timeout ?? first.set.options.timeout, counters: false }, members: [] };
  const plan = buildPlan(union, typeName, first.dims, elements, nftName, `ipset list:set ${list.name} (${listMembers})`);
  return typeof plan === "string" ? plan : { ...plan, counters: members.some((m) => m.set.options.counters), listMembers };
}

/** The ipset NAME's nft set in this table (made at the first rule that needs it), or why it has none. */
function ipsetPlan(cx: RuleContext, name: string, flagCount: number, span: Span): IpsetPlan | Refusal {
  const s = cx.ipsets?.(name);
  if (s === undefined) return refuse(`ipset ${name} is not defined: pass its \`ipset save\` output with --ipset`, span);
  const key = `ipset ${name}`;
  const old = cx.objects.setUses.get(key);
  const use: IpsetUse = old?.kind === "ipset" ? old : { kind: "ipset" };
  if (typeof use.plan === "string") return refuse(use.plan, span);
  if (use.plan !== undefined) {
    const members = s.setType.method === "list" ? contributingMembers(cx, s, flagCount) : undefined;
    if (members !== undefined && members !== use.plan.listMembers) {
      return refuse(`list:set ${name} is tested here with FLAGS that let ${members === "" ? "no member" : members} match, and with FLAGS that let ${use.plan.listMembers === "" ? "no member" : (use.plan.listMembers ?? "")} match elsewhere; one nft set cannot stand for both`, span);
    }
    return use.plan;
  }
  const nftName = claimSetName(cx, name);
  let plan: IpsetPlan | string;
  if (s.setType.method === "list") {
    plan = planOfList(cx, s, flagCount, nftName);
    if (typeof plan !== "string") {
      const line = cx.rule.span.start.line;
      for (const member of s.members) {
        const part = member.parts[0];
        if (part?.kind !== "set") continue;
        const memberKey = `ipset ${part.name}`;
        const mu = cx.objects.setUses.get(memberKey);
        const memberUse: IpsetUse = mu?.kind === "ipset" ? mu : { kind: "ipset" };
        if (memberUse.changedLine !== undefined) {
          plan = `list:set ${name} copies the members of ${part.name}, which -j SET changes on line ${memberUse.changedLine}; the copy in nft would not see the change`;
          break;
        }
        cx.objects.setUses.set(memberKey, { ...memberUse, copiedInto: memberUse.copiedInto ?? { list: name, line } });
      }
    }
  } else {
    plan = planOf(s, nftName);
  }
  if (typeof plan === "string") {
    cx.objects.setUses.set(key, { ...use, plan });
    return refuse(plan, span);
  }
  cx.objects.setUses.set(key, { ...use, plan, set: nftName });
  if (plan.dims.length > 0) cx.objects.addSet(plan.set);
  return plan;
}

/**
 * True when ip_set_test (and ip_set_add/ip_set_del) can never find the packet in the set: it holds the other
 * family, or FLAGS has fewer entries than the set has dimensions. A list:set decides this per member.
 */
function neverMatches(s: IpsetSet, family: Family, flagCount: number): boolean {
  if (s.setType.method === "list") return false;
  return (s.family !== undefined && s.family !== family) || flagCount < s.setType.dims.length;
}

/** The packet's key for a set: one part per dimension (two for ports), picked by FLAGS. */
function keyExpr(plan: IpsetPlan, flags: readonly SetFlag[], family: Family): NftExpr {
  const parts = plan.dims.flatMap((d, i): NftExpr[] => {
    const src = flags[i] === "src";
    switch (d.kind) {
      case "address": {
        const field = addressField(family, src ? "saddr" : "daddr");
        return [d.mask === undefined ? field : binop("&", field, sym(formatIP(family, d.mask)))];
      }
      case "port":
        return [meta("l4proto"), payload("th", src ? "sport" : "dport")];
      case "iface":
        return [meta(src ? "iifname" : "oifname")];
      case "mark":
        return [d.mask === 0xffffffff ? meta("mark") : binop("&", meta("mark"), num(d.mask, "hex"))];
      default:
        return assertNever(d);
    }
  });
  const [first] = parts;
  return parts.length === 1 && first !== undefined ? first : { kind: "concat", exprs: parts };
}

function readsTransportHeader(plan: IpsetPlan): boolean {
  return plan.dims.some((d) => d.kind === "port");
}

function refuseIfShared(cx: RuleContext, name: string, span: Span): Refusal | undefined {
  if (cx.ruleset === undefined) return undefined;
  const shared = sharedObjects(cx.ruleset);
  if (!shared.changed.has(name)) return undefined;
  const tables = new Set(shared.ipsets.get(name));
  // A list:set named elsewhere reads this set too.
  for (const [other, ts] of shared.ipsets) {
    const s = cx.ipsets?.(other);
    if (s?.setType.method === "list" && s.members.some((m) => m.parts[0]?.kind === "set" && m.parts[0].name === name)) for (const t of ts) tables.add(t);
  }
  if (tables.size < 2) return undefined;
  return refuse(`ipset ${name} is changed by -j SET and used in tables ${[...tables].join(", ")}: the kernel has one set for all of them, nft sets belong to one table`, span);
}

// ---------------------------------------------------------------------------------------------------------------
// -m set
// ---------------------------------------------------------------------------------------------------------------

/**
 * `-m set [!] --match-set NAME FLAGS`: a lookup of the packet's key in the ipset's nft set (`ip saddr @S`,
 * `ip daddr . meta l4proto . th dport @S`). The element counter options test the element's counters only in
 * sets created with `counters` (ip_set_match_extensions), which nft cannot compare in a lookup; on other sets
 * they are ignored, as the kernel ignores them. `--update-counters` and `--update-subcounters` only change the
 * counters' bookkeeping.
 */
export function translateSetMatch(m: SetMatch, cx: RuleContext): Translation {
  if (m.matchSet === undefined) return refuse("-m set needs --match-set", m.span);
  const [name, flags] = m.matchSet.value;
  const negated = m.matchSet.negated;
  const s = cx.ipsets?.(name);
  if (s === undefined) return refuse(`ipset ${name} is not defined: pass its \`ipset save\` output with --ipset`, m.matchSet.span);
  if (neverMatches(s, cx.family, flags.length)) return negated ? ok() : ok(neverMatch(cx.family));
  const shared = refuseIfShared(cx, name, m.matchSet.span);
  if (shared !== undefined) return shared;
  const plan = ipsetPlan(cx, name, flags.length, m.matchSet.span);
  if ("refused" in plan) return plan;
  if (plan.dims.length === 0) return negated ? ok() : ok(neverMatch(cx.family));
  const counterTest = m.packetsEq ?? m.packetsLt ?? m.packetsGt ?? m.bytesEq ?? m.bytesLt ?? m.bytesGt;
  if (counterTest !== undefined && plan.counters) {
    return refuse(`the --packets-*/--bytes-* options compare the counters of the matching element of ipset ${name}; an nft set lookup cannot compare an element's counters`, counterTest.span);
  }
  if (m.returnNomatch !== undefined && plan.nomatchType) {
    // ip_set_test negates the result: plain hits become misses, and the set has no nomatch entries.
    return negated ? ok() : ok(neverMatch(cx.family));
  }
  if (negated && readsTransportHeader(plan) && !(cx.family === "ipv4" && cx.rule.fragment?.negated === true)) {
    return refuse(
      `! --match-set ${name} also matches non-first fragments, where ipset finds no port and so no element; nft's \`th\` port cannot be read there and stops the rule instead${cx.family === "ipv4" ? " (add ! -f to the rule to exclude fragments)" : ""}`,
      m.matchSet.span,
    );
  }
  return ok(match(keyExpr(plan, flags, cx.family), setRef(plan.set.name), eq(negated)));
}

// ---------------------------------------------------------------------------------------------------------------
// -j SET
// ---------------------------------------------------------------------------------------------------------------

/** IPSET_MAX_TIMEOUT: set_target_v2 caps `--timeout` here. */
const maxIpsetTimeout = 2147483;

/**
 * `-j SET --add-set NAME FLAGS` → `add @S { KEY [timeout Ns] }` (`update` with `--exist` in a set with timeouts,
 * which refreshes the timeout as ipset's `--exist` does); `--del-set` → `delete @S { KEY }`. A change whose key
 * reads the transport header, or that needs a guard (a bitmap's range), goes in a helper chain, so the rule's
 * counter still counts every packet that reaches the target, as iptables' does.
 */
export function translateSetTarget(t: SetTarget, cx: RuleContext): Translation {
  if (t.mapSet !== undefined) {
    return refuse(
      "-j SET --map-set copies the matching element's skbinfo to the packet: the mark as (mark & ~mask) ^ value with a mask per element, the priority and the queue mapping; nft maps carry one value per key and nft cannot set the queue mapping",
      t.mapSet.span,
    );
  }
  const stmts: NftStatement[] = [];
  for (const [op, o] of [["add", t.addSet], ["delete", t.delSet]] as const) {
    if (o === undefined) continue;
    const s = setChange(cx, op, o.value[0], o.value[1], o.span, t);
    if (isRefusal(s)) return s;
    stmts.push(...s.stmts);
  }
  return ok(...stmts);
}

function setChange(cx: RuleContext, op: "add" | "delete", name: string, flags: readonly SetFlag[], span: Span, t: SetTarget): Translation {
  const s = cx.ipsets?.(name);
  if (s === undefined) return refuse(`ipset ${name} is not defined: pass its \`ipset save\` output with --ipset`, span);
  // ip_set_add/ip_set_del do nothing for another family or too few FLAGS.
  if (neverMatches(s, cx.family, flags.length)) return ok();
  if (s.setType.method === "list") {
    return refuse(`-j SET on list:set ${name} adds to or deletes from the first member set that takes the element; one nft set statement cannot choose among sets`, span);
  }
  if (s.setType.dims.includes("net")) {
    return refuse(
      `-j SET on ${s.setType.method}:${s.setType.dims.join(",")} set ${name} stores the packet's address with the prefix length of the set's most specific network at that moment; nft cannot read that from the set (and cannot add to interval sets from rules)`,
      span,
    );
  }
  const shared = refuseIfShared(cx, name, span);
  if (shared !== undefined) return shared;
  const plan = ipsetPlan(cx, name, flags.length, span);
  if ("refused" in plan) return plan;
  if (plan.set.flags?.includes("interval") === true) {
    return refuse(`ipset ${name} has ranges or wildcards, so its nft set is an interval set, which nft cannot add to or delete from in a rule`, span);
  }
  const bitmapPort = s.setType.method === "bitmap" && s.setType.dims[0] === "port";
  if (readsTransportHeader(plan)) {
    const allowed = bitmapPort ? [6, 17] : [6, 17, 132, 136];
    if (cx.protocol === undefined || !allowed.includes(cx.protocol)) {
      return refuse(
        bitmapPort
          ? `-j SET on bitmap:port set ${name} takes the port of TCP and UDP packets only; give the rule -p tcp or -p udp so nft reads the port of those alone`
          : `-j SET on ${s.setType.method}:${s.setType.dims.join(",")} set ${name} stores ICMP type/code or port 0 for packets without ports, which nft's \`th\` ports cannot produce; give the rule -p tcp, udp, sctp or udplite`,
        span,
      );
    }
  }

  const line = cx.rule.span.start.line;
  const useKey = `ipset ${name}`;
  const before = cx.objects.setUses.get(useKey);
  let use: IpsetUse = before?.kind === "ipset" ? before : { kind: "ipset" };
  if (use.copiedInto !== undefined) {
    return refuse(`ipset ${name} is a member of list:set ${use.copiedInto.list}, whose nft set (line ${use.copiedInto.line}) holds a copy of its members that would not see this change`, span);
  }
  const timed = s.options.timeout !== undefined;
  let timeout: number | undefined;
  let stmtOp: NftSetStatement["op"] = op;
  if (op === "add" && timed) {
    const seconds = Math.min(t.timeout?.value ?? s.options.timeout, maxIpsetTimeout);
    timeout = seconds === 0 ? undefined : seconds;
    if (t.exist !== undefined) {
      if (timeout === undefined) {
        return refuse(`--exist --timeout 0 makes an existing member of ${name} permanent; nft's update statement cannot take an element's expiry away`, t.exist.span);
      }
      const permanent = plan.permanentMember ?? (use.permanentAddLine === undefined ? undefined : `added by line ${use.permanentAddLine}`);
      if (permanent !== undefined) {
        return refuse(`--exist would give the permanent member of ${name} (${permanent}) a timeout; nft's update statement leaves permanent elements permanent`, t.exist.span);
      }
      stmtOp = "update";
      use = { ...use, refreshLine: use.refreshLine ?? line };
    } else if (timeout === undefined) {
      if (use.refreshLine !== undefined) {
        return refuse(`this rule adds permanent members to ${name}, which --exist on line ${use.refreshLine} would give a timeout; nft's update statement leaves permanent elements permanent`, span);
      }
      use = { ...use, permanentAddLine: use.permanentAddLine ?? line };
    }
  }
  use = { ...use, changedLine: use.changedLine ?? line };

  const key = keyExpr(plan, flags, cx.family);
  const change = setStatement(stmtOp, plan.set.name, key, timeout);
  const guards: NftStatement[] = [];
  if (op === "add" && s.setType.method === "bitmap" && s.options.range !== undefined) {
    // A bitmap refuses members outside its range (IPSET_ERR_BITMAP_RANGE); the range applies before the netmask.
    const range = s.options.range;
    if (range.kind === "ip-range") {
      const field = addressField(cx.family, flags[0] === "src" ? "saddr" : "daddr");
      guards.push(match(field, range.from === range.to ? sym(range.from) : { kind: "range", low: sym(range.from), high: sym(range.to) }));
    } else {
      guards.push(match(payload("th", flags[0] === "src" ? "sport" : "dport"), rangeExpr({ from: range.from, to: range.to })));
    }
  }
  if (guards.length === 0 && !readsTransportHeader(plan)) {
    cx.objects.setUses.set(useKey, use);
    return ok(change);
  }
  const body = [...guards, change];
  const signature = JSON.stringify(body);
  const helpers = new Map(use.helpers);
  let chain = helpers.get(signature);
  if (chain === undefined) {
    chain = cx.freshChainName(`SET-${op}-${plan.set.name}`);
    helpers.set(signature, chain);
    const helper: NftChain = { kind: "chain", name: chain, rules: [{ kind: "rule", exprs: body }], comment: setComment(`-j SET --${op === "add" ? "add" : "del"}-set ${name} ${flags.join(",")}`) };
    cx.objects.addChain(helper);
  }
  cx.objects.setUses.set(useKey, { ...use, helpers });
  return ok({ kind: "jump", target: chain });
}

// ---------------------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------------------

/** The match translators this file provides. */
export const setMatchTranslators = {
  recent: translateRecent,
  set: translateSetMatch,
} satisfies Partial<ByKind<KnownMatch>>;

/** The target translators this file provides. */
export const setTargetTranslators = {
  SET: translateSetTarget,
} satisfies Partial<ByKind<KnownTarget>>;

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}
