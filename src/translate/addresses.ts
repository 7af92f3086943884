/**
 * Matches on addresses and ports beyond `-s`/`-d` and `--sport`/`--dport`: addrtype, iprange, multiport, mac,
 * policy.
 * @module
 */
import type { KnownMatch, NumberRange } from "../ast/index.js";
import type { NftExpr, NftFib, NftStatement } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, ok, refuse } from "./context.js";
import { addressField, eq, match, meta, num, payload, rangeExpr, sym } from "./expr.js";
import { type PortProtocol, fullRange, keepNegationsApart, laterFragmentGuard, neverMatches, rawStatement } from "./protocols.js";

type AddrtypeMatch = Extract<KnownMatch, { kind: "addrtype" }>;
type IprangeMatch = Extract<KnownMatch, { kind: "iprange" }>;
type MultiportMatch = Extract<KnownMatch, { kind: "multiport" }>;
type MacMatch = Extract<KnownMatch, { kind: "mac" }>;
type PolicyMatch = Extract<KnownMatch, { kind: "policy" }>;
type AddrTypeName = NonNullable<AddrtypeMatch["srcType"]>["value"][number];

// ---------------------------------------------------------------------------------------------------------------
// addrtype
// ---------------------------------------------------------------------------------------------------------------

/**
 * The kernel's RTN_* route types as nft writes them for `fib ... type`: by name where nft 1.0.6 has one, else
 * (THROW 9, NAT 10, XRESOLVE 11) by number.
 */
const nftAddrTypes: Readonly<Record<AddrTypeName, NftExpr>> = {
  UNSPEC: sym("unspec"),
  UNICAST: sym("unicast"),
  LOCAL: sym("local"),
  BROADCAST: sym("broadcast"),
  ANYCAST: sym("anycast"),
  MULTICAST: sym("multicast"),
  BLACKHOLE: sym("blackhole"),
  UNREACHABLE: sym("unreachable"),
  PROHIBIT: sym("prohibit"),
  THROW: num(9),
  NAT: num(10),
  XRESOLVE: num(11),
};

/**
 * IPv6 addresses that `ipv6_addr_type()` does not call unicast: the unspecified address, IPv4-mapped
 * addresses and multicast. Every other address is unicast to it.
 */
const ipv6NotUnicast: readonly NftExpr[] = [sym("::"), { kind: "prefix", addr: "::ffff:0:0", len: 96 }, { kind: "prefix", addr: "ff00::", len: 8 }];

/**
 * Why an IPv6 address type that xt_addrtype finds with a route lookup of its own has no nft equivalent. LOCAL
 * without an interface is translated (see {@link translateAddrtype}); the others differ in what they report.
 */
function ipv6RouteTypeRefusal(types: readonly AddrTypeName[], limited: boolean): string {
  if (types.includes("ANYCAST")) return "address type ANYCAST in IPv6: xt_addrtype reports only routes flagged RTF_ANYCAST, nft's IPv6 fib also the subnet-router anycast address of every on-link prefix";
  if (types.includes("UNREACHABLE")) return "address type UNREACHABLE in IPv6: xt_addrtype calls every failed or rejecting route unreachable, nft's IPv6 fib reports blackhole, prohibit and throw routes as their own types";
  if (limited) return "address type LOCAL with --limit-iface-in/--limit-iface-out in IPv6: xt_addrtype then looks the route up through that interface, nft's IPv6 fib does not, so route errors differ";
  const [other] = types;
  return `address type ${other ?? "?"}: the kernel refuses it in IPv6 rules`;
}

/** The IPv6 address classes xt_addrtype tests by the address bits alone. */
type Ipv6AddressClass = "UNSPEC" | "UNICAST" | "MULTICAST";

function isIpv6AddressClass(t: AddrTypeName): t is Ipv6AddressClass {
  return t === "UNSPEC" || t === "UNICAST" || t === "MULTICAST";
}

/**
 * The IPv6 address classes as nft tests. Each listed class is required (the kernel checks them one after the
 * other, and an address is in one class at most), so two classes together never match.
 */
function ipv6AddressClassTest(field: NftExpr, classes: readonly Ipv6AddressClass[], negated: boolean): NftStatement[] {
  const [only] = classes;
  if (classes.length !== 1 || only === undefined) return negated ? [] : [neverMatches(payload("ip6", "length"), 0xffff)];
  switch (only) {
    case "UNSPEC":
      return [match(field, sym("::"), eq(negated))];
    case "MULTICAST":
      return [match(field, { kind: "prefix", addr: "ff00::", len: 8 }, eq(negated))];
    case "UNICAST":
      return [match(field, { kind: "set", elements: ipv6NotUnicast }, eq(!negated))];
    default:
      return assertNever(only);
  }
}

