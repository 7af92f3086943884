/**
 * Layer-4 protocol matches: tcp, udp, sctp, dccp, icmp, icmp6, mh, esp, ah, ipcomp; the protocol names nft
 * uses; and the helpers the other families share for them.
 *
 * Kernel facts that shape every translation here (checked on Linux 6.18 with crafted packets, see
 * test/translate/packet-counts.ts):
 *
 * - The kernel's protocol matches never match a non-first fragment (`par->fragoff != 0`), whatever their
 *   options. nft's payload expressions do not check for fragments: in IPv4 they read the fragment's data as
 *   the transport header. So the first such match of an IPv4 rule adds `ip frag-off & 0x1fff == 0`
 *   ({@link laterFragmentGuard}), which makes the translation exact — unless the ruleset uses connection
 *   tracking, which makes the kernel reassemble fragments before any table runs (`RuleContext.reassembled`),
 *   so that neither side ever sees a later fragment. IPv6 has no single-rule equivalent (the
 *   Fragment header may follow other extension headers, and "no Fragment header, or offset 0" is an or); there
 *   nft reads the IPv6 header itself as the transport header of a later fragment (the kernel's header walk
 *   leaves the transport offset at 0), so IPv6 port and type tests differ from ip6tables on later fragments.
 * - The kernel refuses these matches without the matching `-p` (`xt_match.proto`), so a rule that lacks it
 *   never loaded in iptables and is refused here ({@link requireProtocol}).
 *
 * Not modelled, in any family: iptables drops ("hotdrop") a packet whose header a match cannot read whole
 * (truncated or malformed headers, and a TCP fragment at offset 8); nft has no such side effect, its
 * expressions just do not match. And in ip6 tables nft's `meta l4proto` stops at an AH header (the kernel
 * sets IP6_FH_F_AUTH for nft) where ip6tables' `-p` skips it, so transport matches differ for packets with a
 * transport-mode AH header.
 * @module
 */
import type { Family, KnownMatch, Match, NumberRange } from "../ast/index.js";
import { formatProtocol } from "../ast/index.js";
import type { Span } from "../diagnostic/index.js";
import type { NftExpr, NftJsonValue, NftMatch, NftStatement } from "../nft/index.js";
import { type ByKind, type Refusal, type RuleContext, type Translation, ok, refuse } from "./context.js";
import { binop, eq, match, matchRange, meta, num, payload, rangeExpr, sym } from "./expr.js";

type TcpMatch = Extract<KnownMatch, { kind: "tcp" }>;
type UdpMatch = Extract<KnownMatch, { kind: "udp" }>;
type SctpMatch = Extract<KnownMatch, { kind: "sctp" }>;
type DccpMatch = Extract<KnownMatch, { kind: "dccp" }>;
type IcmpMatch = Extract<KnownMatch, { kind: "icmp" }>;
type Icmp6Match = Extract<KnownMatch, { kind: "icmp6" }>;
type MhMatch = Extract<KnownMatch, { kind: "mh" }>;
type EspMatch = Extract<KnownMatch, { kind: "esp" }>;
type AhMatch = Extract<KnownMatch, { kind: "ah" }>;
type IpcompMatch = Extract<KnownMatch, { kind: "ipcomp" }>;
type SctpChunkTypes = NonNullable<SctpMatch["chunkTypes"]>["value"];
type SctpChunkName = Exclude<SctpChunkTypes["chunks"], string>[number]["name"];
type DccpTypeName = NonNullable<DccpMatch["dccpTypes"]>["value"][number];

/** The transport protocols with ports, as nft names their payload. */
export type PortProtocol = "tcp" | "udp" | "udplite" | "sctp" | "dccp";

/** Protocols whose header a payload expression reads, as nft names them. */
export type HeaderProtocol = PortProtocol | "icmp" | "icmpv6" | "esp" | "ah";

