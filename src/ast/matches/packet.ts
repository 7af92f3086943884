/**
 * Matches on fields of the packet and of its IPv6 extension headers, and on where the packet is handled:
 * length, ttl, hl, dscp, tos, ecn, pkttype, tcpmss, frag, hbh, dst, rt, ipv6header, mac, realm, devgroup,
 * cpu, cgroup, cluster.
 * @module
 */
import { type HostAddress, type MarkMask, flag, keyword, markMask, parseHost, parseUnsigned, text, unsigned, unsignedRange } from "../codecs.js";
import { type Codec, CodecError, type NodeOf, type SchemaIssue, atMostOne, exactlyOne, moduleSchema, option } from "../schema.js";

/** `0x` and `digits` hex digits, zero-padded, as libxt_dscp, libxt_tos and libxt_cluster print. */
function paddedHex(n: number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, "0")}`;
}

// ---------------------------------------------------------------- length, ttl, hl

/** `-m length --length N[:M]`: the layer-3 payload length (IPv4 total length, IPv6 payload length). */
export const lengthSchema = moduleSchema({
  name: "length",
  options: {
    length: option(["--length"], unsignedRange(0, 65535, "length"), "negatable"),
  },
  check: (n) => exactlyOne(n, ["length"], "--length"),
});
/** A `-m length` match. */
export type LengthMatch = NodeOf<typeof lengthSchema>;

const byteValue = unsigned(0, 255);

/** `-m ttl`: one of `--ttl-eq` (negatable), `--ttl-lt`, `--ttl-gt` (IPv4 only). */
export const ttlSchema = moduleSchema({
  name: "ttl",
  family: "ipv4",
  options: {
    ttlEq: option(["--ttl-eq"], byteValue, "negatable"),
    ttlLt: option(["--ttl-lt"], byteValue),
    ttlGt: option(["--ttl-gt"], byteValue),
  },
  check: (n) => exactlyOne(n, ["ttlEq", "ttlLt", "ttlGt"], "one of --ttl-eq, --ttl-lt, --ttl-gt"),
});
/** A `-m ttl` match. */
export type TtlMatch = NodeOf<typeof ttlSchema>;

/** `-m hl`: one of `--hl-eq` (negatable), `--hl-lt`, `--hl-gt` (IPv6 only). */
export const hlSchema = moduleSchema({
  name: "hl",
  family: "ipv6",
  options: {
    hlEq: option(["--hl-eq"], byteValue, "negatable"),
    hlLt: option(["--hl-lt"], byteValue),
    hlGt: option(["--hl-gt"], byteValue),
  },
  check: (n) => exactlyOne(n, ["hlEq", "hlLt", "hlGt"], "one of --hl-eq, --hl-lt, --hl-gt"),
});
/** A `-m hl` match. */
export type HlMatch = NodeOf<typeof hlSchema>;

// ---------------------------------------------------------------- dscp, tos, ecn

/** DiffServ class names and their code points, from libxt_dscp_helper. */
export const dscpClasses: readonly { readonly name: string; readonly dscp: number }[] = [
  { name: "CS0", dscp: 0x00 },
  { name: "CS1", dscp: 0x08 },
  { name: "CS2", dscp: 0x10 },
  { name: "CS3", dscp: 0x18 },
  { name: "CS4", dscp: 0x20 },
  { name: "CS5", dscp: 0x28 },
  { name: "CS6", dscp: 0x30 },
  { name: "CS7", dscp: 0x38 },
  { name: "BE", dscp: 0x00 },
  { name: "AF11", dscp: 0x0a },
  { name: "AF12", dscp: 0x0c },
  { name: "AF13", dscp: 0x0e },
  { name: "AF21", dscp: 0x12 },
  { name: "AF22", dscp: 0x14 },
  { name: "AF23", dscp: 0x16 },
  { name: "AF31", dscp: 0x1a },
  { name: "AF32", dscp: 0x1c },
  { name: "AF33", dscp: 0x1e },
  { name: "AF41", dscp: 0x22 },
  { name: "AF42", dscp: 0x24 },
  { name: "AF43", dscp: 0x26 },
  { name: "EF", dscp: 0x2e },
];

/** The code point of a DiffServ class; like libxt_dscp_helper, a word that begins with a class name counts. */
export function dscpOfClass(word: string): number | undefined {
  const upper = word.toUpperCase();
  return dscpClasses.find((c) => upper.startsWith(c.name))?.dscp;
}

/**
 * A DSCP code point 0-63. `--dscp` takes a number and `--dscp-class` a class name; both are spellings of
 * one option here because iptables-save always writes the number (`--dscp-class EF` saves as
 * `--dscp 0x2e`). The codec cannot tell which spelling was used, so it takes either form after either.
 */
export const dscpValue: Codec<number> = {
  domain: { type: "uint", min: 0, max: 63 },
  arity: 1,
  expected: "a DSCP value 0-63 (decimal or hex) or a DiffServ class (BE, EF, AFxy, CSx)",
  parse: ([t = ""]) => {
    const n = parseUnsigned(t);
    if (n !== undefined) return n <= 63 ? n : new CodecError(`${t} is out of range for a DSCP value (0-63)`);
    return dscpOfClass(t) ?? new CodecError(`"${t}" is not a DSCP value or DiffServ class (BE, EF, AF11-AF43, CS0-CS7)`);
  },
  print: (n) => [paddedHex(n, 2)],
};

/** `-m dscp --dscp N` or `--dscp-class CLASS` (exactly one). */
export const dscpSchema = moduleSchema({
  name: "dscp",
  options: {
    dscp: option(["--dscp", "--dscp-class"], dscpValue, "negatable"),
  },
  check: (n) => exactlyOne(n, ["dscp"], "--dscp or --dscp-class"),
});
/** A `-m dscp` match. */
export type DscpMatch = NodeOf<typeof dscpSchema>;

/** A TOS byte test: matches when `(tos & mask) == value`. */
export interface TosValue {
  readonly value: number;
  readonly mask: number;
}

/** The symbolic TOS names libxt_tos accepts; each implies mask 0x3f (all but the ECN bits). */
export const tosNames: readonly { readonly name: string; readonly value: number }[] = [
  { name: "Minimize-Delay", value: 0x10 },
  { name: "Maximize-Throughput", value: 0x08 },
  { name: "Maximize-Reliability", value: 0x04 },
  { name: "Minimize-Cost", value: 0x02 },
  { name: "Normal-Service", value: 0x00 },
];

/** `--tos VALUE[/MASK]` (mask 0xff when absent) or a symbolic name (mask 0x3f); printed as `0xVV/0xMM`. */
export const tosValue: Codec<TosValue> = {
  domain: { type: "custom", name: "tosValue" },
  arity: 1,
  expected: "a TOS value[/mask] (8-bit numbers) or a name (Minimize-Delay, Maximize-Throughput, Maximize-Reliability, Minimize-Cost, Normal-Service)",
  parse: ([t = ""]) => {
    const named = tosNames.find((n) => n.name.toLowerCase() === t.toLowerCase());
    if (named !== undefined) return { value: named.value, mask: 0x3f };
    const [v = "", m, ...rest] = t.split("/");
    const value = parseUnsigned(v);
    const mask = m === undefined ? 0xff : parseUnsigned(m);
    if (rest.length > 0 || value === undefined || mask === undefined) return new CodecError(`"${t}" is not a TOS value[/mask] or a TOS name`);
    if (value > 0xff || mask > 0xff) return new CodecError(`${t}: TOS value and mask are 8-bit (0-0xff)`);
    return { value, mask };
  },
  print: (v) => [`${paddedHex(v.value, 2)}/${paddedHex(v.mask, 2)}`],
};

/** `-m tos --tos VALUE[/MASK]` (IPv4 TOS byte or IPv6 traffic class). */
export const tosSchema = moduleSchema({
  name: "tos",
  options: {
    tos: option(["--tos"], tosValue, "negatable"),
  },
  check: (n) => exactlyOne(n, ["tos"], "--tos"),
});
/** A `-m tos` match. */
export type TosMatch = NodeOf<typeof tosSchema>;

/** `-m ecn`: the TCP ECE and CWR flags (the kernel wants `-p tcp` for them) and the IP ECN code point. */
export const ecnSchema = moduleSchema({
  name: "ecn",
  options: {
    ecnTcpEce: option(["--ecn-tcp-ece"], flag, "negatable"),
    ecnTcpCwr: option(["--ecn-tcp-cwr"], flag, "negatable"),
    ecnIpEct: option(["--ecn-ip-ect"], unsigned(0, 3), "negatable"),
  },
  check: (n) => (n.ecnTcpEce === undefined && n.ecnTcpCwr === undefined && n.ecnIpEct === undefined ? [{ message: "one of --ecn-tcp-ece, --ecn-tcp-cwr, --ecn-ip-ect is required" }] : []),
});
/** A `-m ecn` match. */
export type EcnMatch = NodeOf<typeof ecnSchema>;

// ---------------------------------------------------------------- pkttype, tcpmss, mac

/** Link-layer packet types as iptables-save prints them. */
export const pktTypeNames = ["unicast", "broadcast", "multicast", "otherhost"] as const;
/** One packet type. */
export type PktTypeName = (typeof pktTypeNames)[number];

const pktTypeAliases: ReadonlyMap<string, PktTypeName> = new Map<string, PktTypeName>([
  ["host", "unicast"],
  ["bcast", "broadcast"],
  ["mcast", "multicast"],
]);

/** `--pkt-type`: a packet type, case-insensitive, with libxt_pkttype's aliases host, bcast, mcast. */
export const pktType: Codec<PktTypeName> = {
  ...keyword(pktTypeNames, "packet type"),
  parse: ([t = ""], cx) => pktTypeAliases.get(t.toLowerCase()) ?? keyword(pktTypeNames, "packet type").parse([t], cx),
};

/** `-m pkttype --pkt-type TYPE`. */
export const pkttypeSchema = moduleSchema({
  name: "pkttype",
  options: {
    pktType: option(["--pkt-type"], pktType, "negatable"),
  },
  check: (n) => exactlyOne(n, ["pktType"], "--pkt-type"),
});
/** A `-m pkttype` match. */
export type PkttypeMatch = NodeOf<typeof pkttypeSchema>;

/** `-m tcpmss --mss N[:M]` (the kernel wants `-p tcp`). */
export const tcpmssSchema = moduleSchema({
  name: "tcpmss",
  protocols: [6],
  options: {
    mss: option(["--mss"], unsignedRange(0, 65535, "MSS"), "negatable"),
  },
  check: (n) => exactlyOne(n, ["mss"], "--mss"),
});
/** A `-m tcpmss` match. */
export type TcpmssMatch = NodeOf<typeof tcpmssSchema>;

/** A MAC address `XX:XX:XX:XX:XX:XX` (one or two hex digits a byte), kept as iptables-save prints it: lower case, two digits a byte. */
export const macAddress: Codec<string> = {
  domain: { type: "custom", name: "macAddress" },
  arity: 1,
  expected: "a MAC address XX:XX:XX:XX:XX:XX",
  parse: ([t = ""]) => {
    const bytes = t.split(":");
    if (bytes.length !== 6 || !bytes.every((b) => /^[0-9a-fA-F]{1,2}$/.test(b))) return new CodecError(`"${t}" is not a MAC address XX:XX:XX:XX:XX:XX`);
    return bytes.map((b) => b.toLowerCase().padStart(2, "0")).join(":");
  },
  print: (m) => [m],
};

/** `-m mac --mac-source ADDRESS`. */
export const macSchema = moduleSchema({
  name: "mac",
  options: {
    macSource: option(["--mac-source"], macAddress, "negatable"),
  },
  check: (n) => exactlyOne(n, ["macSource"], "--mac-source"),
});
/** A `-m mac` match. */
export type MacMatch = NodeOf<typeof macSchema>;

// ---------------------------------------------------------------- realm, devgroup, cpu, cgroup, cluster

/**
 * `VALUE[/MASK]`, or a name from an iproute2 table standing for `VALUE/0xffffffff`. Only the names of
 * iproute2's default tables are known (`cosmos` realm, `default` group, both 0): the host's own entries
 * cannot be known when translating elsewhere. Printed as numbers, which iptables-restore takes anywhere
 * (iptables-save itself prints a name when the host's table has one).
 */
function namedMarkMask(names: ReadonlyMap<string, number>, what: string): Codec<MarkMask> {
  return {
    ...markMask,
    expected: `a ${what} VALUE[/MASK] (32-bit numbers) or ${[...names.keys()].join(", ")}`,
    parse: ([t = ""], cx) => {
      const named = names.get(t);
      return named === undefined ? markMask.parse([t], cx) : { value: named, mask: 0xffffffff };
    },
  };
}

/** `-m realm --realm VALUE[/MASK]`: the routing realm (IPv4 only). */
export const realmSchema = moduleSchema({
  name: "realm",
  family: "ipv4",
  options: {
    realm: option(["--realm"], namedMarkMask(new Map([["cosmos", 0]]), "realm"), "negatable"),
  },
  check: (n) => exactlyOne(n, ["realm"], "--realm"),
});
/** A `-m realm` match. */
export type RealmMatch = NodeOf<typeof realmSchema>;

const deviceGroup = namedMarkMask(new Map([["default", 0]]), "device group");

/** `-m devgroup`: the device group of the input and/or output interface. */
export const devgroupSchema = moduleSchema({
  name: "devgroup",
  options: {
    srcGroup: option(["--src-group"], deviceGroup, "negatable"),
    dstGroup: option(["--dst-group"], deviceGroup, "negatable"),
  },
  check: (n) => (n.srcGroup === undefined && n.dstGroup === undefined ? [{ message: "--src-group or --dst-group is required" }] : []),
});
/** A `-m devgroup` match. */
export type DevgroupMatch = NodeOf<typeof devgroupSchema>;

/** `-m cpu --cpu N`: the CPU handling the packet. */
export const cpuSchema = moduleSchema({
  name: "cpu",
  options: {
    cpu: option(["--cpu"], unsigned(0, 0xffffffff), "negatable"),
  },
  check: (n) => exactlyOne(n, ["cpu"], "--cpu"),
});
/** A `-m cpu` match. */
export type CpuMatch = NodeOf<typeof cpuSchema>;

/** `-m cgroup`: a cgroup2 path (at most 511 bytes, printed quoted as iptables-save does) or a net_cls classid. */
export const cgroupSchema = moduleSchema({
  name: "cgroup",
  options: {
    path: option(["--path"], text(511, "cgroup2 path"), "negatable"),
    cgroup: option(["--cgroup"], unsigned(0, 0xffffffff), "negatable"),
  },
  check: (n) => exactlyOne(n, ["path", "cgroup"], "--path or --cgroup"),
});
/** A `-m cgroup` match. */
export type CgroupMatch = NodeOf<typeof cgroupSchema>;

/** A 32-bit number printed as libxt_cluster prints it, `0x` and eight hex digits. */
function hex32(min: number): Codec<number> {
  return { ...unsigned(min, 0xffffffff), print: (n) => [paddedHex(n, 8)] };
}

/**
 * `-m cluster`. iptables-save turns `--cluster-local-node N` into `--cluster-local-nodemask 1<<(N-1)` and
 * prints the node mask first. iptables 1.8.9 only accepts node masks 1-32 when parsing (a bug: it saves
 * larger ones, such as node 32's 0x80000000); any 32-bit mask but 0 is taken here.
 */
export const clusterSchema = moduleSchema({
  name: "cluster",
  options: {
    localNode: option(["--cluster-local-node"], unsigned(1, 32), "negatable"),
    localNodemask: option(["--cluster-local-nodemask"], hex32(1), "negatable"),
    totalNodes: option(["--cluster-total-nodes"], unsigned(1, 32)),
    hashSeed: option(["--cluster-hash-seed"], hex32(0)),
  },
  check: (n) => {
    const missing: SchemaIssue[] = [];
    if (n.totalNodes === undefined) missing.push({ message: "--cluster-total-nodes is required" });
    if (n.hashSeed === undefined) missing.push({ message: "--cluster-hash-seed is required" });
    if (missing.length > 0) return missing;
    const node = exactlyOne(n, ["localNode", "localNodemask"], "--cluster-local-node or --cluster-local-nodemask");
    if (node.length > 0) return node;
    if (n.localNode !== undefined && n.totalNodes !== undefined && n.localNode.value > n.totalNodes.value)
      return [{ option: "localNode", message: `--cluster-local-node ${n.localNode.value} is above --cluster-total-nodes ${n.totalNodes.value}` }];
    return [];
  },
});
/** A `-m cluster` match. */
export type ClusterMatch = NodeOf<typeof clusterSchema>;

// ---------------------------------------------------------------- IPv6 extension headers

const u32 = unsigned(0, 0xffffffff);
const u32Range = unsignedRange(0, 0xffffffff);

/**
 * `-m frag` (IPv6 only): the Fragment header's identification, length and flags. iptables-save leaves out
 * a full `--fragid 0:4294967295` (even negated); it is kept here.
 */
export const fragSchema = moduleSchema({
  name: "frag",
  family: "ipv6",
  options: {
    fragid: option(["--fragid"], u32Range, "negatable"),
    fraglen: option(["--fraglen"], u32, "negatable"),
    fragres: option(["--fragres"], flag),
    fragfirst: option(["--fragfirst"], flag),
    fragmore: option(["--fragmore"], flag),
    fraglast: option(["--fraglast"], flag),
  },
  check: (n) => atMostOne(n, ["fragmore", "fraglast"]),
});
/** A `-m frag` match. */
export type FragMatch = NodeOf<typeof fragSchema>;

/** One option test of `--hbh-opts`/`--dst-opts`: the option type and, if given, its data length. */
export interface Ipv6OptionTest {
  readonly type: number;
  /** Absent: any length. (libip6t stores 255 for "any", so `TYPE:255` reads as absent.) */
  readonly length?: number;
}

/** `TYPE[:LENGTH][,...]`, at most 16 entries, each number 0-255, in the order written; type 0 (Pad1) takes no length. */
export const ipv6OptionTests: Codec<readonly Ipv6OptionTest[]> = {
  domain: { type: "custom", name: "ipv6OptionTests" },
  arity: 1,
  expected: "a comma-separated list of TYPE[:LENGTH] (numbers 0-255, at most 16)",
  parse: ([t = ""]) => {
    const out: Ipv6OptionTest[] = [];
    for (const part of t.split(",")) {
      const [ty = "", len, ...rest] = part.split(":");
      const type = parseUnsigned(ty);
      const length = len === undefined ? undefined : parseUnsigned(len);
      if (rest.length > 0 || type === undefined || (len !== undefined && length === undefined)) return new CodecError(`"${part}" is not TYPE[:LENGTH]`);
      if (type > 255 || (length !== undefined && length > 255)) return new CodecError(`"${part}": option type and length are 0-255`);
      if (type === 0 && length !== undefined) return new CodecError(`"${part}": option 0 (Pad1) has no length`);
      out.push(length === undefined || length === 255 ? { type } : { type, length });
    }
    if (out.length > 16) return new CodecError(`at most 16 options can be listed, got ${out.length}`);
    return out;
  },
  print: (os) => [os.map((o) => (o.length === undefined ? String(o.type) : `${o.type}:${o.length}`)).join(",")],
};

/** `-m hbh` (IPv6 only): the Hop-by-Hop Options header's length and options. */
export const hbhSchema = moduleSchema({
  name: "hbh",
  family: "ipv6",
  options: {
    hbhLen: option(["--hbh-len"], u32, "negatable"),
    hbhOpts: option(["--hbh-opts"], ipv6OptionTests),
  },
});
/** A `-m hbh` match. */
export type HbhMatch = NodeOf<typeof hbhSchema>;

/** `-m dst` (IPv6 only): the Destination Options header's length and options. */
export const dstSchema = moduleSchema({
  name: "dst",
  family: "ipv6",
  options: {
    dstLen: option(["--dst-len"], u32, "negatable"),
    dstOpts: option(["--dst-opts"], ipv6OptionTests),
  },
});
/** A `-m dst` match. */
export type DstMatch = NodeOf<typeof dstSchema>;

/** `ADDR[,ADDR...]`: at most 16 IPv6 host addresses in the order written (a type 0 routing header's list). */
export const ipv6AddressList: Codec<readonly HostAddress[]> = {
  domain: { type: "custom", name: "ipv6AddressList" },
  arity: 1,
  expected: "a comma-separated list of IPv6 addresses (at most 16)",
  parse: ([t = ""]) => {
    const out: HostAddress[] = [];
    for (const part of t.split(",")) {
      const a = parseHost(part, "ipv6");
      if (a instanceof CodecError) return a;
      out.push(a);
    }
    if (out.length > 16) return new CodecError(`at most 16 addresses can be listed, got ${out.length}`);
    return out;
  },
  print: (as) => [as.map((a) => a.address).join(",")],
};

/**
 * `-m rt` (IPv6 only): the Routing header. The type 0 tests (`--rt-0-res`, `--rt-0-addrs`) need
 * `--rt-type 0`, and `--rt-0-not-strict` needs `--rt-0-addrs`. libip6t_rt also wants them in that order
 * on the command line; here the order does not matter, and the print puts them in the order it wants.
 * iptables-save leaves out a full `--rt-segsleft 0:4294967295` (even negated); it is kept here.
 */
export const rtSchema = moduleSchema({
  name: "rt",
  family: "ipv6",
  options: {
    rtType: option(["--rt-type"], u32, "negatable"),
    rtSegsleft: option(["--rt-segsleft"], u32Range, "negatable"),
    rtLen: option(["--rt-len"], u32, "negatable"),
    rt0Res: option(["--rt-0-res"], flag),
    rt0Addrs: option(["--rt-0-addrs"], ipv6AddressList),
    rt0NotStrict: option(["--rt-0-not-strict"], flag),
  },
  check: (n) => {
    const type0 = n.rtType !== undefined && n.rtType.value === 0 && !n.rtType.negated;
    if (n.rt0Res !== undefined && !type0) return [{ option: "rt0Res", message: "--rt-0-res needs --rt-type 0" }];
    if (n.rt0Addrs !== undefined && !type0) return [{ option: "rt0Addrs", message: "--rt-0-addrs needs --rt-type 0" }];
    if (n.rt0NotStrict !== undefined && n.rt0Addrs === undefined) return [{ option: "rt0NotStrict", message: "--rt-0-not-strict needs --rt-0-addrs" }];
    return [];
  },
});
/** A `-m rt` match. */
export type RtMatch = NodeOf<typeof rtSchema>;

/** The headers `--header` knows, by the long names iptables-save prints, in its printing order. */
export const ipv6HeaderNames = ["hop-by-hop", "ipv6-opts", "ipv6-route", "ipv6-frag", "ah", "esp", "ipv6-nonxt", "protocol"] as const;
/** One header name. */
export type Ipv6HeaderName = (typeof ipv6HeaderNames)[number];

/** Every spelling libip6t_ipv6header accepts (case-sensitive), with the header it means. */
const ipv6HeaderSpellings: ReadonlyMap<string, Ipv6HeaderName> = new Map<string, Ipv6HeaderName>([
  ["hop-by-hop", "hop-by-hop"],
  ["hop", "hop-by-hop"],
  ["ipv6-opts", "ipv6-opts"],
  ["dst", "ipv6-opts"],
  ["ipv6-route", "ipv6-route"],
  ["route", "ipv6-route"],
  ["ipv6-frag", "ipv6-frag"],
  ["frag", "ipv6-frag"],
  ["ah", "ah"],
  ["auth", "ah"],
  ["esp", "esp"],
  ["ipv6-nonxt", "ipv6-nonxt"],
  ["none", "ipv6-nonxt"],
  ["protocol", "protocol"],
  ["prot", "protocol"],
]);

const ipv6HeaderByNumber: ReadonlyMap<number, Ipv6HeaderName> = new Map<number, Ipv6HeaderName>([
  [0, "hop-by-hop"],
  [60, "ipv6-opts"],
  [43, "ipv6-route"],
  [44, "ipv6-frag"],
  [51, "ah"],
  [50, "esp"],
  [59, "ipv6-nonxt"],
  [255, "protocol"],
]);

/** `--header LIST`: a set of headers (names, short names or numbers), stored in printing order. */
export const ipv6Headers: Codec<readonly Ipv6HeaderName[]> = {
  domain: { type: "custom", name: "ipv6Headers" },
  arity: 1,
  expected: "a comma-separated list of headers: hop, dst, route, frag, auth, esp, none, prot (or their long names or numbers)",
  parse: ([t = ""]) => {
    const found = new Set<Ipv6HeaderName>();
    for (const part of t.split(",")) {
      const n = parseUnsigned(part);
      const h = n === undefined ? ipv6HeaderSpellings.get(part) : ipv6HeaderByNumber.get(n);
      if (h === undefined) return new CodecError(`"${part}" is not an IPv6 header ipv6header knows (hop, dst, route, frag, auth, esp, none, prot)`);
      found.add(h);
    }
    return ipv6HeaderNames.filter((h) => found.has(h));
  },
  print: (hs) => [hs.join(",")],
};

/** `-m ipv6header --header LIST [--soft]` (IPv6 only): exactly these headers, or with `--soft` any of them. */
export const ipv6headerSchema = moduleSchema({
  name: "ipv6header",
  family: "ipv6",
  options: {
    header: option(["--header"], ipv6Headers, "negatable"),
    soft: option(["--soft"], flag),
  },
  check: (n) => (n.header === undefined ? [{ message: "--header is required" }] : []),
});
/** A `-m ipv6header` match. */
export type Ipv6headerMatch = NodeOf<typeof ipv6headerSchema>;