/**
 * `-m addrtype`. In IPv4, xt_addrtype asks `inet_dev_addr_type()` for the address (on the input or output
 * device with `--limit-iface-in/out`) and matches when the result is any of the listed types; nft's
 * `fib ADDR [. iif|oif] type` returns the same call's result, so the list becomes a set. In IPv6 the kernel
 * classifies unicast, multicast and unspecified addresses by their bits (each listed class is required),
 * which nft tests as prefixes. For LOCAL, ANYCAST and UNREACHABLE xt_addrtype does a route lookup of its own.
 * LOCAL without an interface is `fib daddr type local`: both find the address's route in the local table,
 * which the default rule consults first for any flow; they could only part where policy rules are put before
 * the local table (nft's flow also has the source address, iif lo and the protocol) or for the network address
 * of a non-host local route (AnyIP), which nft calls anycast. ANYCAST, UNREACHABLE and LOCAL on one interface
 * are refused.
 */
export function translateAddrtype(m: AddrtypeMatch, cx: RuleContext): Translation {
  const out: NftStatement[] = [];
  const iface: NftFib["flags"] = m.limitIfaceIn !== undefined ? ["iif"] : m.limitIfaceOut !== undefined ? ["oif"] : [];
  for (const [o, which] of [
    [m.srcType, "saddr"],
    [m.dstType, "daddr"],
  ] as const) {
    if (o === undefined) continue;
    if (cx.family === "ipv6") {
      const classes = o.value.filter(isIpv6AddressClass);
      const routed = o.value.filter((t) => !isIpv6AddressClass(t));
      const [first] = routed;
      if (first !== undefined && (first !== "LOCAL" || routed.length > 1 || iface.length > 0)) return refuse(ipv6RouteTypeRefusal(routed, iface.length > 0), o.span);
      if (first !== undefined && classes.length > 0 && o.negated) {
        return refuse("! with LOCAL and an address class in IPv6 means \"not local or not of that class\": an or, which one nft rule cannot test", o.span);
      }
      if (classes.length > 0) out.push(...ipv6AddressClassTest(addressField("ipv6", which), classes, o.negated));
      if (first !== undefined) out.push(match({ kind: "fib", flags: [which], result: "type" }, sym("local"), eq(o.negated)));
      continue;
    }
    const types = o.value.map((t) => nftAddrTypes[t]);
    const [single] = types;
    const right: NftExpr = types.length === 1 && single !== undefined ? single : { kind: "set", elements: types };
    out.push(match({ kind: "fib", flags: [which, ...iface], result: "type" }, right, eq(o.negated)));
  }
  return ok(...out);
}

// ---------------------------------------------------------------------------------------------------------------
// iprange, mac
// ---------------------------------------------------------------------------------------------------------------

/** `-m iprange`: inclusive address ranges. */
export function translateIprange(m: IprangeMatch, cx: RuleContext): Translation {
  const out: NftStatement[] = [];
  for (const [o, which] of [
    [m.srcRange, "saddr"],
    [m.dstRange, "daddr"],
  ] as const) {
    if (o === undefined) continue;
    const { from, to } = o.value;
    const right: NftExpr = from === to ? sym(from) : { kind: "range", low: sym(from), high: sym(to) };
    out.push(match(addressField(cx.family, which), right, eq(o.negated)));
  }
  return ok(...out);
}

/**
 * `-m mac --mac-source`. nft adds `meta iiftype ether` before reading `ether saddr` in ip tables, which is
 * xt_mac's test that the device is Ethernet (a negated match fails there too).
 */
export function translateMac(m: MacMatch, _cx: RuleContext): Translation {
  if (m.macSource === undefined) return ok();
  return ok(match(payload("ether", "saddr"), sym(m.macSource.value), eq(m.macSource.negated)));
}

// ---------------------------------------------------------------------------------------------------------------
// multiport
// ---------------------------------------------------------------------------------------------------------------

/** The protocols xt_multiport accepts, by number. */
const multiportProtocols: ReadonlyMap<number, PortProtocol> = new Map<number, PortProtocol>([
  [6, "tcp"],
  [17, "udp"],
  [136, "udplite"],
  [132, "sctp"],
  [33, "dccp"],
]);