/** Protocols nft has a payload expression for, by number. */
const payloadNames: ReadonlyMap<number, HeaderProtocol> = new Map<number, HeaderProtocol>([
  [6, "tcp"],
  [17, "udp"],
  [136, "udplite"],
  [132, "sctp"],
  [33, "dccp"],
  [1, "icmp"],
  [58, "icmpv6"],
  [50, "esp"],
  [51, "ah"],
]);

/** The nft payload protocol name for a protocol number, if nft has one. */
export function protocolPayloadName(n: number): HeaderProtocol | undefined {
  return payloadNames.get(n);
}

/** nft symbols for protocol numbers that nft names differently from /etc/protocols. */
const nftProtocolNames: ReadonlyMap<number, string> = new Map([
  [58, "ipv6-icmp"],
  [135, "mobility-header"],
]);

/** A protocol as the right side of `meta l4proto`: its name when nft knows it, else the number. */
export function protocolSymbol(n: number): NftExpr {
  const known = payloadNames.has(n) || nftProtocolNames.has(n) || [4, 41, 47, 103, 108, 112, 2, 89, 115].includes(n);
  if (!known) return num(n);
  return sym(nftProtocolNames.get(n) ?? formatProtocol(n));
}

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------------

/**
 * Refuses a match the kernel only loads with `-p <protocol>` (its `xt_match.proto`) when the rule has no such
 * `-p`: iptables-restore fails on that rule, so it has no meaning to translate.
 */
export function requireProtocol(cx: RuleContext, protocol: number, module: string, span: Span): Refusal | undefined {
  if (cx.protocol === protocol) return undefined;
  return refuse(`-m ${module} needs -p ${formatProtocol(protocol)} (without ! before it): the kernel refuses to load the rule otherwise`, span);
}

/** `field != 0-max`: holds for no packet (the field is either unreadable or inside its own range). */
export function neverMatches(field: NftExpr, max: number): NftMatch {
  return match(field, fullRange(max), "!=");
}

/** The range of every value of a field. */
export function fullRange(max: number): NftExpr {
  return { kind: "range", low: num(0), high: num(max) };
}

/**
 * Match kinds whose kernel modules return false for every non-first fragment (`par->fragoff != 0`), whatever
 * their options; `ah` only in IPv4, where it reads the transport header.
 */
const fragmentRefusingMatches: ReadonlySet<string> = new Set(["tcp", "udp", "sctp", "dccp", "icmp", "icmp6", "multiport", "esp", "ipcomp", "mh"]);

function refusesLaterFragments(m: Match, family: Family): boolean {
  return fragmentRefusingMatches.has(m.kind) || (m.kind === "ah" && family === "ipv4");
}

/**
 * True when the rule cannot match a non-first fragment whatever else it says: it has `! -f`, or a match that
 * refuses such fragments. Matches that read a later fragment's data as a TCP header where nft does not, or
 * the other way round (tcpmss, ecn's TCP bits), are only translatable then.
 */
export function excludesLaterFragments(cx: RuleContext): boolean {
  if (cx.rule.fragment?.negated === true || cx.reassembled === true) return true;
  return cx.rule.matches.some((m) => refusesLaterFragments(m, cx.family));
}

/**
 * `ip frag-off & 0x1fff == 0`, from the first match of an IPv4 rule that refuses non-first fragments (one is
 * enough, and a rule with `! -f` has it already); nothing in IPv6, which has no single-rule equivalent.
 */
export function laterFragmentGuard(m: Match, cx: RuleContext): NftStatement[] {
  // With conntrack in use the kernel reassembles fragments before any rule runs: no guard needed.
  if (cx.family !== "ipv4" || cx.rule.fragment?.negated === true || cx.reassembled === true) return [];
  if (cx.rule.matches.find((x) => refusesLaterFragments(x, cx.family)) !== m) return [];
  return [match(binop("&", payload("ip", "frag-off"), num(0x1fff, "hex")), num(0))];
}

