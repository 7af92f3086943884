/**
 * Layer-4 protocol and IPsec header matches: tcp, udp, sctp, dccp, icmp, icmp6, mh, esp, ah, ipcomp (and
 * their implicit loading by `-p`).
 * @module
 */
import type { Family } from "../address.js";
import { type NumberRange, flag, keywordList, keywordSet, pair, parseRange, parseUnsigned, portRange, unsigned, unsignedRange } from "../codecs.js";
import { type Codec, CodecError, type NodeOf, exactlyOne, moduleSchema, option } from "../schema.js";

/** TCP flag names as `--tcp-flags` takes them; ALL and NONE are shorthands expanded by the codec. */
export const tcpFlagNames = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "ALL", "NONE"] as const;
/** One TCP flag keyword. */
export type TcpFlagName = (typeof tcpFlagNames)[number];

const tcpFlagList = keywordList(tcpFlagNames, "TCP flag");

/** `-m tcp`: ports, flags, options. */
export const tcpSchema = moduleSchema({
  name: "tcp",
  protocols: [6],
  options: {
    sport: option(["--sport", "--source-port"], portRange, "negatable"),
    dport: option(["--dport", "--destination-port"], portRange, "negatable"),
    tcpFlags: option(["--tcp-flags"], pair(tcpFlagList, tcpFlagList, "MASK COMP, two comma-separated lists of TCP flags"), "negatable"),
    syn: option(["--syn"], flag, "negatable"),
    tcpOption: option(["--tcp-option"], unsigned(0, 255), "negatable"),
  },
  check: (n) => (n.syn !== undefined && n.tcpFlags !== undefined ? [{ option: "syn", message: "--syn cannot be combined with --tcp-flags" }] : []),
});
/** A `-m tcp` match. */
export type TcpMatch = NodeOf<typeof tcpSchema>;

/** `-m udp`: ports. */
export const udpSchema = moduleSchema({
  name: "udp",
  protocols: [17],
  options: {
    sport: option(["--sport", "--source-port"], portRange, "negatable"),
    dport: option(["--dport", "--destination-port"], portRange, "negatable"),
  },
});
/** A `-m udp` match. */
export type UdpMatch = NodeOf<typeof udpSchema>;

/** Wraps a codec so that it refuses to parse in the other family: the option exists only in `family`'s module. */
function onlyIn<T>(family: Family, codec: Codec<T>, what: string): Codec<T> {
  return {
    ...codec,
    parse: (args, cx) => (cx.family !== undefined && cx.family !== family ? new CodecError(`${what} exists only in ${family === "ipv6" ? "ip6tables" : "iptables"}`) : codec.parse(args, cx)),
  };
}

// ---------------------------------------------------------------- sctp

/** A chunk flag letter: I, U, B, E (DATA, I_DATA) or T (ABORT, SHUTDOWN_COMPLETE). */
export type SctpChunkFlagLetter = "I" | "U" | "B" | "E" | "T";
const dataFlags: readonly SctpChunkFlagLetter[] = ["I", "U", "B", "E"];
const endFlags: readonly SctpChunkFlagLetter[] = ["T"];
const noFlags: readonly SctpChunkFlagLetter[] = [];

/**
 * SCTP chunk types as libxt_sctp names them, in chunk-type order (the order iptables-save prints them, since
 * the kernel keeps a bitmap), with the flag letters each one may carry.
 */
