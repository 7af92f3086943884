/**
 * The ipset AST: the sets an `ipset save` dump declares, with their create options and members, typed per
 * set type so the translator can turn `-m set` / `-j SET` references into named nft sets.
 * @module
 */
import type { Span } from "../diagnostic/index.js";
import type { Family, PrefixAddress } from "./address.js";

/**
 * How a set stores its members: ipset's storage method, the part before the `:` of a type name.
 *
 * @example
 * ```ts
 * const method: IpsetMethod = ipsetTypes["bitmap:port"].method; // "bitmap"
 * ```
 */
export type IpsetMethod = "hash" | "bitmap" | "list";

/**
 * One data type of a set, a part after the `:` of a type name (`hash:net,iface` has `net` and `iface`).
 *
 * @example
 * ```ts
 * const dims: readonly IpsetDimension[] = ipsetTypes["hash:net,iface"].dims; // ["net", "iface"]
 * ```
 */
export type IpsetDimension = "ip" | "net" | "port" | "iface" | "mark" | "mac" | "set";

/**
 * A set type as its name spells it: `hash:ip,port,net` is `{ method: "hash", dims: ["ip", "port", "net"] }`.
 *
 * @example
 * ```ts
 * const { value } = parseIpsetSave("create ssh hash:ip,port family inet timeout 600\nadd ssh 10.0.0.1,tcp:22 timeout 300\n");
 * const setType: IpsetType | undefined = value?.sets[0]?.setType; // { method: "hash", dims: ["ip", "port"] }
 * const name = setType && `${setType.method}:${setType.dims.join(",")}`; // "hash:ip,port"
 * ```
 */
export interface IpsetType {
  readonly method: IpsetMethod;
  readonly dims: readonly IpsetDimension[];
}

/** The set types ipset knows (userspace 7.x), by name. *
 * @example
 * ```ts
 * const typeName: IpsetTypeName = "hash:ip,port";
 * ipsetTypes[typeName].dims; // ["ip", "port"]
 * ```
 */
export type IpsetTypeName =
  | "hash:ip"
  | "hash:net"
  | "hash:ip,port"
  | "hash:net,port"
  | "hash:ip,port,ip"
  | "hash:ip,port,net"
  | "hash:net,port,net"
  | "hash:net,iface"
  | "hash:net,net"
  | "hash:ip,mark"
  | "hash:mac"
  | "hash:ip,mac"
  | "bitmap:ip"
  | "bitmap:port"
  | "bitmap:ip,mac"
  | "list:set";

/** The words of a `create` line after the type, each naming one create option. */
export type IpsetCreateOptionName =
  | "family"
  | "range"
  | "markmask"
  | "hashsize"
  | "maxelem"
  | "netmask"
  | "bitmask"
  | "size"
  | "timeout"
  | "counters"
  | "comment"
  | "forceadd"
  | "skbinfo"
  | "bucketsize"
  | "initval";

/**
 * What a set type allows, as ipset's userspace type table (lib/ipset_*.c) declares it.
 * - `family`: `choose` when the set takes `family inet|inet6` (and `ipset save` always prints it), `ipv4`
 *   when it holds IPv4 addresses only (bitmap:ip, bitmap:ip,mac), `none` when it holds no addresses.
 * - `createOptions`: the options `create` accepts, in the order `ipset save` prints them.
 * - `nomatch` / `wildcard`: whether `add` takes those flags.
 * - `optionalLastPart`: bitmap:ip,mac members may leave out the MAC; the kernel fills it from the first packet.
 */
export interface IpsetTypeInfo extends IpsetType {
  readonly family: "choose" | "ipv4" | "none";
  readonly createOptions: readonly IpsetCreateOptionName[];
  readonly nomatch: boolean;
  readonly wildcard: boolean;
  readonly optionalLastPart: boolean;
}

// Extension options every type takes, in save order. Hash types add forceadd, bucketsize and initval.
const extensions = ["timeout", "counters", "comment", "skbinfo"] as const;
const hashExtensions = ["timeout", "counters", "comment", "forceadd", "skbinfo", "bucketsize", "initval"] as const;