/**
 * A range of a wide option (32-bit in the kernel's match data) tested against a narrower field: the part of
 * the range the field can hold, or "empty"/"full" when that part is nothing or everything.
 */
export function clampRange(r: NumberRange, max: number): NumberRange | "empty" | "full" {
  if (r.from > max) return "empty";
  const to = Math.min(r.to, max);
  if (r.from === 0 && to === max) return "full";
  return { from: r.from, to };
}

/**
 * `field == range` (or `!=`) for a range the kernel compares with a field of `max`, where a range that
 * covers the whole field only requires the header: `present` says how (undefined when other statements of
 * the translation already do).
 */
export function fieldRange(field: NftExpr, r: NumberRange, max: number, negated: boolean, present: NftStatement | undefined): NftStatement[] {
  const c = clampRange(r, max);
  const always = present === undefined ? [] : [present];
  if (c === "empty") return negated ? always : [neverMatches(field, max)];
  if (c === "full") return negated ? [neverMatches(field, max)] : always;
  return [matchRange(field, c, negated)];
}

/** A statement the nft model cannot express, given verbatim in both forms. */
export function rawStatement(text: string, json: NftJsonValue, reason: string): NftStatement {
  return { kind: "raw", text, json, reason };
}

type PortOptions = Pick<TcpMatch, "sport" | "dport">;

/**
 * nft 1.0.6 merges consecutive `!=` comparisons of adjacent header fields into one comparison of both
 * (`tcp sport != 80 tcp dport != 80` becomes "not both", not "neither"); a range comparison is left alone, so
 * the second of two such single-value tests is written as a one-value range.
 */
export function keepNegationsApart(first: NftStatement, second: NftStatement): NftStatement {
  const single = (s: NftStatement): boolean => s.kind === "match" && s.op === "!=" && s.left.kind === "payload" && s.right.kind === "number";
  if (!single(first) || !single(second) || second.kind !== "match") return second;
  return { ...second, right: { kind: "range", low: second.right, high: second.right } };
}

/** `--sport`/`--dport` of tcp, udp, sctp and dccp; a positive full range tests nothing. */
function portMatches(protocol: PortProtocol, m: PortOptions): NftStatement[] {
  const [sport = [], dport = []] = (["sport", "dport"] as const).map((field) => {
    const o = m[field];
    return o === undefined ? [] : fieldRange(payload(protocol, field), o.value, 0xffff, o.negated, undefined);
  });
  const [s] = sport;
  const [d] = dport;
  return s !== undefined && d !== undefined ? [s, keepNegationsApart(s, d)] : [...sport, ...dport];
}

// ---------------------------------------------------------------------------------------------------------------
// tcp, udp
// ---------------------------------------------------------------------------------------------------------------

/** TCP flag bits as the kernel numbers them. */
const tcpFlagBits: Readonly<Record<string, number>> = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80, ALL: 0x3f, NONE: 0 };
const tcpFlagOrder: readonly (readonly [number, string])[] = [
  [0x01, "fin"],
  [0x02, "syn"],
  [0x04, "rst"],
  [0x08, "psh"],
  [0x10, "ack"],
  [0x20, "urg"],
  [0x40, "ecn"],
  [0x80, "cwr"],
];

/** The bits of a list of iptables flag names. */
export function tcpFlagMask(names: readonly string[]): number {
  return names.reduce((m, n) => m | (tcpFlagBits[n] ?? 0), 0);
}

/** A set of tcp flag bits as an nft flag list (a single flag, or `(fin | syn)` inside a binary op). */
export function tcpFlagsExpr(bits: number): NftExpr {
  const names = tcpFlagOrder.filter(([b]) => (bits & b) !== 0).map(([, n]) => sym(n));
  if (names.length === 0) return num(0);
  if (names.length === 1) return names[0] as NftExpr;
  return { kind: "list", values: names };
}