export const sctpChunkTypes = [
  { name: "DATA", type: 0, flags: dataFlags },
  { name: "INIT", type: 1, flags: noFlags },
  { name: "INIT_ACK", type: 2, flags: noFlags },
  { name: "SACK", type: 3, flags: noFlags },
  { name: "HEARTBEAT", type: 4, flags: noFlags },
  { name: "HEARTBEAT_ACK", type: 5, flags: noFlags },
  { name: "ABORT", type: 6, flags: endFlags },
  { name: "SHUTDOWN", type: 7, flags: noFlags },
  { name: "SHUTDOWN_ACK", type: 8, flags: noFlags },
  { name: "ERROR", type: 9, flags: noFlags },
  { name: "COOKIE_ECHO", type: 10, flags: noFlags },
  { name: "COOKIE_ACK", type: 11, flags: noFlags },
  { name: "ECN_ECNE", type: 12, flags: noFlags },
  { name: "ECN_CWR", type: 13, flags: noFlags },
  { name: "SHUTDOWN_COMPLETE", type: 14, flags: endFlags },
  { name: "I_DATA", type: 64, flags: dataFlags },
  { name: "ASCONF_ACK", type: 128, flags: noFlags },
  { name: "RE_CONFIG", type: 130, flags: noFlags },
  { name: "PAD", type: 132, flags: noFlags },
  { name: "FORWARD_TSN", type: 192, flags: noFlags },
  { name: "ASCONF", type: 193, flags: noFlags },
  { name: "I_FORWARD_TSN", type: 194, flags: noFlags },
] as const;
/** One SCTP chunk type name. */
export type SctpChunkName = (typeof sctpChunkTypes)[number]["name"];

/** A chunk flag the match tests: `set` when written in upper case (flag must be on), else it must be off. */
export interface SctpChunkFlag {
  readonly letter: SctpChunkFlagLetter;
  readonly set: boolean;
}

/** A chunk type in `--chunk-types`, with the flags it tests in the order libxt_sctp lists them. */
export interface SctpChunk {
  readonly name: SctpChunkName;
  readonly flags: readonly SctpChunkFlag[];
}

/**
 * `--chunk-types {all|any|only} CHUNKS`: the chunk list in chunk-type order without duplicates, or the
 * shorthands `ALL` (every one of the 256 types) and `NONE` (an empty map).
 */
export interface SctpChunkTypes {
  readonly matchType: "all" | "any" | "only";
  readonly chunks: readonly SctpChunk[] | "ALL" | "NONE";
}

const sctpMatchTypes = ["all", "any", "only"] as const;

/** Parses the chunk list as libxt_sctp does: names case-insensitively, flags merged per chunk. */
function parseSctpChunkList(text: string): SctpChunkTypes["chunks"] | CodecError {
  if (text.toUpperCase() === "ALL") return "ALL";
  if (text.toUpperCase() === "NONE") return "NONE";
  // Per chunk: which flags are tested and which must be set. libxt_sctp ORs both bitmaps, so once a letter
  // was written in upper case it stays "set" even if a lower-case one follows ("T,t" tests T set).
  const seen = new Map<SctpChunkName, Map<SctpChunkFlagLetter, boolean>>();
  for (const part of text.split(",")) {
    const colon = part.indexOf(":");
    const nameText = colon === -1 ? part : part.slice(0, colon);
    const letters = colon === -1 ? "" : part.slice(colon + 1);
    const entry = sctpChunkTypes.find((c) => c.name === nameText.toUpperCase());
    if (entry === undefined) return new CodecError(`unknown SCTP chunk type "${nameText}" (one of ${sctpChunkTypes.map((c) => c.name).join(", ")}, or ALL or NONE alone)`);
    const flags = seen.get(entry.name) ?? new Map<SctpChunkFlagLetter, boolean>();
    seen.set(entry.name, flags);
    for (const ch of letters.split("")) {
      const letter = entry.flags.find((l) => l === ch.toUpperCase());
      if (letter === undefined) return new CodecError(`"${ch}" is not a flag of chunk type ${entry.name}${entry.flags.length === 0 ? " (it has none)" : ` (${entry.flags.join("")}, lower case for unset)`}`);
      flags.set(letter, (flags.get(letter) ?? false) || ch === letter);
    }
  }
  return sctpChunkTypes
    .filter((c) => seen.has(c.name))
    .map((c): SctpChunk => {
      const flags = seen.get(c.name) ?? new Map<SctpChunkFlagLetter, boolean>();
      // libxt_sctp files I_DATA's flags under the table index (15) instead of the chunk type (64): the
      // kernel never applies them and iptables-save drops them, so they are dropped here too.
      if (c.name === "I_DATA") return { name: c.name, flags: [] };
      return { name: c.name, flags: c.flags.filter((l) => flags.has(l)).map((letter) => ({ letter, set: flags.get(letter) === true })) };
    });
}

