/**
 * Values of the nft evaluator: what selectors read from a packet (typed integers with the bits the packet
 * model knows, strings, concatenations, verdicts), the constants of a ruleset parsed by the type of what they
 * are compared with (nft's datatypes: `established`, `cs1`, `10.0.0.0/8`, `"eth*"`), and the comparisons nft
 * compiles them to (`cmp`, `range`, bitmask tests, set lookups).
 *
 * Integers carry a `known` mask: the packet model has no IP id, TCP sequence or checksums, so a read of such
 * bits is known to be unknown, and only a comparison that depends on them is refused (a mask such as
 * `ip frag-off & 0x1fff` drops the unknown DF bit first).
 * @module
 */
import type { NftDataType, NftExpr, NftVerdict } from "../nft/index.js";
import { addressValue, formatAddress, type Rational, rational } from "./common.js";

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

/** nft datatypes the evaluator knows: the set key types plus the ones only selectors have. */
export type NftTypeName =
  | NftDataType
  | "integer"
  | "string"
  | "fib_addrtype"
  | "ct_event"
  | "dccp_pkttype"
  | "iface_kind"
  | "ct_helper"
  | "expiration"
  | "verdict";

/** A scalar datatype and its width in bits (0 for strings). */
export interface NftScalarType {
  readonly kind: "scalar";
  readonly name: NftTypeName;
  readonly bits: number;
}

/** The type of a concatenation `a . b`. */
export interface NftConcatType {
  readonly kind: "concat";
  readonly parts: readonly NftScalarType[];
}

/** The type of an expression: one datatype or a concatenation of them. */
export type NftType = NftScalarType | NftConcatType;

/** A scalar type. */
export function scalar(name: NftTypeName, bits: number): NftScalarType {
  return { kind: "scalar", name, bits };
}

/** Width of each named datatype (nft's own; `integer` and `string` take theirs from the selector). */
const dataTypeBits: Readonly<Record<NftDataType, number>> = {
  ipv4_addr: 32,
  ipv6_addr: 128,
  ether_addr: 48,
  inet_proto: 8,
  inet_service: 16,
  mark: 32,
  ifname: 0,
  iface_index: 0,
  iface_type: 16,
  realm: 32,
  classid: 32,
  devgroup: 32,
  uid: 32,
  gid: 32,
  pkt_type: 8,
  nf_proto: 8,
  ether_type: 16,
  tcp_flag: 8,
  icmp_type: 8,
  icmp_code: 8,
  icmpv6_type: 8,
  icmpv6_code: 8,
  icmpx_code: 8,
  dscp: 6,
  ecn: 2,
  ct_state: 32,
  ct_status: 32,
  ct_dir: 8,
  ct_label: 128,
  time: 64,
  day: 8,
  hour: 32,
  boolean: 1,
};

/** The scalar type of a set key or map value datatype. */
export function dataType(name: NftDataType): NftScalarType {
  return scalar(name, dataTypeBits[name]);
}

/** The type of a named set's key: one datatype, or their concatenation. */
export function setKeyType(types: readonly NftDataType[]): NftType {
  const [only] = types;
  return types.length === 1 && only !== undefined ? dataType(only) : { kind: "concat", parts: types.map(dataType) };
}

/** Datatypes nft treats as bitmasks: the implicit operator tests "any of these bits" (`ct state established`). */
export function isBitmask(type: NftType): boolean {
  return type.kind === "scalar" && (type.name === "ct_state" || type.name === "ct_status" || type.name === "tcp_flag" || type.name === "ct_label" || type.name === "ct_event");
}

