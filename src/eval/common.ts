/**
 * What the iptables and the nft evaluator share: exact rationals, address and interface matching, the
 * evaluation state that lives between packets, the outcome of one packet, and the conntrack NAT rules
 * that do not depend on the rule language. Both evaluators import this module; its API only grows.
 * @module
 */
import { formatIP, parseIP } from "../ast/index.js";
import type { Clock, Conntrack, CtTuple, Hook, HostInterface, HostModel, HostRoute, Packet, PacketFamily, PacketPath, Rational } from "./packet.js";
import { hooksOf } from "./packet.js";

export { hooksOf };
export type { Clock, Hook, HostInterface, HostModel, HostRoute, PacketPath, Rational };

// ---------------------------------------------------------------- rationals

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** The rational `num / den` in lowest terms with a positive denominator. Throws on a zero denominator (a programmer error). */
export function rational(num: bigint, den = 1n): Rational {
  if (den === 0n) throw new Error("rational with a zero denominator");
  const sign = den < 0n ? -1n : 1n;
  const g = gcd(num, den);
  const d = g === 0n ? 1n : g;
  return { num: (sign * num) / d, den: (sign * den) / d };
}

/** 0. */
export const ratZero: Rational = { num: 0n, den: 1n };
/** 1. */
export const ratOne: Rational = { num: 1n, den: 1n };

/** a + b. */
export function ratAdd(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

/** a - b. */
export function ratSub(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den - b.num * a.den, a.den * b.den);
}