function printSctpChunk(c: SctpChunk): string {
  return c.flags.length === 0 ? c.name : `${c.name}:${c.flags.map((f) => (f.set ? f.letter : f.letter.toLowerCase())).join("")}`;
}

/** `--chunk-types MATCH CHUNKS`, two words. */
export const sctpChunkTypesCodec: Codec<SctpChunkTypes> = {
  domain: { type: "custom", name: "sctpChunkTypes" },
  arity: 2,
  expected: "all, any or only, then a comma-separated list of chunk types with optional :FLAGS (or ALL or NONE)",
  parse: ([m = "", list = ""]) => {
    const matchType = sctpMatchTypes.find((t) => t === m.toLowerCase());
    if (matchType === undefined) return new CodecError(`"${m}" is not a chunk match type (all, any or only)`);
    const chunks = parseSctpChunkList(list);
    if (chunks instanceof CodecError) return new CodecError(chunks.message, 1);
    return { matchType, chunks };
  },
  print: (v) => [v.matchType, typeof v.chunks === "string" ? v.chunks : v.chunks.map(printSctpChunk).join(",")],
};

/** `-m sctp`: ports and chunk types. */
export const sctpSchema = moduleSchema({
  name: "sctp",
  protocols: [132],
  options: {
    sport: option(["--sport", "--source-port"], portRange, "negatable"),
    dport: option(["--dport", "--destination-port"], portRange, "negatable"),
    chunkTypes: option(["--chunk-types"], sctpChunkTypesCodec, "negatable"),
  },
});
/** A `-m sctp` match. */
export type SctpMatch = NodeOf<typeof sctpSchema>;

// ---------------------------------------------------------------- dccp

/** DCCP packet types in type order (0-9, then INVALID for 10-15), the order iptables-save prints them. */
export const dccpTypeNames = ["REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC", "SYNCACK", "INVALID"] as const;
/** One DCCP packet type keyword. */
export type DccpTypeName = (typeof dccpTypeNames)[number];

/** `--dccp-types`: a set of packet types, stored in type order without duplicates (the kernel keeps a bitmap). */
export const dccpTypes: Codec<readonly DccpTypeName[]> = keywordSet(dccpTypeNames, "DCCP packet type", "dccpTypes");

/** `-m dccp`: ports, packet types, options. */
export const dccpSchema = moduleSchema({
  name: "dccp",
  protocols: [33],
  options: {
    sport: option(["--sport", "--source-port"], portRange, "negatable"),
    dport: option(["--dport", "--destination-port"], portRange, "negatable"),
    dccpTypes: option(["--dccp-types"], dccpTypes, "negatable"),
    dccpOption: option(["--dccp-option"], unsigned(1, 255), "negatable"),
  },
});
/** A `-m dccp` match. */
export type DccpMatch = NodeOf<typeof dccpSchema>;

// ---------------------------------------------------------------- icmp, icmp6

/** A name iptables accepts for an ICMP type, and the type and code range it stands for. */
export interface IcmpTypeName {
  readonly name: string;
  readonly type: number;
  readonly codeMin: number;
  readonly codeMax: number;
}

