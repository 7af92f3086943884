/**
 * Matches on addresses and ports beyond `-s`/`-d` and `--sport`/`--dport`: addrtype, iprange, multiport,
 * policy.
 * @module
 */
import { addressMatch, addressRange, flag, keyword, portList, unsigned } from "../codecs.js";
import { parseProtocol } from "../protocol.js";
import { type Codec, CodecError, type NodeOf, type SchemaIssue, atMostOne, exactlyOne, moduleSchema, option } from "../schema.js";

// ---------------------------------------------------------------- addrtype

/** Route types as libxt_addrtype names them, in bit order (the order iptables-save prints them). */
export const addrTypeNames = ["UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"] as const;
/** One address type. */
export type AddrTypeName = (typeof addrTypeNames)[number];

/** The types the kernel refuses in an IPv6 rule (xt_addrtype has no IPv6 route lookup for them). */
const notInIpv6: ReadonlySet<AddrTypeName> = new Set<AddrTypeName>(["BROADCAST", "BLACKHOLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"]);

/**
 * `--src-type`/`--dst-type LIST`: a set of address types, stored in bit order without duplicates. Like
 * libxt_addrtype, a word stands for the first type it is a prefix of, case-insensitively (`LOC` is LOCAL).
 */
export const addrTypes: Codec<readonly AddrTypeName[]> = {
  domain: { type: "custom", name: "addrTypes" },
  arity: 1,
  expected: `a comma-separated list of address types (${addrTypeNames.join(", ")})`,
  parse: ([t = ""], cx) => {
    const found = new Set<AddrTypeName>();
    for (const part of t.split(",")) {
      const upper = part.toUpperCase();
      const w = part === "" ? undefined : addrTypeNames.find((n) => n.startsWith(upper));
      if (w === undefined) return new CodecError(`"${part}" is not an address type (one of ${addrTypeNames.join(", ")})`);
      if (cx.family === "ipv6" && notInIpv6.has(w)) return new CodecError(`the kernel cannot match address type ${w} in IPv6`);
      found.add(w);
    }
    return addrTypeNames.filter((n) => found.has(n));
  },
  print: (ws) => [ws.join(",")],
};

/** `-m addrtype`: source and/or destination address type, optionally looked up on one interface only. */
export const addrtypeSchema = moduleSchema({
  name: "addrtype",
  options: {
    srcType: option(["--src-type"], addrTypes, "negatable"),
    dstType: option(["--dst-type"], addrTypes, "negatable"),
    limitIfaceIn: option(["--limit-iface-in"], flag),
    limitIfaceOut: option(["--limit-iface-out"], flag),
  },
  check: (n) => {
    if (n.srcType === undefined && n.dstType === undefined) return [{ message: "--src-type or --dst-type is required" }];
    return atMostOne(n, ["limitIfaceIn", "limitIfaceOut"]);
  },
});
/** A `-m addrtype` match. */
export type AddrtypeMatch = NodeOf<typeof addrtypeSchema>;

// ---------------------------------------------------------------- iprange

/** `-m iprange`: source and/or destination address in `FROM[-TO]` (printed `FROM-TO`, as iptables-save does). */
export const iprangeSchema = moduleSchema({
  name: "iprange",
  options: {
    srcRange: option(["--src-range"], addressRange, "negatable"),
    dstRange: option(["--dst-range"], addressRange, "negatable"),
  },
  check: (n) => (n.srcRange === undefined && n.dstRange === undefined ? [{ message: "--src-range or --dst-range is required" }] : []),
});
/** A `-m iprange` match. */
export type IprangeMatch = NodeOf<typeof iprangeSchema>;

// ---------------------------------------------------------------- multiport

/**
 * `-m multiport`: exactly one of `--sports`, `--dports`, `--ports` (a source or destination port in the
 * list). The kernel wants `-p` tcp, udp, udplite, dccp or sctp.
 */
export const multiportSchema = moduleSchema({
  name: "multiport",
  protocols: [6, 17, 136, 132, 33],
  options: {
    sports: option(["--sports", "--source-ports"], portList, "negatable"),
    dports: option(["--dports", "--destination-ports"], portList, "negatable"),
    ports: option(["--ports"], portList, "negatable"),
  },
  check: (n) => exactlyOne(n, ["sports", "dports", "ports"], "one of --sports, --dports, --ports"),
});
/** A `-m multiport` match. */
export type MultiportMatch = NodeOf<typeof multiportSchema>;