/** Types compared as strings (interface names, helper names): nft's string datatype. */
export function isStringType(type: NftScalarType): boolean {
  return type.bits === 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------------------

/** An integer of `type.bits` bits; bits outside `known` are not in the packet model. */
export interface NftInt {
  readonly kind: "int";
  readonly type: NftScalarType;
  readonly value: bigint;
  readonly known: bigint;
}

/** A string (interface, helper or kind name). */
export interface NftStr {
  readonly kind: "string";
  readonly type: NftScalarType;
  readonly value: string;
}

/** Values read into one concatenated key. */
export interface NftConcatValue {
  readonly kind: "concat";
  readonly parts: readonly NftValue[];
}

/** A verdict, as verdict maps hold them. */
export interface NftVerdictValue {
  readonly kind: "verdict";
  readonly verdict: NftVerdict;
}

/** An inclusive interval of integers, as a map may hold for NAT (`10.0.0.1 : 192.168.0.1-192.168.0.9`). */
export interface NftIntervalValue {
  readonly kind: "interval";
  readonly type: NftScalarType;
  readonly low: bigint;
  readonly high: bigint;
}

/**
 * `meta random`, possibly masked: a uniform 32-bit number kept symbolic, so a comparison with it has an exact
 * probability instead of a sampled outcome.
 */
export interface NftRandomValue {
  readonly kind: "random";
  readonly mask: bigint;
}

/** What an expression evaluates to. */
export type NftValue = NftInt | NftStr | NftConcatValue | NftVerdictValue | NftIntervalValue | NftRandomValue;

/** All ones in `bits` bits. */
export function ones(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

/** A fully known integer. */
export function intValue(type: NftScalarType, value: bigint | number): NftInt {
  const all = ones(type.bits);
  return { kind: "int", type, value: BigInt(value) & all, known: all };
}

/** An integer whose bits are all unknown. */
export function unknownInt(type: NftScalarType): NftInt {
  return { kind: "int", type, value: 0n, known: 0n };
}

/** A string value. */
export function strValue(type: NftScalarType, value: string): NftStr {
  return { kind: "string", type, value };
}

/** Whether every bit of `v` selected by `mask` is known. */
export function knownUnder(v: NftInt, mask: bigint): boolean {
  return (v.known & mask) === mask;
}

// ---------------------------------------------------------------------------------------------------------------
// Patterns: the right sides of comparisons and the elements of sets
// ---------------------------------------------------------------------------------------------------------------

/**
 * What a value is compared with: one value, an inclusive integer interval (ranges and prefixes), an interface
 * name with nft's trailing `*` wildcard, or a concatenation of these (set elements of concatenated keys).
 */
export type NftPattern =
  | { readonly kind: "value"; readonly value: NftValue }
  | { readonly kind: "interval"; readonly low: bigint; readonly high: bigint }
  | { readonly kind: "string prefix"; readonly prefix: string }
  | { readonly kind: "concat"; readonly parts: readonly NftPattern[] };

/** A constant nft would refuse or the evaluator cannot read; carries why. */
export class NftConstantError extends Error {
  /** The constant as written. */
  readonly constant: string;
  constructor(constant: string, message: string) {
    super(message);
    this.constant = constant;
  }
}

// Symbolic constants of nft 1.0.6 (`nft describe <expr>` lists them).
const symbolTables: Partial<Readonly<Record<NftTypeName, Readonly<Record<string, number>>>>> = {
  inet_proto: {
    hopopt: 0, icmp: 1, igmp: 2, ggp: 3, ipencap: 4, st: 5, tcp: 6, egp: 8, igp: 9, pup: 12, udp: 17, hmp: 20, "xns-idp": 22,
    rdp: 27, "iso-tp4": 29, dccp: 33, xtp: 36, ddp: 37, "idpr-cmtp": 38, ipv6: 41, "ipv6-route": 43, "ipv6-frag": 44,
    idrp: 45, rsvp: 46, gre: 47, esp: 50, ah: 51, skip: 57, icmpv6: 58, "ipv6-icmp": 58, "ipv6-nonxt": 59,
    "ipv6-opts": 60, rspf: 73, vmtp: 81, eigrp: 88, ospf: 89, "ax.25": 93, ipip: 94, etherip: 97, encap: 98, pim: 103,
    ipcomp: 108, vrrp: 112, l2tp: 115, isis: 124, sctp: 132, fc: 133, "mobility-header": 135, udplite: 136,
    "mpls-in-ip": 137, manet: 138, hip: 139, shim6: 140, wesp: 141, rohc: 142, ethernet: 143,
  },
  inet_service: {
    ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, tftp: 69, http: 80, pop3: 110, ntp: 123, imap: 143, snmp: 161,
    ldap: 389, https: 443, submission: 587, imaps: 993, pop3s: 995,
  },
  pkt_type: { host: 0, unicast: 0, broadcast: 1, multicast: 2, other: 3 },
  nf_proto: { ipv4: 2, ipv6: 10 },
  ether_type: { ip: 0x0800, arp: 0x0806, ip6: 0x86dd, "8021q": 0x8100, "8021ad": 0x88a8, vlan: 0x8100 },
  tcp_flag: { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10, urg: 0x20, ecn: 0x40, cwr: 0x80 },
  icmp_type: {
    "echo-reply": 0, "destination-unreachable": 3, "source-quench": 4, redirect: 5, "echo-request": 8,
    "router-advertisement": 9, "router-solicitation": 10, "time-exceeded": 11, "parameter-problem": 12,
    "timestamp-request": 13, "timestamp-reply": 14, "info-request": 15, "info-reply": 16, "address-mask-request": 17,
    "address-mask-reply": 18,
  },
  icmp_code: {
    "net-unreachable": 0, "host-unreachable": 1, "prot-unreachable": 2, "port-unreachable": 3, "frag-needed": 4,
    "net-prohibited": 9, "host-prohibited": 10, "admin-prohibited": 13,
  },
  icmpv6_type: {
    "destination-unreachable": 1, "packet-too-big": 2, "time-exceeded": 3, "parameter-problem": 4, "echo-request": 128,
    "echo-reply": 129, "mld-listener-query": 130, "mld-listener-report": 131, "mld-listener-done": 132,
    "mld-listener-reduction": 132, "nd-router-solicit": 133, "nd-router-advert": 134, "nd-neighbor-solicit": 135,
    "nd-neighbor-advert": 136, "nd-redirect": 137, "router-renumbering": 138, "ind-neighbor-solicit": 141,
    "ind-neighbor-advert": 142, "mld2-listener-report": 143,
  },
  icmpv6_code: { "no-route": 0, "admin-prohibited": 1, "addr-unreachable": 3, "port-unreachable": 4, "policy-fail": 5, "reject-route": 6 },
  icmpx_code: { "no-route": 0, "port-unreachable": 1, "host-unreachable": 2, "admin-prohibited": 3 },
  dscp: {
    cs0: 0x00, cs1: 0x08, cs2: 0x10, cs3: 0x18, cs4: 0x20, cs5: 0x28, cs6: 0x30, cs7: 0x38, df: 0x00, be: 0x00, lephb: 0x01,
    af11: 0x0a, af12: 0x0c, af13: 0x0e, af21: 0x12, af22: 0x14, af23: 0x16, af31: 0x1a, af32: 0x1c, af33: 0x1e,
    af41: 0x22, af42: 0x24, af43: 0x26, va: 0x2c, ef: 0x2e,
  },
  ecn: { "not-ect": 0, ect1: 1, ect0: 2, ce: 3 },
  ct_state: { invalid: 0x01, established: 0x02, related: 0x04, new: 0x08, untracked: 0x40 },
  ct_status: { expected: 0x01, "seen-reply": 0x02, assured: 0x04, confirmed: 0x08, snat: 0x10, dnat: 0x20, dying: 0x200 },
  ct_dir: { original: 0, reply: 1 },
  ct_event: {
    new: 0x1, related: 0x2, destroy: 0x4, reply: 0x8, assured: 0x10, protoinfo: 0x20, helper: 0x40, mark: 0x80,
    seqadj: 0x100, secmark: 0x200, label: 0x400,
  },
  fib_addrtype: { unspec: 0, unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8 },
  day: { sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6, sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 },
  iface_type: { ether: 0x1, ppp: 0x200, ipip: 0x300, ipip6: 0x301, loopback: 0x304, sit: 0x308, ipgre: 0x30a },
  dccp_pkttype: { request: 0, response: 1, data: 2, ack: 3, dataack: 4, closereq: 5, close: 6, reset: 7, sync: 8, syncack: 9 },
  devgroup: { default: 0 },
  boolean: { exists: 1, missing: 0, true: 1, false: 0 },
};

/** A decimal or `0x` hexadecimal integer, or undefined. */
export function parseInteger(text: string): bigint | undefined {
  if (/^[0-9]+$/.test(text)) return BigInt(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return BigInt(text);
  return undefined;
}

/** `1h2m3s500ms` (days, hours, minutes, seconds, milliseconds) as milliseconds. */
export function parseDuration(text: string): bigint | undefined {
  const re = /([0-9]+)(ms|d|h|m|s)/gy;
  let total = 0n;
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const [, count = "0", unit = "s"] = m;
    const per = unit === "ms" ? 1n : unit === "s" ? 1000n : unit === "m" ? 60_000n : unit === "h" ? 3_600_000n : 86_400_000n;
    total += BigInt(count) * per;
    at = re.lastIndex;
  }
  return at === text.length && text.length > 0 ? total : undefined;
}

/** `17:30` or `17:30:15` as seconds after midnight. */
function parseHour(text: string): bigint | undefined {
  const m = /^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$/.exec(text);
  if (m === null) return undefined;
  const [, h = "0", min = "0", s = "0"] = m;
  const value = Number(h) * 3600 + Number(min) * 60 + Number(s);
  return Number(h) < 24 && Number(min) < 60 && Number(s) < 60 ? BigInt(value) : undefined;
}

/** nft's date: seconds since the epoch, or `YYYY-MM-DD[ HH:MM[:SS]]` (UTC), as nanoseconds. */
function parseDate(text: string): bigint | undefined {
  const seconds = parseInteger(text);
  if (seconds !== undefined) return seconds * 1_000_000_000n;
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?: ([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?$/.exec(text);
  if (m === null) return undefined;
  const [, y = "0", mo = "1", d = "1", h = "0", mi = "0", s = "0"] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
}

/** A MAC address `aa:bb:cc:dd:ee:ff` as a 48-bit integer. */
export function parseMac(text: string): bigint | undefined {
  if (!/^([0-9a-f]{1,2}:){5}[0-9a-f]{1,2}$/i.test(text)) return undefined;
  return text.split(":").reduce((acc, b) => (acc << 8n) | BigInt(parseInt(b, 16)), 0n);
}

/** A 48-bit integer as `aa:bb:cc:dd:ee:ff`. */
export function formatMac(value: bigint): string {
  const bytes: string[] = [];
  for (let i = 5; i >= 0; i--) bytes.push(((value >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, "0"));
  return bytes.join(":");
}

/** A symbol or quoted string as an integer of `type`, or undefined when nft's datatype does not read it. */
function parseScalarText(text: string, type: NftScalarType): bigint | undefined {
  const name = type.name;
  if (name === "ipv4_addr" || name === "ipv6_addr") {
    const a = addressValue(text);
    if (a === undefined) return undefined;
    return (a.family === "ipv4") === (name === "ipv4_addr") ? a.value : undefined;
  }
  if (name === "ether_addr") return parseMac(text);
  if (name === "hour") return parseHour(text) ?? parseInteger(text);
  if (name === "time") return parseDate(text);
  if (name === "expiration") return parseDuration(text);
  if (name === "classid") {
    if (text === "none") return 0n;
    if (text === "root") return 0xffffffffn;
    const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(text);
    if (m !== null) return (BigInt(`0x${m[1] ?? "0"}`) << 16n) | BigInt(`0x${m[2] ?? "0"}`);
    return parseInteger(text);
  }
  if (name === "ct_label") {
    // A label is a bit number (or a name from connlabel.conf, which the model does not have).
    const bit = parseInteger(text);
    return bit !== undefined && bit < 128n ? 1n << bit : undefined;
  }
  const named = symbolTables[name]?.[name === "day" ? text.toLowerCase() : text];
  return named !== undefined ? BigInt(named) : parseInteger(text);
}

function exprText(e: NftExpr): string {
  if (e.kind === "symbol" || e.kind === "string") return e.value;
  if (e.kind === "number") return String(e.value);
  return e.kind;
}

/** A constant integer of `type` (number, symbol, quoted string or boolean). */
export function constantInt(e: NftExpr, type: NftScalarType): bigint {
  let value: bigint | undefined;
  if (e.kind === "number") value = BigInt(e.value);
  else if (e.kind === "boolean") value = e.value ? 1n : 0n;
  else if (e.kind === "symbol" || e.kind === "string") value = parseScalarText(e.value, type);
  // A flag list is the OR of its flags (nft folds `syn,ack` into one value).
  else if (e.kind === "list") value = e.values.reduce((acc, v) => acc | constantInt(v, type), 0n);
  else throw new NftConstantError(e.kind, `a ${e.kind} expression is not a constant of type ${type.name}`);
  if (value === undefined) throw new NftConstantError(exprText(e), `"${exprText(e)}" is not a ${type.name} the evaluator can read`);
  if (value < 0n || value > ones(type.bits === 0 ? 128 : type.bits)) throw new NftConstantError(exprText(e), `${value} does not fit the ${type.bits} bits of ${type.name}`);
  return value;
}

/** A constant of a string type: an exact name, or a prefix when it ends in nft's `*` wildcard (`\*` is literal). */
function stringPattern(e: NftExpr, type: NftScalarType): NftPattern {
  if (e.kind !== "string" && e.kind !== "symbol") throw new NftConstantError(exprText(e), `a ${e.kind} is not a ${type.name}`);
  const text = e.value;
  if (text.endsWith("\\*")) return { kind: "value", value: strValue(type, `${text.slice(0, -2)}*`) };
  if (text.endsWith("*") && type.name !== "ct_helper") return { kind: "string prefix", prefix: text.slice(0, -1) };
  return { kind: "value", value: strValue(type, text) };
}

/**
 * A constant as the right side of a comparison or a set element, read with the type of the other side: a
 * value, a prefix or range (an interval), a wildcard name, an element with attributes, or a concatenation.
 */
export function constantPattern(e: NftExpr, type: NftType): NftPattern {
  if (e.kind === "elem") return constantPattern(e.val, type);
  if (type.kind === "concat") {
    if (e.kind !== "concat" || e.exprs.length !== type.parts.length) throw new NftConstantError(exprText(e), `expected a concatenation of ${type.parts.length} values`);
    return { kind: "concat", parts: e.exprs.map((x, i) => constantPattern(x, type.parts[i] ?? scalar("integer", 32))) };
  }
  if (isStringType(type)) return stringPattern(e, type);
  if (e.kind === "prefix") {
    const base = constantInt({ kind: "symbol", value: e.addr }, type);
    if (e.len < 0 || e.len > type.bits) throw new NftConstantError(`${e.addr}/${e.len}`, `prefix length ${e.len} exceeds ${type.bits} bits`);
    const host = ones(type.bits - e.len);
    return { kind: "interval", low: base & ~host, high: (base & ~host) | host };
  }
  if (e.kind === "range") return { kind: "interval", low: constantInt(e.low, type), high: constantInt(e.high, type) };
  return { kind: "value", value: intValue(type, constantInt(e, type)) };
}

/** A constant that must be one value (the right side of `<`, a value to set). */
export function constantValue(e: NftExpr, type: NftType): NftValue {
  const p = constantPattern(e, type);
  if (p.kind === "value") return p.value;
  if (p.kind === "interval" && type.kind === "scalar") return { kind: "interval", type, low: p.low, high: p.high };
  if (p.kind === "concat") {
    const parts = p.parts.map((part, i): NftValue => {
      const t = type.kind === "concat" ? type.parts[i] : undefined;
      if (part.kind === "value") return part.value;
      if (part.kind === "interval" && t !== undefined) return { kind: "interval", type: t, low: part.low, high: part.high };
      throw new NftConstantError(exprText(e), "a concatenation of values was expected");
    });
    return { kind: "concat", parts };
  }
  throw new NftConstantError(exprText(e), "one value was expected, not a wildcard");
}

// ---------------------------------------------------------------------------------------------------------------
// Comparisons
// ---------------------------------------------------------------------------------------------------------------

/** A comparison that needs bits the packet model does not have. */
export class NftUnknownBitsError extends Error {}

function fullInt(v: NftInt): bigint {
  if (!knownUnder(v, ones(v.type.bits))) throw new NftUnknownBitsError(`the comparison reads bits of ${v.type.name} the packet model does not know`);
  return v.value;
}

/** Whether `v` matches `p` (equality, interval membership, wildcard name). */
export function matchesPattern(v: NftValue, p: NftPattern): boolean {
  switch (p.kind) {
    case "value":
      return valuesEqual(v, p.value);
    case "interval": {
      if (v.kind !== "int") return false;
      const x = fullInt(v);
      return p.low <= x && x <= p.high;
    }
    case "string prefix":
      return v.kind === "string" && v.value.startsWith(p.prefix);
    case "concat":
      return v.kind === "concat" && v.parts.length === p.parts.length && p.parts.every((part, i) => {
        const x = v.parts[i];
        return x !== undefined && matchesPattern(x, part);
      });
    default:
      return assertNeverPattern(p);
  }
}

/** Whether two values are equal (integers by value, strings exactly, concatenations part by part). */
export function valuesEqual(a: NftValue, b: NftValue): boolean {
  if (a.kind === "int" && b.kind === "int") return fullInt(a) === fullInt(b);
  if (a.kind === "string" && b.kind === "string") return a.value === b.value;
  if (a.kind === "concat" && b.kind === "concat") {
    return a.parts.length === b.parts.length && a.parts.every((x, i) => {
      const y = b.parts[i];
      return y !== undefined && valuesEqual(x, y);
    });
  }
  if (a.kind === "interval" && b.kind === "int") return matchesPattern(b, { kind: "interval", low: a.low, high: a.high });
  if (a.kind === "int" && b.kind === "interval") return matchesPattern(a, { kind: "interval", low: b.low, high: b.high });
  return false;
}

/** `v & mask != 0`: nft's bitmask test (the implicit operator on `ct state`, `tcp flags`). */
export function anyBitSet(v: NftValue, mask: bigint): boolean {
  if (v.kind !== "int") return false;
  if (!knownUnder(v, mask)) throw new NftUnknownBitsError(`the flag test reads bits of ${v.type.name} the packet model does not know`);
  return (v.value & mask) !== 0n;
}

/** `v OP c` for the ordering operators, unsigned. */
export function compareOrdered(v: NftValue, op: "<" | ">" | "<=" | ">=", c: bigint): boolean {
  if (v.kind !== "int") return false;
  const x = fullInt(v);
  switch (op) {
    case "<":
      return x < c;
    case ">":
      return x > c;
    case "<=":
      return x <= c;
    case ">=":
      return x >= c;
    default:
      return assertNeverOp(op);
  }
}

/** A canonical text for a value: the key of a set element in the evaluation state. */
export function valueKey(v: NftValue): string {
  switch (v.kind) {
    case "int":
      if (v.type.name === "ipv4_addr") return formatAddress("ipv4", v.value);
      if (v.type.name === "ipv6_addr") return formatAddress("ipv6", v.value);
      if (v.type.name === "ether_addr") return formatMac(v.value);
      return v.value.toString();
    case "string":
      return v.value;
    case "concat":
      return v.parts.map(valueKey).join(",");
    case "verdict":
      return v.verdict.kind === "jump" || v.verdict.kind === "goto" ? `${v.verdict.kind} ${v.verdict.target}` : v.verdict.kind;
    case "interval":
      return `${v.low.toString()}-${v.high.toString()}`;
    case "random":
      return "random";
    default:
      return assertNeverValue(v);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Exact probabilities of `meta random` comparisons
// ---------------------------------------------------------------------------------------------------------------

function popcount(x: bigint): number {
  let n = 0;
  for (let y = x; y !== 0n; y >>= 1n) if ((y & 1n) === 1n) n++;
  return n;
}

/** How many `y` with only bits of `mask` (32 bits) are below `t`. */
function countBelow(mask: bigint, t: bigint): bigint {
  if (t <= 0n) return 0n;
  if (t > 0xffffffffn) return 1n << BigInt(popcount(mask));
  let count = 0n;
  for (let bit = 31; bit >= 0; bit--) {
    const b = 1n << BigInt(bit);
    const lower = BigInt(popcount(mask & (b - 1n)));
    if ((t & b) !== 0n) {
      // y's bit 0 here is below t whatever the lower bits are.
      count += 1n << lower;
      // y cannot have this bit: every completion is already counted.
      if ((mask & b) === 0n) return count;
    } else if ((mask & b) === 0n) {
      continue;
    }
    // t's bit is 0 and y may only take 0 to stay at or below t; or t's bit is 1 and y takes 1: go on.
  }
  return count;
}

/**
 * The probability that `(r & mask)` satisfies a comparison, `r` uniform over 32-bit numbers (nft's
 * `get_random_u32()`): exact, as a count of the `2^popcount(mask)` equally likely masked values.
 */
export function randomProbability(mask: bigint, test: { readonly op: "==" | "!=" | "<" | ">" | "<=" | ">="; readonly value: bigint } | { readonly op: "intervals"; readonly intervals: readonly (readonly [bigint, bigint])[] }): Rational {
  const total = 1n << BigInt(popcount(mask));
  const below = (t: bigint): bigint => countBelow(mask, t);
  const atMost = (t: bigint): bigint => below(t + 1n);
  let count: bigint;
  switch (test.op) {
    case "==":
      count = (test.value & ~mask) === 0n ? 1n : 0n;
      break;
    case "!=":
      count = total - ((test.value & ~mask) === 0n ? 1n : 0n);
      break;
    case "<":
      count = below(test.value);
      break;
    case "<=":
      count = atMost(test.value);
      break;
    case ">":
      count = total - atMost(test.value);
      break;
    case ">=":
      count = total - below(test.value);
      break;
    case "intervals": {
      // Merge overlapping intervals so each masked value counts once.
      const sorted = [...test.intervals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const merged: [bigint, bigint][] = [];
      for (const [lo, hi] of sorted) {
        const last = merged[merged.length - 1];
        if (last !== undefined && lo <= last[1] + 1n) last[1] = hi > last[1] ? hi : last[1];
        else merged.push([lo, hi]);
      }
      count = merged.reduce((acc, [lo, hi]) => acc + atMost(hi) - below(lo), 0n);
      break;
    }
    default:
      return assertNeverTest(test);
  }
  return rational(count, total);
}

/**
 * The exact distribution of `numgen random mod n`: the kernel scales a uniform 32-bit number with
 * `reciprocal_scale(r, n) = (r * n) >> 32`, so value `k` has `ceil((k+1)·2^32/n) - ceil(k·2^32/n)` of the 2^32
 * inputs (equal shares only when n divides 2^32).
 */
export function numgenRandomWeights(n: number): readonly Rational[] {
  const space = 1n << 32n;
  const bn = BigInt(n);
  const ceilDiv = (a: bigint): bigint => (a + bn - 1n) / bn;
  return Array.from({ length: n }, (_, k) => rational(ceilDiv(BigInt(k + 1) * space) - ceilDiv(BigInt(k) * space), space));
}

function assertNeverPattern(x: never): never {
  throw new Error(`unhandled pattern ${JSON.stringify(x)}`);
}
function assertNeverOp(x: never): never {
  throw new Error(`unhandled operator ${String(x)}`);
}
function assertNeverValue(x: never): never {
  throw new Error(`unhandled value ${String(x)}`);
}
function assertNeverTest(x: never): never {
  throw new Error(`unhandled test ${String(x)}`);
}