/** ICMP type names from iptables' libxt_icmp.h (`iptables -p icmp -h`), aliases included, in its order. */
export const icmpTypeNames: readonly IcmpTypeName[] = [
  { name: "any", type: 255, codeMin: 0, codeMax: 255 },
  { name: "echo-reply", type: 0, codeMin: 0, codeMax: 255 },
  { name: "pong", type: 0, codeMin: 0, codeMax: 255 },
  { name: "destination-unreachable", type: 3, codeMin: 0, codeMax: 255 },
  { name: "network-unreachable", type: 3, codeMin: 0, codeMax: 0 },
  { name: "host-unreachable", type: 3, codeMin: 1, codeMax: 1 },
  { name: "protocol-unreachable", type: 3, codeMin: 2, codeMax: 2 },
  { name: "port-unreachable", type: 3, codeMin: 3, codeMax: 3 },
  { name: "fragmentation-needed", type: 3, codeMin: 4, codeMax: 4 },
  { name: "source-route-failed", type: 3, codeMin: 5, codeMax: 5 },
  { name: "network-unknown", type: 3, codeMin: 6, codeMax: 6 },
  { name: "host-unknown", type: 3, codeMin: 7, codeMax: 7 },
  { name: "network-prohibited", type: 3, codeMin: 9, codeMax: 9 },
  { name: "host-prohibited", type: 3, codeMin: 10, codeMax: 10 },
  { name: "TOS-network-unreachable", type: 3, codeMin: 11, codeMax: 11 },
  { name: "TOS-host-unreachable", type: 3, codeMin: 12, codeMax: 12 },
  { name: "communication-prohibited", type: 3, codeMin: 13, codeMax: 13 },
  { name: "host-precedence-violation", type: 3, codeMin: 14, codeMax: 14 },
  { name: "precedence-cutoff", type: 3, codeMin: 15, codeMax: 15 },
  { name: "source-quench", type: 4, codeMin: 0, codeMax: 255 },
  { name: "redirect", type: 5, codeMin: 0, codeMax: 255 },
  { name: "network-redirect", type: 5, codeMin: 0, codeMax: 0 },
  { name: "host-redirect", type: 5, codeMin: 1, codeMax: 1 },
  { name: "TOS-network-redirect", type: 5, codeMin: 2, codeMax: 2 },
  { name: "TOS-host-redirect", type: 5, codeMin: 3, codeMax: 3 },
  { name: "echo-request", type: 8, codeMin: 0, codeMax: 255 },
  { name: "ping", type: 8, codeMin: 0, codeMax: 255 },
  { name: "router-advertisement", type: 9, codeMin: 0, codeMax: 255 },
  { name: "router-solicitation", type: 10, codeMin: 0, codeMax: 255 },
  { name: "time-exceeded", type: 11, codeMin: 0, codeMax: 255 },
  { name: "ttl-exceeded", type: 11, codeMin: 0, codeMax: 255 },
  { name: "ttl-zero-during-transit", type: 11, codeMin: 0, codeMax: 0 },
  { name: "ttl-zero-during-reassembly", type: 11, codeMin: 1, codeMax: 1 },
  { name: "parameter-problem", type: 12, codeMin: 0, codeMax: 255 },
  { name: "ip-header-bad", type: 12, codeMin: 0, codeMax: 0 },
  { name: "required-option-missing", type: 12, codeMin: 1, codeMax: 1 },
  { name: "timestamp-request", type: 13, codeMin: 0, codeMax: 255 },
  { name: "timestamp-reply", type: 14, codeMin: 0, codeMax: 255 },
  // Added to iptables in 2025 (after 1.8.11); older versions take 15 and 16 only as numbers.
  { name: "info-request", type: 15, codeMin: 0, codeMax: 255 },
  { name: "info-reply", type: 16, codeMin: 0, codeMax: 255 },
  { name: "address-mask-request", type: 17, codeMin: 0, codeMax: 255 },
  { name: "address-mask-reply", type: 18, codeMin: 0, codeMax: 255 },
];