/** `tcp flags & MASK == COMP` (or `!=`), iptables' `(flags & mask) == comp` for a `comp` inside `mask`. */
export function matchTcpFlags(mask: number, comp: number, negated: boolean): NftStatement {
  return match(binop("&", payload("tcp", "flags"), tcpFlagsExpr(mask)), tcpFlagsExpr(comp & mask), negated ? "!=" : "==");
}

/**
 * `--tcp-flags MASK COMP`. The kernel does not mask COMP: a COMP with a flag outside MASK never equals the
 * masked flags, so the test never holds (or, negated, always does).
 */
function tcpFlagsTest(mask: number, comp: number, negated: boolean): NftStatement[] {
  if ((comp & ~mask) !== 0) return negated ? [] : [neverMatches(payload("tcp", "sport"), 0xffff)];
  return [matchTcpFlags(mask, comp, negated)];
}

/** The TCP option kinds the nft model names (a presence test on them is a model node, not a raw statement). */
const namedTcpOptions: ReadonlyMap<number, "maxseg" | "window" | "sack-perm" | "sack" | "timestamp"> = new Map([
  [2, "maxseg"],
  [3, "window"],
  [4, "sack-perm"],
  [5, "sack"],
  [8, "timestamp"],
] as const);

/** `-m tcp`. */
export function translateTcp(m: TcpMatch, cx: RuleContext): Translation {
  const missing = requireProtocol(cx, 6, "tcp", m.span);
  if (missing !== undefined) return missing;
  const out: NftStatement[] = portMatches("tcp", m);
  if (m.tcpFlags !== undefined) {
    const [mask, comp] = m.tcpFlags.value;
    out.push(...tcpFlagsTest(tcpFlagMask(mask), tcpFlagMask(comp), m.tcpFlags.negated));
  }
  if (m.syn !== undefined) out.push(matchTcpFlags(0x17, 0x02, m.syn.negated));
  if (m.tcpOption !== undefined) {
    const { value, negated } = m.tcpOption;
    // nft's option walk stops one byte before the end of the header (it reads each option's length byte),
    // so a one-byte option (EOL 0, NOP 1) in the last byte is invisible to it; xt_tcp sees it.
    if (value <= 1) return refuse(`--tcp-option ${value}: nft's TCP option walk skips the last byte of the header, where xt_tcp still finds a one-byte ${value === 0 ? "EOL" : "NOP"} option`, m.tcpOption.span);
    const name = namedTcpOptions.get(value);
    out.push(
      name !== undefined
        ? match({ kind: "tcp option", name }, { kind: "boolean", value: !negated })
        : rawStatement(
            `tcp option ${value} ${negated ? "missing" : "exists"}`,
            { match: { op: "==", left: { "tcp option": { base: value, offset: 0, len: 8 } }, right: !negated } },
            "the nft model names TCP options; nft 1.0.6 also tests any option by its kind number, which --tcp-option needs",
          ),
    );
  }
  return ok(...laterFragmentGuard(m, cx), ...out);
}

/** `-m udp`. */
export function translateUdp(m: UdpMatch, cx: RuleContext): Translation {
  const missing = requireProtocol(cx, 17, "udp", m.span);
  if (missing !== undefined) return missing;
  return ok(...laterFragmentGuard(m, cx), ...portMatches("udp", m));
}

// ---------------------------------------------------------------------------------------------------------------
// sctp
// ---------------------------------------------------------------------------------------------------------------