function hashType(dims: readonly IpsetDimension[], createOptions: readonly IpsetCreateOptionName[], flags: { nomatch?: boolean; wildcard?: boolean } = {}): IpsetTypeInfo {
  return {
    method: "hash",
    dims,
    family: dims.some((d) => d === "ip" || d === "net") ? "choose" : "none",
    createOptions,
    nomatch: flags.nomatch ?? false,
    wildcard: flags.wildcard ?? false,
    optionalLastPart: false,
  };
}

/**
 * Every set type, with what it allows. The option orders were read off `ipset save` (v7.17) for the types
 * the test kernel has, and off ipset's type table for the others (hash:net,net, hash:ip,mark, hash:mac,
 * hash:ip,mac, hash:net,port,net): netmask and bitmask came late to hash:ip,port and hash:net,net, so they
 * print after initval there, but right after maxelem for hash:ip.
 *
 * @example
 * ```ts
 * ipsetTypes["hash:net,iface"].wildcard; // true: members may end in an interface-name prefix
 * ipsetTypes["hash:ip,port"].createOptions.includes("netmask"); // true
 * ```
 */
export const ipsetTypes: Readonly<Record<IpsetTypeName, IpsetTypeInfo>> = {
  "hash:ip": hashType(["ip"], ["family", "hashsize", "maxelem", "netmask", "bitmask", ...hashExtensions]),
  "hash:net": hashType(["net"], ["family", "hashsize", "maxelem", ...hashExtensions], { nomatch: true }),
  "hash:ip,port": hashType(["ip", "port"], ["family", "hashsize", "maxelem", ...hashExtensions, "netmask", "bitmask"]),
  "hash:net,port": hashType(["net", "port"], ["family", "hashsize", "maxelem", ...hashExtensions], { nomatch: true }),
  "hash:ip,port,ip": hashType(["ip", "port", "ip"], ["family", "hashsize", "maxelem", ...hashExtensions]),
  "hash:ip,port,net": hashType(["ip", "port", "net"], ["family", "hashsize", "maxelem", ...hashExtensions], { nomatch: true }),
  "hash:net,port,net": hashType(["net", "port", "net"], ["family", "hashsize", "maxelem", ...hashExtensions], { nomatch: true }),
  "hash:net,iface": hashType(["net", "iface"], ["family", "hashsize", "maxelem", ...hashExtensions], { nomatch: true, wildcard: true }),
  "hash:net,net": hashType(["net", "net"], ["family", "hashsize", "maxelem", ...hashExtensions, "netmask", "bitmask"], { nomatch: true }),
  "hash:ip,mark": hashType(["ip", "mark"], ["family", "markmask", "hashsize", "maxelem", ...hashExtensions]),
  "hash:mac": hashType(["mac"], ["hashsize", "maxelem", ...hashExtensions]),
  "hash:ip,mac": hashType(["ip", "mac"], ["family", "hashsize", "maxelem", ...hashExtensions]),
  "bitmap:ip": { method: "bitmap", dims: ["ip"], family: "ipv4", createOptions: ["range", "netmask", ...extensions], nomatch: false, wildcard: false, optionalLastPart: false },
  "bitmap:port": { method: "bitmap", dims: ["port"], family: "none", createOptions: ["range", ...extensions], nomatch: false, wildcard: false, optionalLastPart: false },
  "bitmap:ip,mac": { method: "bitmap", dims: ["ip", "mac"], family: "ipv4", createOptions: ["range", ...extensions], nomatch: false, wildcard: false, optionalLastPart: true },
  "list:set": { method: "list", dims: ["set"], family: "none", createOptions: ["size", ...extensions], nomatch: false, wildcard: false, optionalLastPart: false },
};

/** The name of a set type (`hash:ip,port`). */
export function formatIpsetType(t: IpsetType): string {
  return `${t.method}:${t.dims.join(",")}`;
}

/** The known type a set type is, or undefined for a combination ipset does not have. */
export function ipsetTypeName(t: IpsetType): IpsetTypeName | undefined {
  const name = formatIpsetType(t);
  return Object.hasOwn(ipsetTypes, name) ? (name as IpsetTypeName) : undefined;
}