/**
 * ICMPv6 type names from iptables' libxt_icmp.h (`ip6tables -p ipv6-icmp -h`), aliases included. iptables has
 * no names for the MLD, MLDv2, SEND, multicast-router-discovery and other later types (130-132, 138-153):
 * they are written as numbers.
 */
export const icmpv6TypeNames: readonly IcmpTypeName[] = [
  { name: "destination-unreachable", type: 1, codeMin: 0, codeMax: 255 },
  { name: "no-route", type: 1, codeMin: 0, codeMax: 0 },
  { name: "communication-prohibited", type: 1, codeMin: 1, codeMax: 1 },
  { name: "beyond-scope", type: 1, codeMin: 2, codeMax: 2 },
  { name: "address-unreachable", type: 1, codeMin: 3, codeMax: 3 },
  { name: "port-unreachable", type: 1, codeMin: 4, codeMax: 4 },
  { name: "failed-policy", type: 1, codeMin: 5, codeMax: 5 },
  { name: "reject-route", type: 1, codeMin: 6, codeMax: 6 },
  { name: "packet-too-big", type: 2, codeMin: 0, codeMax: 255 },
  { name: "time-exceeded", type: 3, codeMin: 0, codeMax: 255 },
  { name: "ttl-exceeded", type: 3, codeMin: 0, codeMax: 255 },
  { name: "ttl-zero-during-transit", type: 3, codeMin: 0, codeMax: 0 },
  { name: "ttl-zero-during-reassembly", type: 3, codeMin: 1, codeMax: 1 },
  { name: "parameter-problem", type: 4, codeMin: 0, codeMax: 255 },
  { name: "bad-header", type: 4, codeMin: 0, codeMax: 0 },
  { name: "unknown-header-type", type: 4, codeMin: 1, codeMax: 1 },
  { name: "unknown-option", type: 4, codeMin: 2, codeMax: 2 },
  { name: "echo-request", type: 128, codeMin: 0, codeMax: 255 },
  { name: "ping", type: 128, codeMin: 0, codeMax: 255 },
  { name: "echo-reply", type: 129, codeMin: 0, codeMax: 255 },
  { name: "pong", type: 129, codeMin: 0, codeMax: 255 },
  { name: "router-solicitation", type: 133, codeMin: 0, codeMax: 255 },
  { name: "router-advertisement", type: 134, codeMin: 0, codeMax: 255 },
  { name: "neighbour-solicitation", type: 135, codeMin: 0, codeMax: 255 },
  { name: "neighbor-solicitation", type: 135, codeMin: 0, codeMax: 255 },
  { name: "neighbour-advertisement", type: 136, codeMin: 0, codeMax: 255 },
  { name: "neighbor-advertisement", type: 136, codeMin: 0, codeMax: 255 },
  { name: "redirect", type: 137, codeMin: 0, codeMax: 255 },
];

/**
 * An ICMP or ICMPv6 type with an optional code. Without `code` every code matches; with it, only that code.
 * (Every name in iptables' tables stands for one code or for all of them, so this covers them all.)
 */
export interface IcmpType {
  readonly type: number;
  readonly code?: number;
}

/**
 * Parses `--icmp-type`/`--icmpv6-type` as libxt_icmp does: a name or any unambiguous prefix of one
 * (case-insensitive), else `TYPE` or `TYPE/CODE` (numbers 0-255, decimal, hex or octal).
 */
export function parseIcmpType(text: string, names: readonly IcmpTypeName[], what: string): IcmpType | CodecError {
  const lower = text.toLowerCase();
  const hits = names.filter((n) => n.name.toLowerCase().startsWith(lower));
  const [first, second] = hits;
  if (second !== undefined && first !== undefined) return new CodecError(`ambiguous ${what} "${text}": ${first.name} or ${second.name}?`);
  if (first !== undefined) return first.codeMin === first.codeMax ? { type: first.type, code: first.codeMin } : { type: first.type };
  const slash = text.indexOf("/");
  const typeText = slash === -1 ? text : text.slice(0, slash);
  const type = parseUnsigned(typeText);
  if (type === undefined || type > 255) return new CodecError(`"${text}" is neither an ${what} name nor TYPE or TYPE/CODE (0-255)`);
  if (slash === -1) return { type };
  const code = parseUnsigned(text.slice(slash + 1));
  if (code === undefined || code > 255) return new CodecError(`"${text.slice(slash + 1)}" is not an ${what} code (0-255)`);
  return { type, code };
}