/** nft 1.0.6's names for the chunk types it can test; the others (I_DATA, RE_CONFIG, PAD, I_FORWARD_TSN) came later. */
const nftSctpChunkNames: Readonly<Record<SctpChunkName, string | undefined>> = {
  DATA: "data",
  INIT: "init",
  INIT_ACK: "init-ack",
  SACK: "sack",
  HEARTBEAT: "heartbeat",
  HEARTBEAT_ACK: "heartbeat-ack",
  ABORT: "abort",
  SHUTDOWN: "shutdown",
  SHUTDOWN_ACK: "shutdown-ack",
  ERROR: "error",
  COOKIE_ECHO: "cookie-echo",
  COOKIE_ACK: "cookie-ack",
  ECN_ECNE: "ecne",
  ECN_CWR: "cwr",
  SHUTDOWN_COMPLETE: "shutdown-complete",
  I_DATA: undefined,
  ASCONF_ACK: "asconf-ack",
  RE_CONFIG: undefined,
  PAD: undefined,
  FORWARD_TSN: "forward-tsn",
  ASCONF: "asconf",
  I_FORWARD_TSN: undefined,
};

/** `sctp chunk NAME exists` (or `missing`). */
function sctpChunkPresence(name: string, present: boolean): NftStatement {
  return rawStatement(
    `sctp chunk ${name} ${present ? "exists" : "missing"}`,
    { match: { op: "==", left: { "sctp chunk": { name } }, right: present } },
    "the nft model has no SCTP chunk expression",
  );
}

/** Never holds for an SCTP packet: the translation of chunk tests that the kernel never passes. */
const sctpNever: NftStatement = neverMatches(payload("sctp", "sport"), 0xffff);

/**
 * `--chunk-types all|any|only LIST`, as xt_sctp walks the chunks. nft's `sctp chunk X` finds the first chunk
 * of type X, so it can say that a type is present or absent, but not what every chunk of a type carries
 * (flags: a packet may bundle several chunks of a type), nor anything about the types it cannot name (`only`),
 * nor an "or" of several types (`any` of many, `! all` of many).
 */
function sctpChunkTests(v: SctpChunkTypes, negated: boolean, span: Span): NftStatement[] | Refusal {
  if (v.chunks === "ALL" || v.chunks === "NONE") {
    // xt_sctp: `any ALL` and `only ALL` hold for every well-formed packet, `all NONE` too; `any NONE` and
    // `only NONE` hold for none; `all ALL` needs all 256 types present.
    if (v.matchType === "all" && v.chunks === "ALL") return refuse("--chunk-types all ALL needs a presence test for each of the 256 chunk types; nft 1.0.6 names 18", span);
    const always = v.matchType === "all" ? v.chunks === "NONE" : v.chunks === "ALL";
    return always !== negated ? [] : [sctpNever];
  }
  const flagged = v.chunks.find((c) => c.flags.length > 0);
  if (flagged !== undefined) {
    return refuse(`--chunk-types ${flagged.name} with flags: xt_sctp tests the flags of every ${flagged.name} chunk of the packet, nft's sctp chunk expression only the first one`, span);
  }
  const names: string[] = [];
  for (const c of v.chunks) {
    const name = nftSctpChunkNames[c.name];
    if (name === undefined) return refuse(`--chunk-types ${c.name}: nft 1.0.6 has no name for this chunk type and cannot test it`, span);
    names.push(name);
  }
  const [only] = names;
  switch (v.matchType) {
    case "all":
      if (!negated) return names.map((n) => sctpChunkPresence(n, true));
      if (names.length === 1 && only !== undefined) return [sctpChunkPresence(only, false)];
      return refuse("! --chunk-types all with several types means \"one of them is missing\": an or, which one nft rule cannot test", span);
    case "any":
      if (negated) return names.map((n) => sctpChunkPresence(n, false));
      if (names.length === 1 && only !== undefined) return [sctpChunkPresence(only, true)];
      return refuse("--chunk-types any with several types means \"one of them is present\": an or, which one nft rule cannot test", span);
    case "only":
      return refuse("--chunk-types only: nft 1.0.6 can only test the chunk types it names, so a packet with a chunk of another type (e.g. 15) would pass", span);
    default:
      return assertNever(v.matchType);
  }
}