/** a × b. */
export function ratMul(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

/** Whether a = b (both in lowest terms or not). */
export function ratEquals(a: Rational, b: Rational): boolean {
  return a.num * b.den === b.num * a.den;
}

/** Negative, zero or positive as a is below, equal to or above b. */
export function ratCompare(a: Rational, b: Rational): number {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** `num/den` in lowest terms, `num` alone for integers. */
export function formatRational(r: Rational): string {
  const n = rational(r.num, r.den);
  return n.den === 1n ? n.num.toString() : `${n.num}/${n.den}`;
}

// ---------------------------------------------------------------- addresses and interfaces

/** An address as an integer with its family, or undefined for text that is no address. */
export function addressValue(text: string): { readonly family: PacketFamily; readonly value: bigint } | undefined {
  return parseIP(text);
}

function bitsOf(family: PacketFamily): number {
  return family === "ipv4" ? 32 : 128;
}

function lengthMask(family: PacketFamily, length: number): bigint {
  const bits = BigInt(bitsOf(family));
  const all = (1n << bits) - 1n;
  return length <= 0 ? 0n : ((all << (bits - BigInt(length))) & all);
}

/** Whether `address` lies in `network/length`. Addresses of different families never match. */
export function addressInPrefix(address: string, network: string, length: number): boolean {
  const a = parseIP(address);
  const n = parseIP(network);
  if (a === undefined || n === undefined || a.family !== n.family) return false;
  const m = lengthMask(a.family, length);
  return (a.value & m) === (n.value & m);
}

/** Whether `address & mask == network & mask` (a non-contiguous netmask, as `-s 10.0.12.0/255.0.255.0`). */
export function addressMatchesMask(address: string, network: string, mask: string): boolean {
  const a = parseIP(address);
  const n = parseIP(network);
  const m = parseIP(mask);
  if (a === undefined || n === undefined || m === undefined || a.family !== n.family || m.family !== a.family) return false;
  return (a.value & m.value) === (n.value & m.value);
}

/** Whether `from <= address <= to` (inclusive; different families never match). */
export function addressInRange(address: string, from: string, to: string): boolean {
  const a = parseIP(address);
  const f = parseIP(from);
  const t = parseIP(to);
  if (a === undefined || f === undefined || t === undefined || a.family !== f.family || a.family !== t.family) return false;
  return f.value <= a.value && a.value <= t.value;
}

/** `address` with all but its first `length` bits cleared, as canonical text. */
export function maskAddress(address: string, length: number): string {
  const a = parseIP(address);
  if (a === undefined) return address;
  return formatAddress(a.family, a.value & lengthMask(a.family, length));
}

/** `address & mask` as canonical text (`mask` an address of the same family). */
export function maskAddressWith(address: string, mask: string): string {
  const a = parseIP(address);
  const m = parseIP(mask);
  if (a === undefined || m?.family !== a.family) return address;
  return formatAddress(a.family, a.value & m.value);
}

/** The address `value` as canonical text (dotted quad, RFC 5952). */
export function formatAddress(family: PacketFamily, value: bigint): string {
  return formatIP(family, value);
}

/** The canonical text of an address (`10.000.0.1` is not accepted; `FE80::1` becomes `fe80::1`). */
export function canonicalAddress(text: string): string {
  const a = parseIP(text);
  return a === undefined ? text : formatAddress(a.family, a.value);
}

/**
 * Whether an interface name matches `name` (exactly, or as a prefix when `wildcard`, as `eth+`). A packet
 * without that interface is given the empty name, as ip_tables compares the kernel's `nulldevname`: so
 * `-i +` matches on the output path and `! -i eth0` matches there too. (nft's `iifname` does not match at
 * all when there is no input device; the nft evaluator handles that before calling this.)
 */
export function interfaceMatches(actual: string | undefined, name: string, wildcard: boolean): boolean {
  const a = actual ?? "";
  return wildcard ? a.startsWith(name) : a === name;
}

// ---------------------------------------------------------------- the host model

/**
 * An address of the host model as written (`10.0.0.1` or `10.0.0.1/24`): the address in canonical text,
 * its value, and the prefix length when one is given. Undefined for text that is no address.
 */
function hostAddress(text: string): { readonly address: string; readonly family: PacketFamily; readonly value: bigint; readonly length?: number } | undefined {
  const [addr = text, len] = text.split("/");
  const a = parseIP(addr);
  if (a === undefined) return undefined;
  const length = len === undefined ? undefined : Number(len);
  return { address: formatAddress(a.family, a.value), family: a.family, value: a.value, ...(length === undefined || !Number.isInteger(length) ? {} : { length }) };
}

/** The interface of the host model called `name`, if it has one. */
export function hostInterface(host: HostModel, name: string | undefined): HostInterface | undefined {
  return name === undefined ? undefined : host.interfaces.find((i) => i.name === name);
}

/** An interface's own addresses (without prefix lengths, canonical), of `family` when given, in their order. */
export function interfaceAddresses(iface: HostInterface | undefined, family?: PacketFamily): readonly string[] {
  const out: string[] = [];
  for (const text of iface?.addresses ?? []) {
    const a = hostAddress(text);
    if (a !== undefined && (family === undefined || a.family === family)) out.push(a.address);
  }
  return out;
}

/** Whether `name` is the loopback interface (IFF_LOOPBACK): the model's `lo`. */
export function isLoopbackInterface(name: string | undefined): boolean {
  return name === "lo";
}

/** Whether `address` is a loopback address: 127.0.0.0/8 or ::1, always local on `lo`. */
export function isLoopbackAddress(address: string): boolean {
  const a = parseIP(address);
  if (a === undefined) return false;
  return a.family === "ipv4" ? addressInPrefix(address, "127.0.0.0", 8) : a.value === 1n;
}

/** The device group of interface `name`: 0 (the kernel's default group) for an interface the host model does not list. */
export function deviceGroup(host: HostModel, name: string): number {
  return hostInterface(host, name)?.group ?? 0;
}

function sameAddress(a: string, b: string): boolean {
  const x = parseIP(a);
  const y = parseIP(b);
  return x !== undefined && y !== undefined && x.family === y.family && x.value === y.value;
}

/**
 * Whether `address` is one of the host's own: a loopback address, one `localAddresses` lists or one an
 * interface has. With `dev`, whether it is local *on that interface* (the local table's route for it goes
 * through `dev`; loopback addresses are on `lo`, and addresses only `localAddresses` lists on none). The one
 * answer both evaluators use, for `-m addrtype` and `fib ... type` alike.
 */
export function isLocalAddress(host: HostModel, address: string, dev?: string): boolean {
  if (isLoopbackAddress(address)) return dev === undefined || isLoopbackInterface(dev);
  if (dev !== undefined) return interfaceAddresses(hostInterface(host, dev)).some((a) => sameAddress(a, address));
  return host.localAddresses.some((a) => sameAddress(a, address)) || host.interfaces.some((i) => interfaceAddresses(i).some((a) => sameAddress(a, address)));
}

/**
 * The interfaces that own `address` as a local address (`lo` for loopback addresses); empty when no
 * interface has it (an address only `localAddresses` lists).
 */
export function localAddressInterfaces(host: HostModel, address: string): readonly string[] {
  if (isLoopbackAddress(address)) return ["lo"];
  return host.interfaces.filter((i) => interfaceAddresses(i).some((a) => sameAddress(a, address))).map((i) => i.name);
}

/** The broadcast addresses on an interface: those it lists, and the last address of each of its IPv4 prefixes up to /30 (fib_add_ifaddr). */
function interfaceBroadcasts(iface: HostInterface): readonly string[] {
  const out = [...(iface.broadcastAddresses ?? [])];
  for (const text of iface.addresses) {
    const a = hostAddress(text);
    if (a?.family !== "ipv4" || a.length === undefined || a.length >= 31) continue;
    const host = (1n << BigInt(32 - a.length)) - 1n;
    out.push(formatAddress("ipv4", a.value | host));
  }
  return out;
}

/**
 * Whether `address` is an IPv4 broadcast address of the host (`broadcastAddresses`, or one on an
 * interface); with `dev`, whether it is one on that interface (the local table's broadcast route goes
 * through it: listed in its `broadcastAddresses` or derived from its prefixes).
 */
export function isBroadcastAddress(host: HostModel, address: string, dev?: string): boolean {
  if (dev !== undefined) {
    const iface = hostInterface(host, dev);
    return iface !== undefined && interfaceBroadcasts(iface).some((b) => sameAddress(b, address));
  }
  return host.broadcastAddresses.some((b) => sameAddress(b, address)) || host.interfaces.some((i) => interfaceBroadcasts(i).some((b) => sameAddress(b, address)));
}

/**
 * The IPv4 address type as `inet_dev_addr_type(net, dev, addr)` gives it on the host model (what
 * xt_addrtype and nft's `fib ... type` read): 0.0.0.0/8 and 255.255.255.255 broadcast, 224.0.0.0/4
 * multicast, then the local table: local and broadcast addresses (on `dev` when given: an address on
 * another interface reads as unicast), everything else unicast.
 */
export function ipv4AddressType(host: HostModel, address: string, dev?: string): "UNICAST" | "LOCAL" | "BROADCAST" | "MULTICAST" {
  if (addressInPrefix(address, "0.0.0.0", 8) || address === "255.255.255.255") return "BROADCAST";
  if (addressInPrefix(address, "224.0.0.0", 4)) return "MULTICAST";
  if (isLocalAddress(host, address)) return dev === undefined || isLocalAddress(host, address, dev) ? "LOCAL" : "UNICAST";
  if (isBroadcastAddress(host, address)) return dev === undefined || isBroadcastAddress(host, address, dev) ? "BROADCAST" : "UNICAST";
  return "UNICAST";
}

/**
 * What a route lookup on the host model finds: the route's type and the interfaces of its next hops.
 * `local` and `broadcast` come from the local table (on the interfaces that own the address).
 */
export interface RouteLookupResult {
  readonly type: "unicast" | "local" | "broadcast" | "multicast" | "blackhole" | "unreachable" | "prohibit";
  readonly nexthops: readonly string[];
}

/** The flow a route lookup is for: its mark, and for IPv6 the interface the lookup names (link-local destinations are on it). */
export interface RouteFlow {
  readonly mark: number;
  readonly dev?: string;
}

/** The routes of the main table: the given ones (or a default route per family), then the connected routes of the interfaces' prefixes. */
function mainRoutes(host: HostModel): readonly HostRoute[] {
  const connected: HostRoute[] = [];
  for (const i of host.interfaces) {
    for (const text of i.addresses) {
      const a = hostAddress(text);
      if (a?.length === undefined) continue;
      // The loopback prefix (127.0.0.0/8 on lo) is a local route, found before the main table.
      if (isLoopbackInterface(i.name)) continue;
      connected.push({ destination: `${maskAddress(a.address, a.length)}/${a.length}`, nexthops: [i.name] });
    }
  }
  if (host.routes !== undefined) return [...host.routes, ...connected];
  const defaults: HostRoute[] = [];
  for (const family of ["ipv4", "ipv6"] as const) {
    const first = host.interfaces.find((i) => !isLoopbackInterface(i.name) && interfaceAddresses(i, family).length > 0);
    if (first !== undefined) defaults.push({ destination: family === "ipv4" ? "0.0.0.0/0" : "::/0", nexthops: [first.name] });
  }
  return [...connected, ...defaults];
}

/** The longest-prefix route for `address` among `routes` (the first listed among equal prefixes). */
function longestPrefix(routes: readonly HostRoute[], address: string): HostRoute | undefined {
  let best: HostRoute | undefined;
  let bestLength = -1;
  for (const r of routes) {
    const d = hostAddress(r.destination);
    if (d === undefined) continue;
    const length = d.length ?? (d.family === "ipv4" ? 32 : 128);
    if (length > bestLength && addressInPrefix(address, d.address, length)) {
      best = r;
      bestLength = length;
    }
  }
  return best;
}

/**
 * A route lookup for destination `address` on the host model, as fib_lookup (IPv4) and ip6_route_lookup
 * (IPv6) do it: the local table first (loopback and local addresses are `local`, IPv4 broadcast addresses
 * `broadcast`), IPv6 link-local and multicast destinations on the interface the flow names (else the first
 * non-loopback interface), then the routes with the flow's mark, then the main table. Undefined when no
 * route matches (the kernel's ENETUNREACH).
 */
export function lookupRoute(host: HostModel, address: string, flow: RouteFlow): RouteLookupResult | undefined {
  const a = parseIP(address);
  if (a === undefined) return undefined;
  if (isLocalAddress(host, address)) return { type: "local", nexthops: localAddressInterfaces(host, address) };
  if (a.family === "ipv4" && isBroadcastAddress(host, address)) return { type: "broadcast", nexthops: host.interfaces.filter((i) => isBroadcastAddress(host, address, i.name)).map((i) => i.name) };
  if (a.family === "ipv6" && (addressInPrefix(address, "fe80::", 10) || addressInPrefix(address, "ff00::", 8))) {
    const dev = flow.dev ?? host.interfaces.find((i) => !isLoopbackInterface(i.name))?.name;
    return dev === undefined ? undefined : { type: addressInPrefix(address, "ff00::", 8) ? "multicast" : "unicast", nexthops: [dev] };
  }
  const marked = (host.routes ?? []).filter((r) => r.mark !== undefined && r.mark >>> 0 === flow.mark >>> 0);
  const route = longestPrefix(marked, address) ?? longestPrefix(mainRoutes(host).filter((r) => r.mark === undefined), address);
  if (route === undefined) return undefined;
  return { type: route.type ?? "unicast", nexthops: route.nexthops };
}

// ---------------------------------------------------------------- marks

/** `(value & mask) == wanted`, on unsigned 32-bit numbers. */
export function markMatches(value: number, wanted: number, mask: number): boolean {
  return (value & mask) >>> 0 === wanted >>> 0;
}

/** `(old & ~mask) ^ value`: MARK --set-xmark and CONNMARK --set-xmark, unsigned 32-bit. */
export function xmark(old: number, value: number, mask: number): number {
  return ((old & ~mask) ^ value) >>> 0;
}

// ---------------------------------------------------------------- environment

/** What surrounds one evaluation: the host the packet meets and the time it arrives at. */
export interface EvalEnvironment {
  readonly host: HostModel;
  readonly clock: Clock;
}

// ---------------------------------------------------------------- state

/** Packet and byte counts of one rule or chain. */
export interface RuleCounter {
  readonly packets: bigint;
  readonly bytes: bigint;
}

/**
 * A token bucket (limit, hashlimit, nft limit). Each evaluator keeps the units of its kernel module
 * (xt_limit's credits, nft_limit's nanoseconds of tokens); `last` is the clock time of the last refill.
 */
export interface LimitBucket {
  readonly credit: bigint;
  readonly last: number;
}

/** One address on a recent list: when it was seen (oldest first, at most the kernel's pkt count) and its TTL. */
export interface RecentEntry {
  readonly stamps: readonly number[];
  readonly ttl: number;
}

/**
 * A dynamic change to a set made by packets (`-j SET`, `-m recent`-like nft `add @set`, `update @set`):
 * the element is present (until `expires`, clock seconds, when the set has timeouts) or removed. Static
 * contents stay with each evaluator's own data (ipset save, nft set elements); this overlay is checked first.
 */
export interface SetOverlayEntry {
  readonly present: boolean;
  readonly expires?: number;
}

/**
 * Everything that lives between packets. Never mutated: evaluation returns a new value.
 *
 * @example
 * ```ts
 * // Run packets in sequence, each seeing the state the one before left (limit, recent, nth, counters).
 * const run = (ruleset: Ruleset, packets: readonly Packet[]): EvalState =>
 *   packets.reduce<EvalState>((state, packet) => {
 *     const r = evaluateIptables(ruleset, packet, state, { host: defaultEquivalenceHost, clock: { now: 0 } });
 *     return r.kind === "outcomes" && r.outcomes.length === 1 && r.outcomes[0] ? r.outcomes[0].outcome.state : state;
 *   }, emptyState);
 * ```
 */
export interface EvalState {
  /** Per rule (key chosen by the evaluator, such as `filter/INPUT/3`). */
  readonly counters: ReadonlyMap<string, RuleCounter>;
  /** Connection mark by connection (zone and original tuple); overrides the packet's `ct.mark` once a rule set it. */
  readonly ctMarks: ReadonlyMap<string, number>;
  /** statistic --mode nth / numgen inc counters, per rule. */
  readonly nth: ReadonlyMap<string, number>;
  /** Token buckets, per rule (limit) or per rule and group (hashlimit). */
  readonly limits: ReadonlyMap<string, LimitBucket>;
  /** Bytes counted so far, per quota rule. */
  readonly quotas: ReadonlyMap<string, bigint>;
  /** recent lists: list name → address → entry. */
  readonly recent: ReadonlyMap<string, ReadonlyMap<string, RecentEntry>>;
  /** Set changes made by packets: set name → element key (its parts joined by `,`) → entry. */
  readonly sets: ReadonlyMap<string, ReadonlyMap<string, SetOverlayEntry>>;
}

/**
 * The state before any packet.
 *
 * @example
 * ```ts
 * const { value: ruleset } = parseRuleset(text);
 * const first = (packet: Packet): EvalResult | undefined =>
 *   ruleset && evaluateIptables(ruleset, packet, emptyState, { host: defaultEquivalenceHost, clock: { now: 0 } });
 * ```
 */
export const emptyState: EvalState = {
  counters: new Map(),
  ctMarks: new Map(),
  nth: new Map(),
  limits: new Map(),
  quotas: new Map(),
  recent: new Map(),
  sets: new Map(),
};

/** A copy of `map` with `key` set to `value`. */
export function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}

/** Adds one packet of `bytes` to the counter under `key`. */
export function countPacket(state: EvalState, key: string, bytes: number): EvalState {
  const old = state.counters.get(key) ?? { packets: 0n, bytes: 0n };
  return { ...state, counters: withEntry(state.counters, key, { packets: old.packets + 1n, bytes: old.bytes + BigInt(bytes) }) };
}

/** The key of a set element: its parts (addresses canonical, ports and numbers decimal) joined by `,`. */
export function elementKey(parts: readonly (string | number)[]): string {
  return parts.map((p) => (typeof p === "number" ? String(p) : canonicalAddress(p))).join(",");
}

/** Identifies a connection across packets: zone and original tuple. */
export function connectionKey(ct: Conntrack): string {
  const t = ct.original;
  return `${ct.zone}|${t.l4proto}|${t.saddr}|${t.sport ?? ""}|${t.daddr}|${t.dport ?? ""}`;
}

/**
 * nf_conncount's list after this packet: a connection conntrack has not confirmed yet is added once, a
 * confirmed one is not added again (-EEXIST), and a packet without a connection counts by its own tuple.
 * Returns `list` itself when nothing is added. Shared by xt_connlimit and nft's `ct count`.
 */
export function conncountAdd(list: ReadonlyMap<string, SetOverlayEntry> | undefined, ct: Conntrack | undefined, packet: Packet): ReadonlyMap<string, SetOverlayEntry> {
  const known = list ?? new Map<string, SetOverlayEntry>();
  if (ct !== undefined && ct.status.confirmed) return known;
  const id = ct !== undefined ? connectionKey(ct) : `0|${packet.l4proto}|${packet.saddr}|${packet.sport ?? ""}|${packet.daddr}|${packet.dport ?? ""}`;
  return known.has(id) ? known : new Map(known).set(id, { present: true });
}

/** The packet's connection mark as the rules see it: a mark set by an earlier packet wins over the packet's own. */
export function ctMarkOf(state: EvalState, packet: Packet): number | undefined {
  if (packet.ct === undefined) return undefined;
  return state.ctMarks.get(connectionKey(packet.ct)) ?? packet.ct.mark;
}

// ---------------------------------------------------------------- outcome

/**
 * How a packet is rejected: a TCP reset, or an ICMP error of the packet's family with its type and code
 * (IPv4 destination unreachable is type 3, IPv6 type 1), as both REJECT and nft `reject` send them.
 */
export type RejectWith = { readonly kind: "tcp-reset" } | { readonly kind: "icmp"; readonly type: number; readonly code: number };

/**
 * The final fate of a packet.
 *
 * @example
 * ```ts
 * const describe = (v: PacketVerdict): string =>
 *   v.kind === "reject" ? `reject with ${v.with.kind}` : v.kind === "queue" ? `queue ${String(v.num)}` : v.kind;
 * ```
 */
export type Verdict =
  | { readonly kind: "accept" }
  | { readonly kind: "drop" }
  | { readonly kind: "reject"; readonly with: RejectWith }
  | { readonly kind: "queue"; readonly num: number; readonly bypass: boolean };

/** A side effect of evaluating a packet, in the order it happened. */
export type Effect =
  | { readonly kind: "log"; readonly hook: Hook; readonly prefix: string; readonly level?: number; readonly group?: number }
  | { readonly kind: "set-update"; readonly set: string; readonly op: "add" | "del"; readonly element: string }
  | { readonly kind: "recent-update"; readonly list: string; readonly op: "set" | "update" | "remove"; readonly address: string }
  | { readonly kind: "nat"; readonly hook: Hook; readonly manip: "src" | "dst"; readonly address: string; readonly port?: number }
  | { readonly kind: "notrack"; readonly hook: Hook }
  /**
   * An AUDIT_NETFILTER_PKT record in the audit log: iptables' `-j AUDIT` and nft's `log level audit` both
   * write it (nf_log_audit / xt_AUDIT's audit_tg; neither records a prefix or, since Linux 4.12, a type).
   */
  | { readonly kind: "audit"; readonly hook: Hook };

/** One rule that matched (or a policy that applied), in the evaluator's own names. */
export interface TraceStep {
  readonly hook: Hook;
  readonly table: string;
  readonly chain: string;
  /** 0-based position of the rule in its chain; `"policy"` when the chain's policy decided. */
  readonly rule: number | "policy";
}

/**
 * The result of one packet on one branch of chance.
 *
 * @example
 * ```ts
 * const show = (o: Outcome): string =>
 *   `${o.verdict.kind} ${o.packet.daddr}:${String(o.packet.dport)} via ${o.trace.map((t) => `${t.table}/${t.chain}`).join(" ")}`;
 * ```
 */
export interface Outcome {
  readonly verdict: Verdict;
  /** The packet after mangling and NAT (addresses, ports, mark, ct mark, dscp, ttl). */
  readonly packet: Packet;
  readonly effects: readonly Effect[];
  readonly trace: readonly TraceStep[];
  readonly state: EvalState;
}

/**
 * An outcome and its exact probability; the probabilities of one evaluation sum to 1.
 *
 * @example
 * ```ts
 * // A rule with -m statistic --mode random gives more than one outcome; p is exact (num / den).
 * const certain = (w: WeightedOutcome): boolean => w.p.num === w.p.den;
 * ```
 */
export interface WeightedOutcome {
  readonly p: Rational;
  readonly outcome: Outcome;
}

/** A construct the evaluator does not model, so no outcome can be claimed for it. */
export interface Unsupported {
  readonly kind: "unsupported";
  /** What is missing, as `match statistic --mode nth` or `target TPROXY`. */
  readonly feature: string;
  readonly message: string;
}

/**
 * What evaluating one packet gives: the distribution of outcomes, or what stopped the evaluator.
 *
 * @example
 * ```ts
 * const verdicts = (r: EvalResult): string[] =>
 *   r.kind === "outcomes" ? r.outcomes.map((w) => w.outcome.verdict.kind) : [`not modelled: ${r.feature}`];
 * ```
 */
export type EvalResult = { readonly kind: "outcomes"; readonly outcomes: readonly WeightedOutcome[] } | Unsupported;

/**
 * The parts of an outcome two evaluators must agree on, as one string (verdict, packet fields that rules
 * change, effects). Traces and state keys are in each evaluator's own names, so they are left out.
 */
export function outcomeKey(o: Outcome): string {
  const p = o.packet;
  const verdict = o.verdict.kind === "reject" ? `reject ${o.verdict.with.kind === "tcp-reset" ? "tcp-reset" : `icmp ${o.verdict.with.type}/${o.verdict.with.code}`}` : o.verdict.kind === "queue" ? `queue ${o.verdict.num}${o.verdict.bypass ? " bypass" : ""}` : o.verdict.kind;
  const fields = [`src ${p.saddr} ${p.sport ?? ""}`, `dst ${p.daddr} ${p.dport ?? ""}`, `mark ${p.mark}`, `ctmark ${p.ct?.mark ?? ""}`, `dscp ${p.dscp}`, `ttl ${p.ttl}`];
  const effects = o.effects.map((e) => JSON.stringify(e));
  return [verdict, ...fields, ...effects].join("; ");
}

/**
 * Groups outcomes with equal {@link outcomeKey}s and sums their probabilities: two evaluators agree when
 * the grouped distributions are equal. Sorted by key so the result does not depend on branch order.
 */
export function outcomeDistribution(outcomes: readonly WeightedOutcome[]): readonly { readonly key: string; readonly p: Rational }[] {
  const byKey = new Map<string, Rational>();
  for (const w of outcomes) {
    const k = outcomeKey(w.outcome);
    byKey.set(k, ratAdd(byKey.get(k) ?? ratZero, w.p));
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, p]) => ({ key, p }));
}