function printIcmpType(v: IcmpType): string {
  return v.code === undefined ? String(v.type) : `${v.type}/${v.code}`;
}

/**
 * `--icmp-type` (IPv4). Type 255 is the kernel's wildcard: it matches every ICMP packet whatever the code,
 * and iptables-save prints it as `any`, so it is stored without a code.
 */
export const icmpTypeCodec: Codec<IcmpType> = {
  domain: { type: "custom", name: "icmpType" },
  arity: 1,
  expected: "an ICMP type name (see iptables -p icmp -h), TYPE or TYPE/CODE",
  parse: ([t = ""]) => {
    const v = parseIcmpType(t, icmpTypeNames, "ICMP type");
    return !(v instanceof CodecError) && v.type === 255 ? { type: 255 } : v;
  },
  print: (v) => [v.type === 255 ? "any" : printIcmpType(v)],
};

/** `--icmpv6-type`; iptables-save prints it numerically (there is no wildcard type in IPv6). */
export const icmpv6TypeCodec: Codec<IcmpType> = {
  domain: { type: "custom", name: "icmpv6Type" },
  arity: 1,
  expected: "an ICMPv6 type name (see ip6tables -p ipv6-icmp -h), TYPE or TYPE/CODE",
  parse: ([t = ""]) => parseIcmpType(t, icmpv6TypeNames, "ICMPv6 type"),
  print: (v) => [printIcmpType(v)],
};

/** `-m icmp --icmp-type TYPE[/CODE]` (IPv4 only; `--icmp-type` is required). */
export const icmpSchema = moduleSchema({
  name: "icmp",
  protocols: [1],
  family: "ipv4",
  options: {
    icmpType: option(["--icmp-type"], icmpTypeCodec, "negatable"),
  },
  check: (n) => exactlyOne(n, ["icmpType"], "--icmp-type"),
});
/** A `-m icmp` match. */
export type IcmpMatch = NodeOf<typeof icmpSchema>;

/** `-m icmp6 --icmpv6-type TYPE[/CODE]` (IPv6 only, also loaded as `-m icmpv6`; `--icmpv6-type` is required). */
export const icmp6Schema = moduleSchema({
  name: "icmp6",
  protocols: [58],
  aliases: ["icmpv6"],
  family: "ipv6",
  options: {
    icmpv6Type: option(["--icmpv6-type"], icmpv6TypeCodec, "negatable"),
  },
  check: (n) => exactlyOne(n, ["icmpv6Type"], "--icmpv6-type"),
});
/** A `-m icmp6` match. */
export type Icmp6Match = NodeOf<typeof icmp6Schema>;

// ---------------------------------------------------------------- mh

/**
 * Mobility Header type names from libip6t_mh, in its table order (which decides what a prefix means:
 * the first name it begins, unless another name equals it).
 */
export const mhTypeNames: readonly { readonly name: string; readonly type: number }[] = [
  { name: "binding-refresh-request", type: 0 },
  { name: "brr", type: 0 },
  { name: "home-test-init", type: 1 },
  { name: "hoti", type: 1 },
  { name: "careof-test-init", type: 2 },
  { name: "coti", type: 2 },
  { name: "home-test", type: 3 },
  { name: "hot", type: 3 },
  { name: "careof-test", type: 4 },
  { name: "cot", type: 4 },
  { name: "binding-update", type: 5 },
  { name: "bu", type: 5 },
  { name: "binding-acknowledgement", type: 6 },
  { name: "ba", type: 6 },
  { name: "binding-error", type: 7 },
  { name: "be", type: 7 },
];