/** `-m sctp`: ports and chunk types. */
export function translateSctp(m: SctpMatch, cx: RuleContext): Translation {
  const missing = requireProtocol(cx, 132, "sctp", m.span);
  if (missing !== undefined) return missing;
  const out = portMatches("sctp", m);
  if (m.chunkTypes !== undefined) {
    const chunks = sctpChunkTests(m.chunkTypes.value, m.chunkTypes.negated, m.chunkTypes.span);
    if (!Array.isArray(chunks)) return chunks;
    out.push(...chunks);
  }
  return ok(...laterFragmentGuard(m, cx), ...out);
}

// ---------------------------------------------------------------------------------------------------------------
// dccp
// ---------------------------------------------------------------------------------------------------------------

/**
 * The DCCP packet types of each iptables type name. libxt_dccp sets bits 10-15 of the kernel's type mask for
 * INVALID (iptables -L lists it as `10,11,12,13,14,15`), and xt_dccp tests `typemask & (1 << type)`.
 */
const dccpTypeNumbers: Readonly<Record<DccpTypeName, NumberRange>> = {
  REQUEST: { from: 0, to: 0 },
  RESPONSE: { from: 1, to: 1 },
  DATA: { from: 2, to: 2 },
  ACK: { from: 3, to: 3 },
  DATAACK: { from: 4, to: 4 },
  CLOSEREQ: { from: 5, to: 5 },
  CLOSE: { from: 6, to: 6 },
  RESET: { from: 7, to: 7 },
  SYNC: { from: 8, to: 8 },
  SYNCACK: { from: 9, to: 9 },
  INVALID: { from: 10, to: 15 },
};

/** nft's names for DCCP types 0-9 (10-15 have none). */
const nftDccpTypeNames: readonly string[] = ["request", "response", "data", "ack", "dataack", "closereq", "close", "reset", "sync", "syncack"];

function dccpTypeExpr(r: NumberRange): NftExpr {
  const name = nftDccpTypeNames[r.from];
  return r.from === r.to && name !== undefined ? sym(name) : rangeExpr(r);
}

/** `-m dccp`: ports and packet types; `--dccp-option` is refused. */
export function translateDccp(m: DccpMatch, cx: RuleContext): Translation {
  const missing = requireProtocol(cx, 33, "dccp", m.span);
  if (missing !== undefined) return missing;
  if (m.dccpOption !== undefined) return refuse("--dccp-option: nft 1.0.6 has no expression for DCCP options", m.dccpOption.span);
  const out = portMatches("dccp", m);
  if (m.dccpTypes !== undefined) {
    const types = m.dccpTypes.value.map((t) => dccpTypeExpr(dccpTypeNumbers[t]));
    const [single] = types;
    const right: NftExpr = types.length === 1 && single !== undefined ? single : { kind: "set", elements: types };
    out.push(match(payload("dccp", "type"), right, eq(m.dccpTypes.negated)));
  }
  return ok(...laterFragmentGuard(m, cx), ...out);
}

// ---------------------------------------------------------------------------------------------------------------
// icmp, icmp6
// ---------------------------------------------------------------------------------------------------------------

/** nft's names for ICMP types. */
const nftIcmpTypeNames: ReadonlyMap<number, string> = new Map([
  [0, "echo-reply"],
  [3, "destination-unreachable"],
  [4, "source-quench"],
  [5, "redirect"],
  [8, "echo-request"],
  [9, "router-advertisement"],
  [10, "router-solicitation"],
  [11, "time-exceeded"],
  [12, "parameter-problem"],
  [13, "timestamp-request"],
  [14, "timestamp-reply"],
  [15, "info-request"],
  [16, "info-reply"],
  [17, "address-mask-request"],
  [18, "address-mask-reply"],
]);