// ---------------------------------------------------------------- conntrack and NAT

/**
 * nf_conntrack's priority (NF_IP_PRI_CONNTRACK) on the first hook of a path (prerouting, output): it
 * attaches the packet's connection there. Whatever runs before it on that hook (the iptables raw table at
 * -300, nft chains below -200) sees no connection yet: the state reads INVALID (`-m state`, `ct state`),
 * other conntrack keys do not match, and NOTRACK / `notrack` can still untrack the packet. Measured on
 * Linux 6.18: an output chain at -300 counts `ct state invalid`, one at -150 `ct state new`, for the same
 * packet.
 */
export const conntrackPriority = -200;

/**
 * The packet as the FORWARD hook sees it: ip_forward / ip6_forward decrement the TTL (hop limit) after
 * routing and before NF_INET_FORWARD, and do not forward a packet whose TTL is 1 or less (they answer ICMP
 * time exceeded and drop it, outside netfilter). Undefined for such a packet.
 */
export function forwardedPacket(p: Packet): Packet | undefined {
  return p.ttl <= 1 ? undefined : { ...p, ttl: p.ttl - 1 };
}

/**
 * Whether conntrack has attached the packet's connection when a chain of `priority` runs on `hook`, for a
 * packet that came in on `iif`. A packet received on lo was sent by this host and keeps the entry conntrack
 * attached on its way out (nf_conntrack_in leaves an skb that has one alone: "previously seen (loopback or
 * untracked)"), so prerouting chains before conntrack see it too. Measured on Linux 6.18: a UDP datagram
 * to 127.0.0.1 is counted by raw PREROUTING's `--state NEW` (`ct state new`), not INVALID, in both kernels.
 */