/** Sorted ranges with overlapping ones joined: the same ports, as nft's interval sets want them (no overlaps). */
export function mergePortRanges(ranges: readonly NumberRange[]): NumberRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: NumberRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.from <= last.to) out[out.length - 1] = { from: last.from, to: Math.max(last.to, r.to) };
    else out.push(r);
  }
  return out;
}

function portsExpr(ranges: readonly NumberRange[]): NftExpr {
  const [single] = ranges;
  return ranges.length === 1 && single !== undefined ? rangeExpr(single) : { kind: "set", elements: ranges.map((r) => rangeExpr(r)) };
}

/**
 * `-m multiport`: a port list (ranges mixed with single ports) against the source, the destination, or
 * (`--ports`) either port. "Either" is a lookup of the port pair in a set of `any . P` and `P . any`
 * intervals; negated it is "neither", two tests. Like the protocol matches it never matches a later fragment.
 */
export function translateMultiport(m: MultiportMatch, cx: RuleContext): Translation {
  const protocol = cx.protocol === undefined ? undefined : multiportProtocols.get(cx.protocol);
  if (protocol === undefined) return refuse("-m multiport needs -p tcp, udp, udplite, sctp or dccp (without !): the kernel refuses to load the rule otherwise", m.span);
  const o = m.sports ?? m.dports ?? m.ports;
  if (o === undefined) return ok();
  const ranges = mergePortRanges(o.value);
  const guard = laterFragmentGuard(m, cx);
  const sport = payload(protocol, "sport");
  const dport = payload(protocol, "dport");
  const [first] = ranges;
  if (ranges.length === 1 && first !== undefined && first.from === 0 && first.to === 0xffff) return ok(...guard, ...(o.negated ? [neverMatches(sport, 0xffff)] : []));
  if (m.ports === undefined) return ok(...guard, match(m.sports !== undefined ? sport : dport, portsExpr(ranges), eq(o.negated)));
  if (o.negated) {
    const notSource = match(sport, portsExpr(ranges), "!=");
    return ok(...guard, notSource, keepNegationsApart(notSource, match(dport, portsExpr(ranges), "!=")));
  }
  const any = fullRange(0xffff);
  const pairs: NftExpr[] = ranges.flatMap((r): NftExpr[] => [
    { kind: "concat", exprs: [any, rangeExpr(r)] },
    { kind: "concat", exprs: [rangeExpr(r), any] },
  ]);
  return ok(...guard, match({ kind: "concat", exprs: [sport, dport] }, { kind: "set", elements: pairs }));
}

// ---------------------------------------------------------------------------------------------------------------
// policy
// ---------------------------------------------------------------------------------------------------------------

/**
 * `-m policy`. Without element options it asks whether IPsec processed the packet at all: `--dir in` is the
 * secure path of the packet (`meta secpath`), `--dir out` the xfrm bundle of its route (`rt ipsec`, which the
 * nft model does not name). Element options are refused: xt_policy checks whether any state of the path
 * matches them (with `--strict`, the whole path in order), while nft's `ipsec` expression reads one state by
 * position and has no protocol or mode key.
 */
export function translatePolicy(m: PolicyMatch, _cx: RuleContext): Translation {
  const element = m.reqid ?? m.spi ?? m.proto ?? m.mode ?? m.tunnelSrc ?? m.tunnelDst ?? m.strict;
  if (element !== undefined) {
    return refuse("policy elements (--reqid, --spi, --proto, --mode, --tunnel-src/-dst, --strict): xt_policy tests whether any state of the IPsec path matches (or, with --strict, the whole path), nft's ipsec expression reads one state by position and has no proto or mode key", element.span);
  }
  if (m.dir === undefined) return ok();
  const present = m.pol?.value !== "none";
  if (m.dir.value === "in") return ok(match(meta("secpath"), { kind: "boolean", value: present }));
  return ok(
    rawStatement(
      `rt ipsec ${present ? "exists" : "missing"}`,
      { match: { op: "==", left: { rt: { key: "ipsec" } }, right: present } },
      "the nft model's rt expression has no ipsec key",
    ),
  );
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

/** The address-family translators this file provides. */
export const addressMatchTranslators = {
  addrtype: translateAddrtype,
  iprange: translateIprange,
  multiport: translateMultiport,
  mac: translateMac,
  policy: translatePolicy,
} satisfies Partial<ByKind<KnownMatch>>;