/** nft's names for ICMPv6 types (the MLD ones included; other types are written as numbers). */
const nftIcmpv6TypeNames: ReadonlyMap<number, string> = new Map([
  [1, "destination-unreachable"],
  [2, "packet-too-big"],
  [3, "time-exceeded"],
  [4, "parameter-problem"],
  [128, "echo-request"],
  [129, "echo-reply"],
  [130, "mld-listener-query"],
  [131, "mld-listener-report"],
  [132, "mld-listener-done"],
  [133, "nd-router-solicit"],
  [134, "nd-router-advert"],
  [135, "nd-neighbor-solicit"],
  [136, "nd-neighbor-advert"],
  [137, "nd-redirect"],
  [138, "router-renumbering"],
  [141, "ind-neighbor-solicit"],
  [142, "ind-neighbor-advert"],
  [143, "mld2-listener-report"],
]);

/**
 * `--icmp-type`/`--icmpv6-type TYPE[/CODE]`: the type, and the code when one was given. Negated with a code,
 * "not (this type and this code)" is one lookup of the pair in a set.
 */
function icmpTypeTest(protocol: "icmp" | "icmpv6", names: ReadonlyMap<number, string>, type: number, code: number | undefined, negated: boolean): NftStatement[] {
  const name = names.get(type);
  const typeValue = name === undefined ? num(type) : sym(name);
  const typeField = payload(protocol, "type");
  if (code === undefined) return [match(typeField, typeValue, eq(negated))];
  const codeField = payload(protocol, "code");
  if (!negated) return [match(typeField, typeValue), match(codeField, num(code))];
  const pair: NftExpr = { kind: "concat", exprs: [typeValue, num(code)] };
  return [match({ kind: "concat", exprs: [typeField, codeField] }, { kind: "set", elements: [pair] }, "!=")];
}

/** `-m icmp`. Type `any` (255) is the kernel's wildcard: every ICMP packet but a later fragment. */
export function translateIcmp(m: IcmpMatch, cx: RuleContext): Translation {
  const missing = requireProtocol(cx, 1, "icmp", m.span);
  if (missing !== undefined) return missing;
  const guard = laterFragmentGuard(m, cx);
  if (m.icmpType === undefined) return ok(...guard);
  const { value, negated } = m.icmpType;
  if (value.type === 255) return ok(...guard, ...(negated ? [neverMatches(payload("icmp", "type"), 0xff)] : []));
  return ok(...guard, ...icmpTypeTest("icmp", nftIcmpTypeNames, value.type, value.code, negated));
}

/** `-m icmp6`: every type by number or nft name, including those iptables cannot name (MLD, SEND, ...). */
export function translateIcmp6(m: Icmp6Match, cx: RuleContext): Translation {
  const missing = requireProtocol(cx, 58, "icmp6", m.span);
  if (missing !== undefined) return missing;
  if (m.icmpv6Type === undefined) return ok();
  const { value, negated } = m.icmpv6Type;
  return ok(...icmpTypeTest("icmpv6", nftIcmpv6TypeNames, value.type, value.code, negated));
}

// ---------------------------------------------------------------------------------------------------------------
// mh, esp, ah, ipcomp
// ---------------------------------------------------------------------------------------------------------------

/**
 * `-m mh --mh-type`. nft's `mh` extension header is found with the kernel's header search, which gives up at a
 * non-first fragment header, so the full range is `exthdr mh exists` and still excludes later fragments.
 */
export function translateMh(m: MhMatch, cx: RuleContext): Translation {
  const missing = requireProtocol(cx, 135, "mh", m.span);
  if (missing !== undefined) return missing;
  const present = match({ kind: "exthdr", name: "mh" }, { kind: "boolean", value: true });
  const range = m.mhType?.value ?? { from: 0, to: 255 };
  return ok(...fieldRange({ kind: "exthdr", name: "mh", field: "type" }, range, 0xff, m.mhType?.negated ?? false, present));
}