export function conntrackAttached(hook: Hook, priority: number, iif?: string): boolean {
  if (hook === "prerouting" && isLoopbackInterface(iif)) return true;
  return !((hook === "prerouting" || hook === "output") && priority < conntrackPriority);
}

/** Which address a NAT hook rewrites: destination before routing (prerouting, output), source after (input, postrouting). */
export function natManipOf(hook: Hook): "src" | "dst" {
  switch (hook) {
    case "prerouting":
    case "output":
      return "dst";
    case "input":
    case "postrouting":
      return "src";
    case "forward":
      // No NAT at forward; callers do not ask. Answer "src" to keep the function total.
      return "src";
    default:
      return assertNever(hook);
  }
}

/**
 * Whether NAT rules are consulted for this packet: it belongs to a connection that conntrack has not
 * confirmed yet, whose first packet this is (state new, or related for an expected connection), as
 * nf_nat_inet_fn runs the nat chains only while `!nf_nat_initialized(ct, manip)`. Untracked and invalid
 * packets never see NAT. A confirmed connection is translated by its binding instead ({@link applyNatBinding}).
 */
export function natRulesConsulted(packet: Packet): boolean {
  const ct = packet.ct;
  return ct !== undefined && (ct.state === "new" || ct.state === "related") && !ct.status.confirmed;
}

