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

/** The IPv6 types xt_addrtype finds with a route lookup of its own. */
const ipv6RouteTypes: ReadonlySet<AddrTypeName> = new Set<AddrTypeName>(["LOCAL", "ANYCAST", "UNREACHABLE"]);

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
 * which nft tests as prefixes; for LOCAL, ANYCAST and UNREACHABLE xt_addrtype does its own route lookup, which
 * differs from nft's IPv6 fib (the flow it looks up, how it reports anycast and route errors), so those are
 * refused.
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
      const routed = o.value.find((t) => !isIpv6AddressClass(t));
      if (routed !== undefined) {
        return refuse(
          ipv6RouteTypes.has(routed)
            ? `address type ${routed} in IPv6: xt_addrtype classifies it with its own route lookup (destination only, RTF_* flags), which nft's IPv6 fib does differently (source, flow label and iif lo in the flow; subnet-router anycast and route errors reported as their own types)`
            : `address type ${routed}: the kernel refuses it in IPv6 rules`,
          o.span,
        );
      }
      out.push(...ipv6AddressClassTest(addressField("ipv6", which), o.value.filter(isIpv6AddressClass), o.negated));
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