/** `-m esp --espspi` (both families: ESP ends the IPv6 header chain, so it is the transport header there too). */
export function translateEsp(m: EspMatch, cx: RuleContext): Translation {
  const missing = requireProtocol(cx, 50, "esp", m.span);
  if (missing !== undefined) return missing;
  const spi = m.espspi === undefined ? [] : fieldRange(payload("esp", "spi"), m.espspi.value, 0xffffffff, m.espspi.negated, undefined);
  return ok(...laterFragmentGuard(m, cx), ...spi);
}

/**
 * The AH header length field for ip6t_ah's `--ahlen`, which counts bytes: `(hdrlength + 2) * 4`. Undefined
 * when no header has that length.
 */
function ahLengthField(bytes: number): number | undefined {
  const f = bytes / 4 - 2;
  return Number.isInteger(f) && f >= 0 && f <= 255 ? f : undefined;
}

/**
 * `-m ah`. In IPv4 the AH header is the transport header (`-p ah` required). In IPv6, ip6t_ah searches the
 * extension headers for AH; nft's `ah` payload is the same header there, because nft's header walk stops at
 * the first AH (IP6_FH_F_AUTH) where ip6t_ah's search finds it. `--ahlen` counts bytes, `--ahres` wants the
 * reserved field zero.
 */
export function translateAh(m: AhMatch, cx: RuleContext): Translation {
  if (cx.family === "ipv4") {
    const missing = requireProtocol(cx, 51, "ah", m.span);
    if (missing !== undefined) return missing;
  }
  const out: NftStatement[] = m.ahspi === undefined ? [] : fieldRange(payload("ah", "spi"), m.ahspi.value, 0xffffffff, m.ahspi.negated, undefined);
  // --ahlen 0 means "any length" to the kernel, negated or not.
  if (m.ahlen !== undefined && m.ahlen.value !== 0) {
    const f = ahLengthField(m.ahlen.value);
    const field = payload("ah", "hdrlength");
    if (f !== undefined) out.push(match(field, num(f), eq(m.ahlen.negated)));
    else if (!m.ahlen.negated) out.push(neverMatches(field, 0xff));
  }
  if (m.ahres !== undefined) out.push(match(payload("ah", "reserved"), num(0)));
  // In IPv6 there is no -p ah to test the header's presence (it would never match: ip6tables' -p skips AH).
  const readsAh = out.some((st) => st.kind === "match" && st.left.kind === "payload" && st.left.protocol === "ah");
  const present = cx.family === "ipv6" && !readsAh ? [match(meta("l4proto"), sym("ah"))] : [];
  return ok(...laterFragmentGuard(m, cx), ...present, ...out);
}

/** `@th,16,16`: the CPI of the IPComp header (RFC 3173), which the nft model has no named field for. */
const ipcompCpi: NftExpr = { kind: "raw payload", base: "th", offset: 16, length: 16 };

/**
 * `-m ipcomp --ipcompspi`: the 16-bit CPI against the option's 32-bit range. The raw payload needs the rule's
 * `meta l4proto` (from `-p`, which the kernel requires) as its protocol test.
 */
export function translateIpcomp(m: IpcompMatch, cx: RuleContext): Translation {
  const missing = requireProtocol(cx, 108, "ipcomp", m.span);
  if (missing !== undefined) return missing;
  // libxt_ipcomp leaves the range at 0:0 when --ipcompspi is absent.
  const range = m.ipcompspi?.value ?? { from: 0, to: 0 };
  return ok(...laterFragmentGuard(m, cx), ...fieldRange(ipcompCpi, range, 0xffff, m.ipcompspi?.negated ?? false, undefined));
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

/** The protocol-family translators this file provides. */
export const protocolMatchTranslators = {
  tcp: translateTcp,
  udp: translateUdp,
  sctp: translateSctp,
  dccp: translateDccp,
  icmp: translateIcmp,
  icmp6: translateIcmp6,
  mh: translateMh,
  esp: translateEsp,
  ah: translateAh,
  ipcomp: translateIpcomp,
} satisfies Partial<ByKind<KnownMatch>>;