// ---------------------------------------------------------------- policy

/** The IPsec protocols `--proto` takes. */
export const policyProtoNames = ["ah", "esp", "ipcomp"] as const;
/** One IPsec protocol. */
export type PolicyProtoName = (typeof policyProtoNames)[number];

const policyProtoByNumber: ReadonlyMap<number, PolicyProtoName> = new Map<number, PolicyProtoName>([
  [51, "ah"],
  [50, "esp"],
  [108, "ipcomp"],
]);

/** `--proto`: ah, esp or ipcomp, by name or number (51, 50, 108), printed by name. */
export const policyProto: Codec<PolicyProtoName> = {
  domain: { type: "keyword", words: policyProtoNames },
  arity: 1,
  expected: "ah, esp or ipcomp",
  parse: ([t = ""]) => {
    const n = parseProtocol(t);
    return (n === undefined ? undefined : policyProtoByNumber.get(n)) ?? new CodecError(`"${t}" is not an IPsec protocol (ah, esp or ipcomp)`);
  },
  print: (p) => [p],
};

/** The options that describe a policy element (all but --dir, --pol, --strict). */
const policyElementKeys = ["reqid", "spi", "proto", "mode", "tunnelDst", "tunnelSrc"] as const;

/**
 * `-m policy`: the IPsec policy that decapsulated (`--dir in`) or will encapsulate (`--dir out`) the
 * packet. `--pol` defaults to ipsec (iptables-save then prints `--pol ipsec`; here it stays absent).
 *
 * One policy element only: the parser keeps each option once, so a multi-element policy (`--strict ...
 * --next ...`) is refused with "unknown option --next".
 */
export const policySchema = moduleSchema({
  name: "policy",
  options: {
    dir: option(["--dir"], keyword(["in", "out"] as const, "policy direction", "exact-case")),
    pol: option(["--pol"], keyword(["none", "ipsec"] as const, "policy", "exact-case")),
    strict: option(["--strict"], flag),
    reqid: option(["--reqid"], unsigned(0, 0xffffffff), "negatable"),
    spi: option(["--spi"], unsigned(0, 0xffffffff, "hex"), "negatable"),
    proto: option(["--proto"], policyProto, "negatable"),
    mode: option(["--mode"], keyword(["transport", "tunnel"] as const, "IPsec mode", "exact-case"), "negatable"),
    tunnelDst: option(["--tunnel-dst"], addressMatch, "negatable"),
    tunnelSrc: option(["--tunnel-src"], addressMatch, "negatable"),
  },
  check: (n) => {
    const issues: SchemaIssue[] = [];
    if (n.dir === undefined) issues.push({ message: "--dir in or --dir out is required" });
    const element = policyElementKeys.filter((k) => n[k] !== undefined);
    if (n.pol?.value === "none") {
      if (n.strict !== undefined) issues.push({ option: "strict", message: "--strict cannot be combined with --pol none" });
      const [first] = element;
      // libxt_policy accepts them but drops them: with --pol none they would have no effect.
      if (first !== undefined) issues.push({ option: first, message: "policy element options have no effect with --pol none" });
      return issues;
    }
    if (n.strict !== undefined && element.length === 0) issues.push({ option: "strict", message: "--strict needs at least one of --reqid, --spi, --proto, --mode, --tunnel-src, --tunnel-dst" });
    const tunnel = n.tunnelSrc ?? n.tunnelDst;
    // As libxt_policy checks it: a missing --mode counts as "transport", and `! --mode transport` is tunnel mode.
    const tunnelMode = (n.mode?.value === "tunnel") !== (n.mode?.negated ?? false);
    if (tunnel !== undefined && !tunnelMode) issues.push({ option: n.tunnelSrc !== undefined ? "tunnelSrc" : "tunnelDst", message: "--tunnel-src and --tunnel-dst need --mode tunnel" });
    return issues;
  },
});
/** A `-m policy` match. */
export type PolicyMatch = NodeOf<typeof policySchema>;