/** An inclusive IPv4 or IPv6 address range `FROM-TO`, both in canonical text. */
export interface IpsetAddressRange {
  readonly kind: "ip-range";
  readonly family: Family;
  readonly from: string;
  readonly to: string;
}

/** An inclusive port range `FROM-TO` (FROM equals TO for one port). */
export interface IpsetPortRange {
  readonly kind: "port-range";
  readonly from: number;
  readonly to: number;
}

/** A packet mark and mask, as `skbmark MARK/MASK` sets it (`mask` is 0xffffffff when only a mark is given). */
export interface IpsetSkbMark {
  readonly mark: number;
  readonly mask: number;
}

/** A traffic-control class `MAJOR:MINOR`, as `skbprio` sets it. */
export interface IpsetSkbPrio {
  readonly major: number;
  readonly minor: number;
}

/**
 * The options of a `create` line. Flags are always present (false when not given); valued options are
 * absent when not given. Which ones a set type takes is in {@link ipsetTypes}; the parser refuses others.
 *
 * @example
 * ```ts
 * const { value } = parseIpsetSave("create ssh hash:ip,port family inet timeout 600\nadd ssh 10.0.0.1,tcp:22 timeout 300\n");
 * const options: IpsetCreateOptions | undefined = value?.sets[0]?.options;
 * // { timeout: 600, counters: false, comment: false, forceadd: false, skbinfo: false }
 * ```
 */
export interface IpsetCreateOptions {
  /** bitmap:ip and bitmap:ip,mac: the address range the bitmap covers; bitmap:port: the port range. */
  readonly range?: IpsetAddressRange | IpsetPortRange;
  /** hash:ip,mark: the bits of the packet mark that count. */
  readonly markmask?: number;
  readonly hashsize?: number;
  readonly maxelem?: number;
  /** hash:ip, hash:ip,port, hash:net,net, bitmap:ip: store networks of this prefix length instead of hosts. */
  readonly netmask?: number;
  /** Like netmask, but any mask (canonical address text of the set's family). */
  readonly bitmask?: string;
  /** list:set: the size of the list (ignored by the kernel since ipset 6.24, still printed). */
  readonly size?: number;
  /** Default timeout of new members in seconds; present means the set supports timeouts (0 = permanent). */
  readonly timeout?: number;
  readonly counters: boolean;
  readonly comment: boolean;
  /** When full, adding evicts a random member. `ipset save` (v7.17) does not print it, so saved sets lose it. */
  readonly forceadd: boolean;
  readonly skbinfo: boolean;
  readonly bucketsize?: number;
  /** The hash seed the kernel chose; kept so a restore recreates the same set. */
  readonly initval?: number;
}

/**
 * A set: one `create` line and the members its `add` lines put in it.
 *
 * @example
 * ```ts
 * const { value } = parseIpsetSave("create ssh hash:ip,port family inet timeout 600\nadd ssh 10.0.0.1,tcp:22 timeout 300\n");
 * const set: IpsetSet | undefined = value?.sets[0];
 * set?.name; // "ssh"
 * set?.family; // "ipv4"
 * set?.options.timeout; // 600
 * ```
 */
export interface IpsetSet {
  readonly kind: "ipset";
  readonly name: string;
  readonly setType: IpsetType;
  /** The family of the addresses the set holds; absent for sets that hold none (hash:mac, bitmap:port, list:set). */
  readonly family?: Family;
  readonly options: IpsetCreateOptions;
  /** Members in the order the file adds them. */
  readonly members: readonly IpsetMember[];
  /** The `create` line. */
  readonly span: Span;
}

/**
 * An address or network (`10.0.0.1`, `10.0.0.0/8`). Host bits are cleared, and in a set with a netmask or
 * bitmask the address is ANDed with it, as the kernel stores it (`add s 10.0.4.7` in a `netmask 24` set is
 * `10.0.4.0`, length 32: the prefix length stays what was written).
 */
export interface IpsetIpPart {
  readonly kind: "ip";
  readonly address: PrefixAddress;
  readonly span: Span;
}

/** An IPv4 range `FROM-TO`; the kernel adds every address (hash:ip) or the covering networks (hash:net). */
export interface IpsetIpRangePart extends IpsetAddressRange {
  readonly span: Span;
}