/**
 * Applies an existing connection's NAT binding at `hook`, as nf_nat_packet does for packets after the
 * first: the tuple the packet should carry is the inverse of the other direction's tuple. Returns the
 * packet unchanged when the connection has no binding for this manip.
 */
export function applyNatBinding(packet: Packet, hook: Hook): Packet {
  const ct = packet.ct;
  if (ct === undefined || natRulesConsulted(packet) || hook === "forward") return packet;
  const manip = natManipOf(hook);
  // The tuple the packet should carry after translation is the inverse of the other direction's tuple.
  const target = ct.direction === "original" ? ct.reply : ct.original;
  if (manip === "dst") {
    // The destination of this direction is the source of the other one.
    const translated = ct.direction === "original" ? ct.status.dnat : ct.status.snat;
    if (!translated) return packet;
    return { ...packet, daddr: target.saddr, ...(packet.dport !== undefined && target.sport !== undefined ? { dport: target.sport } : {}) };
  }
  const translated = ct.direction === "original" ? ct.status.snat : ct.status.dnat;
  if (!translated) return packet;
  return { ...packet, saddr: target.daddr, ...(packet.sport !== undefined && target.dport !== undefined ? { sport: target.dport } : {}) };
}

/** The addresses and ports a NAT rule maps to (any may be absent: keep that part). */
export interface NatRange {
  readonly addresses?: { readonly from: string; readonly to: string };
  readonly ports?: { readonly from: number; readonly to: number; /** DNAT's `/BASE`: map by offset (NF_NAT_RANGE_PROTO_OFFSET). */ readonly base?: number };
  /** `random`, `random-fully` (and `persistent`, which only changes which address a hash picks). */
  readonly random?: boolean;
}

