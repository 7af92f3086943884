/**
 * Layer-4 protocol matches: tcp and udp ports, tcp flags and options; and the protocol names nft uses.
 * @module
 */
import { type KnownMatch, formatProtocol } from "../ast/index.js";
import type { NftExpr, NftStatement } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, ok } from "./context.js";
import { binop, isFullRange, match, matchRange, meta, num, payload, sym } from "./expr.js";

type TcpMatch = Extract<KnownMatch, { kind: "tcp" }>;
type UdpMatch = Extract<KnownMatch, { kind: "udp" }>;

/** Protocols nft has a payload expression for, by number. */
const payloadNames: ReadonlyMap<number, "tcp" | "udp" | "udplite" | "sctp" | "dccp" | "icmp" | "icmpv6" | "esp" | "ah"> = new Map([
  [6, "tcp"],
  [17, "udp"],
  [136, "udplite"],
  [132, "sctp"],
  [33, "dccp"],
  [1, "icmp"],
  [58, "icmpv6"],
  [50, "esp"],
  [51, "ah"],
] as const);

/** The nft payload protocol name for a protocol number, if nft has one. */
export function protocolPayloadName(n: number): string | undefined {
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

/** `tcp flags & MASK == COMP` (or `!=`), exactly iptables' `(flags & mask) == comp`. */
export function matchTcpFlags(mask: number, comp: number, negated: boolean): NftStatement {
  return match(binop("&", payload("tcp", "flags"), tcpFlagsExpr(mask)), tcpFlagsExpr(comp & mask), negated ? "!=" : "==");
}

function portMatches(protocol: "tcp" | "udp", m: { sport?: { value: { from: number; to: number }; negated: boolean }; dport?: { value: { from: number; to: number }; negated: boolean } }): NftStatement[] {
  const out: NftStatement[] = [];
  for (const field of ["sport", "dport"] as const) {
    const o = m[field];
    if (o === undefined) continue;
    // A positive full range only requires the header, which the protocol match already does.
    if (isFullRange(o.value, 65535) && !o.negated) continue;
    out.push(matchRange(payload(protocol, field), o.value, o.negated));
  }
  return out;
}

/** `-m tcp`. */
export function translateTcp(m: TcpMatch, _cx: RuleContext): Translation {
  // `-m tcp` requires `-p tcp` (the parser checks), whose translation already tests the protocol.
  const out: NftStatement[] = portMatches("tcp", m);
  if (m.tcpFlags !== undefined) {
    const [mask, comp] = m.tcpFlags.value;
    out.push(matchTcpFlags(tcpFlagMask(mask), tcpFlagMask(comp), m.tcpFlags.negated));
  }
  if (m.syn !== undefined) out.push(matchTcpFlags(0x17, 0x02, m.syn.negated));
  if (m.tcpOption !== undefined) {
    // nft 1.0.6 names only some options; an unnamed one is tested through its kind byte.
    const { value, negated } = m.tcpOption;
    out.push({
      kind: "raw",
      text: `tcp option ${value} ${negated ? "missing" : "exists"}`,
      json: { match: { op: "==", left: { "tcp option": { base: value, offset: 0, len: 8 } }, right: !negated } },
      reason: "the nft model names TCP options; nft 1.0.6 also tests any option by its kind number, which --tcp-option needs",
    });
  }
  return ok(...out);
}

/** `-m udp`. */
export function translateUdp(m: UdpMatch, _cx: RuleContext): Translation {
  return ok(...portMatches("udp", m));
}

/** The protocol-family translators this file provides. */
export const protocolMatchTranslators = {
  tcp: translateTcp,
  udp: translateUdp,
} satisfies Partial<ByKind<KnownMatch>>;