/** The port protocols ipset stores with a port number. */
export type IpsetPortProtocol = "tcp" | "udp" | "sctp" | "udplite";

/** A port or port range, with its protocol (`udp:53`, `tcp:1-3`; hash types default to tcp). */
export interface IpsetPortPart {
  readonly kind: "port";
  /** Absent in bitmap:port sets, which store the number alone and match it for TCP and UDP alike. */
  readonly protocol?: IpsetPortProtocol;
  readonly from: number;
  readonly to: number;
  readonly span: Span;
}

/** An ICMP (`family` ipv4) or ICMPv6 (`family` ipv6) type and code, in place of a port. */
export interface IpsetIcmpPart {
  readonly kind: "icmp";
  readonly family: Family;
  readonly type: number;
  readonly code: number;
  readonly span: Span;
}

/** Any other protocol with pseudo-port 0 (`gre:0`, `vrrp:0`): matches the protocol alone. */
export interface IpsetProtocolPart {
  readonly kind: "protocol";
  /** The protocol number (never 0, 6, 17, 132, 136, 1 or 58, which have their own parts). */
  readonly protocol: number;
  readonly span: Span;
}

/** An interface name; `physdev` means the bridge port (`physdev:eth0`), else the in/out interface. */
export interface IpsetIfacePart {
  readonly kind: "iface";
  readonly name: string;
  readonly physdev: boolean;
  readonly span: Span;
}

/** A packet mark (hash:ip,mark), ANDed with the set's markmask as the kernel stores it. */
export interface IpsetMarkPart {
  readonly kind: "mark";
  readonly value: number;
  readonly span: Span;
}

/** A MAC address, canonical as ipset prints it: six upper-case two-digit hex bytes separated by `:`. */
export interface IpsetMacPart {
  readonly kind: "mac";
  readonly address: string;
  readonly span: Span;
}

/** The name of a member set of a list:set. */
export interface IpsetSetPart {
  readonly kind: "set";
  readonly name: string;
  readonly span: Span;
}

/**
 * One comma-separated part of a member.
 *
 * @example
 * ```ts
 * const show = (p: IpsetPart): string =>
 *   p.kind === "ip" ? `${p.address.address}/${p.address.length}` : p.kind === "port" ? `${p.protocol ?? "tcp"}:${p.from}` : p.kind;
 * ```
 */
export type IpsetPart = IpsetIpPart | IpsetIpRangePart | IpsetPortPart | IpsetIcmpPart | IpsetProtocolPart | IpsetIfacePart | IpsetMarkPart | IpsetMacPart | IpsetSetPart;

/**
 * The parts a dimension can hold: a member's `parts[i]` is one of `IpsetPartByDimension[setType.dims[i]]`.
 *
 * @example
 * ```ts
 * const portText = (p: IpsetPartByDimension["port"]): string => (p.kind === "port" ? `${p.from}-${p.to}` : p.kind);
 * ```
 */
export interface IpsetPartByDimension {
  readonly ip: IpsetIpPart | IpsetIpRangePart;
  readonly net: IpsetIpPart | IpsetIpRangePart;
  readonly port: IpsetPortPart | IpsetIcmpPart | IpsetProtocolPart;
  readonly iface: IpsetIfacePart;
  readonly mark: IpsetMarkPart;
  readonly mac: IpsetMacPart;
  readonly set: IpsetSetPart;
}

/** Where a list:set member goes relative to another member (`add LIST a before b`); restore files only. */
export interface IpsetListPosition {
  readonly relation: "before" | "after";
  readonly set: string;
}

/**
 * One `add` line: a member and its per-member options.
 *
 * @example
 * ```ts
 * const { value } = parseIpsetSave("create ssh hash:ip,port family inet timeout 600\nadd ssh 10.0.0.1,tcp:22 timeout 300\n");
 * const member: IpsetMember | undefined = value?.sets[0]?.members[0];
 * member?.timeout; // 300
 * member?.parts; // [{ kind: "ip", address: { address: "10.0.0.1", length: 32, ... } }, { kind: "port", protocol: "tcp", from: 22, to: 22, ... }]
 * ```
 */