/**
 * The address and port a connection's first packet is translated to, as nf_nat_core's get_unique_tuple
 * picks them for the only connection the model knows (so every tuple is unique), with one deterministic
 * stand-in where the kernel draws at random or hashes:
 * - a source mapping (SNAT, MASQUERADE) keeps the packet's tuple when address and port are already in the
 *   range (and no random flag);
 * - otherwise an address range gives its first address (the kernel hashes the tuple over the range);
 * - a port already in the range is kept (unless a random flag); with a base port the offset maps it
 *   (`from + (port - base) % size`); else the first port, which is what the kernel takes for DNAT (offset
 *   0) and the stand-in for SNAT and random flags (the kernel starts at a random offset).
 * Packets without ports (ICMP ids are not modeled) keep `port` undefined.
 */
export function chooseNatTuple(manip: "src" | "dst", old: { readonly address: string; readonly port?: number }, range: NatRange): { readonly address: string; readonly port?: number } {
  const { addresses, ports } = range;
  const random = range.random === true;
  const portInRange = ports === undefined || (old.port !== undefined && ports.from <= old.port && old.port <= ports.to);
  if (manip === "src" && !random && addresses !== undefined && addressInRange(old.address, addresses.from, addresses.to) && portInRange) return old;
  const address = addresses === undefined ? old.address : addresses.from;
  if (old.port === undefined || ports === undefined) return old.port === undefined ? { address } : { address, port: old.port };
  const size = ports.to - ports.from + 1;
  if (ports.base !== undefined) return { address, port: ports.from + ((((old.port - ports.base) % size) + size) % size) };
  return { address, port: !random && portInRange ? old.port : ports.from };
}

/** For exhaustive switches: a value of type never reached at run time is a programmer error. */
export function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

/** The original and reply tuples of the connection a packet opens (the reply swaps addresses and ports). */
export function connectionTuples(p: Pick<Packet, "saddr" | "daddr" | "l4proto" | "sport" | "dport">): { readonly original: CtTuple; readonly reply: CtTuple } {
  return {
    original: { saddr: p.saddr, daddr: p.daddr, l4proto: p.l4proto, ...(p.sport === undefined ? {} : { sport: p.sport }), ...(p.dport === undefined ? {} : { dport: p.dport }) },
    reply: { saddr: p.daddr, daddr: p.saddr, l4proto: p.l4proto, ...(p.dport === undefined ? {} : { sport: p.dport }), ...(p.sport === undefined ? {} : { dport: p.sport }) },
  };
}