/** An MH type name or number, as libip6t_mh's name_to_type reads it. */
export function parseMhType(text: string): number | undefined {
  if (text === "") return undefined;
  const lower = text.toLowerCase();
  const exact = mhTypeNames.find((n) => n.name === lower);
  const prefix = mhTypeNames.find((n) => n.name.startsWith(lower));
  const named = exact ?? prefix;
  if (named !== undefined) return named.type;
  const n = parseUnsigned(text);
  return n !== undefined && n <= 255 ? n : undefined;
}

/** `--mh-type TYPE[:TYPE]`, names or numbers; printed as numbers. */
export const mhTypeRange: Codec<NumberRange> = {
  domain: { type: "range", min: 0, max: 255 },
  arity: 1,
  expected: "an MH type or range TYPE:TYPE (names as ip6tables -p mh -h lists them, or 0-255)",
  parse: ([t = ""]) => parseRange(t, 0, 255, ":", parseMhType, "MH type"),
  print: (r) => [r.from === r.to ? String(r.from) : `${r.from}:${r.to}`],
};

/** `-m mh --mh-type TYPE[:TYPE]` (IPv6 only). */
export const mhSchema = moduleSchema({
  name: "mh",
  protocols: [135],
  family: "ipv6",
  options: {
    mhType: option(["--mh-type"], mhTypeRange, "negatable"),
  },
});
/** A `-m mh` match. */
export type MhMatch = NodeOf<typeof mhSchema>;

// ---------------------------------------------------------------- esp, ah, ipcomp

/**
 * An SPI range `SPI[:SPI]`. iptables-save leaves out a full range 0:4294967295 (even a negated one); it
 * is kept and printed here so that the negation, which makes the match never succeed, is not lost.
 */
const spiRange = unsignedRange(0, 0xffffffff, "SPI");

/** `-m esp --espspi SPI[:SPI]`. */
export const espSchema = moduleSchema({
  name: "esp",
  protocols: [50],
  options: {
    espspi: option(["--espspi"], spiRange, "negatable"),
  },
});
/** A `-m esp` match. */
export type EspMatch = NodeOf<typeof espSchema>;

/**
 * `-m ah`: the SPI in both families; the header length and reserved-field test only in ip6tables' ah.
 * `--ahlen 0` means "any length" to the kernel (iptables-save omits it unless negated).
 */
export const ahSchema = moduleSchema({
  name: "ah",
  options: {
    ahspi: option(["--ahspi"], spiRange, "negatable"),
    ahlen: option(["--ahlen"], onlyIn("ipv6", unsigned(0, 0xffffffff), "--ahlen"), "negatable"),
    ahres: option(["--ahres"], onlyIn("ipv6", flag, "--ahres"), "plain"),
  },
  // iptables' ah (ipt_ah) reads the AH header as the transport header, so it needs -p ah; ip6t_ah finds it itself.
  check: (_n, rule) => (rule.family === "ipv4" && rule.protocol !== 51 ? [{ message: "-m ah needs -p ah in iptables (the kernel refuses it otherwise)", severity: "warning" }] : []),
});
/** A `-m ah` match. */
export type AhMatch = NodeOf<typeof ahSchema>;

/**
 * `-m ipcomp --ipcompspi CPI[:CPI]`. Without `--ipcompspi` libxt_ipcomp leaves the range at 0:0, so the
 * match then only accepts CPI 0 (iptables-save prints that as `--ipcompspi 0`).
 */
export const ipcompSchema = moduleSchema({
  name: "ipcomp",
  protocols: [108],
  options: {
    ipcompspi: option(["--ipcompspi"], spiRange, "negatable"),
  },
});
/** A `-m ipcomp` match. */
export type IpcompMatch = NodeOf<typeof ipcompSchema>;