export interface IpsetMember {
  readonly kind: "member";
  /** One part per dimension of the set's type (bitmap:ip,mac members may lack the MAC). */
  readonly parts: readonly IpsetPart[];
  /** Seconds left (as saved) or to keep the member; 0 = permanent. Only in sets created with a timeout. */
  readonly timeout?: number;
  /** The member is an exception: matching it means not matching the set. */
  readonly nomatch: boolean;
  /** hash:net,iface: the interface name is a prefix. */
  readonly wildcard: boolean;
  readonly packets?: bigint;
  readonly bytes?: bigint;
  readonly comment?: string;
  readonly skbmark?: IpsetSkbMark;
  readonly skbprio?: IpsetSkbPrio;
  readonly skbqueue?: number;
  readonly position?: IpsetListPosition;
  /** The `add` line. */
  readonly span: Span;
}

/**
 * A whole `ipset save` dump: its sets, in the order they were created.
 *
 * @example
 * ```ts
 * const { value } = parseIpsetSave(text, { file: "ipset-save.txt" });
 * const save: IpsetSave | undefined = value;
 * save?.sets.map((s) => `${s.name}: ${s.members.length} members`);
 * ```
 */
export interface IpsetSave {
  readonly kind: "ipset-save";
  readonly sets: readonly IpsetSet[];
  readonly span: Span;
}

/** ICMP type/code names ipset accepts and prints (lib/icmp.c), first name per type/code is the printed one. */
export const ipsetIcmpNames: readonly (readonly [name: string, type: number, code: number])[] = [
  ["echo-reply", 0, 0],
  ["pong", 0, 0],
  ["network-unreachable", 3, 0],
  ["host-unreachable", 3, 1],
  ["protocol-unreachable", 3, 2],
  ["port-unreachable", 3, 3],
  ["fragmentation-needed", 3, 4],
  ["source-route-failed", 3, 5],
  ["network-unknown", 3, 6],
  ["host-unknown", 3, 7],
  ["network-prohibited", 3, 9],
  ["host-prohibited", 3, 10],
  ["TOS-network-unreachable", 3, 11],
  ["TOS-host-unreachable", 3, 12],
  ["communication-prohibited", 3, 13],
  ["host-precedence-violation", 3, 14],
  ["precedence-cutoff", 3, 15],
  ["source-quench", 4, 0],
  ["network-redirect", 5, 0],
  ["host-redirect", 5, 1],
  ["TOS-network-redirect", 5, 2],
  ["TOS-host-redirect", 5, 3],
  ["echo-request", 8, 0],
  ["ping", 8, 0],
  ["router-advertisement", 9, 0],
  ["router-solicitation", 10, 0],
  ["ttl-zero-during-transit", 11, 0],
  ["ttl-zero-during-reassembly", 11, 1],
  ["ip-header-bad", 12, 0],
  ["required-option-missing", 12, 1],
  ["timestamp-request", 13, 0],
  ["timestamp-reply", 14, 0],
  ["address-mask-request", 17, 0],
  ["address-mask-reply", 18, 0],
];

/** ICMPv6 type/code names ipset accepts and prints (lib/icmpv6.c), first name per type/code is the printed one. */
export const ipsetIcmpv6Names: readonly (readonly [name: string, type: number, code: number])[] = [
  ["no-route", 1, 0],
  ["communication-prohibited", 1, 1],
  ["address-unreachable", 1, 3],
  ["port-unreachable", 1, 4],
  ["packet-too-big", 2, 0],
  ["ttl-zero-during-transit", 3, 0],
  ["ttl-zero-during-reassembly", 3, 1],
  ["bad-header", 4, 0],
  ["unknown-header-type", 4, 1],
  ["unknown-option", 4, 2],
  ["echo-request", 128, 0],
  ["ping", 128, 0],
  ["echo-reply", 129, 0],
  ["pong", 129, 0],
  ["router-solicitation", 133, 0],
  ["router-advertisement", 134, 0],
  ["neighbour-solicitation", 135, 0],
  ["neigbour-solicitation", 135, 0],
  ["neighbour-advertisement", 136, 0],
  ["neigbour-advertisement", 136, 0],
  ["redirect", 137, 0],
];
