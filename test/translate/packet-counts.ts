/**
 * xt against nft on real packets, for the protocol, packet-field and address match tests: the same rules stand
 * in iptables-legacy's (ip6tables-legacy's) OUTPUT chain and, translated, each in its own nft output chain of a
 * throwaway namespace; crafted packets are sent over lo with raw sockets (python3, which can write whole IPv4
 * and IPv6 headers), and each rule's packet count is read back from both sides.
 *
 * The packets cover what the translations claim: non-first fragments, header lengths counted in bytes,
 * reserved fields, SCTP chunks, DCCP types, TOS bytes, extension header chains.
 */
import type { Family } from "../../src/ast/index.js";
import { printNftText } from "../../src/nft/index.js";
import { createNetns, hasCommand } from "../helpers/netns.js";
import { kernelSkipReason } from "../helpers/translate.js";
import { translateMatch } from "./match-cases.js";

/** Why packets cannot be counted here, or undefined when they can. */
export const countSkipReason: string | undefined =
  kernelSkipReason ??
  (!hasCommand("iptables-legacy") || !hasCommand("ip6tables-legacy") ? "needs iptables-legacy and ip6tables-legacy" : !hasCommand("python3") ? "needs python3 (raw sockets)" : undefined);

/** A crafted packet: its family and every byte from the IP header on (sent to 127.0.0.1 or ::1). */
export interface Packet {
  readonly name: string;
  readonly family: Family;
  readonly bytes: readonly number[];
}

const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number): number[] => [...u16(Math.floor(n / 0x10000)), ...u16(n & 0xffff)];

/** An IPv4 header around `payload`, 127.0.0.1 to 127.0.0.1 (the kernel fills in length and checksum). */
function ip4(proto: number, payload: readonly number[], o: { fragOffset?: number; tos?: number; ttl?: number } = {}): number[] {
  const len = 20 + payload.length;
  return [0x45, o.tos ?? 0, ...u16(len), ...u16(1), ...u16(o.fragOffset ?? 0), o.ttl ?? 64, proto, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1, ...payload];
}

/** An IPv6 header around `payload`, ::1 to ::1. */
function ip6(nextHeader: number, payload: readonly number[], trafficClass = 0): number[] {
  const first = [0x60 | (trafficClass >> 4), (trafficClass & 0x0f) << 4, 0, 0];
  const loopback = [...(Array(15).fill(0) as number[]), 1];
  return [...first, ...u16(payload.length), nextHeader, 64, ...loopback, ...loopback, ...payload];
}

function tcp(sport: number, dport: number, flags: number, options: readonly number[] = []): number[] {
  const doff = 5 + options.length / 4;
  return [...u16(sport), ...u16(dport), ...u32(1), ...u32(0), doff << 4, flags, ...u16(8192), 0, 0, 0, 0, ...options];
}

function udp(sport: number, dport: number, data: readonly number[] = [1, 2, 3, 4]): number[] {
  return [...u16(sport), ...u16(dport), ...u16(8 + data.length), 0, 0, ...data];
}

function sctpChunk(type: number, flags: number, length: number): number[] {
  return [type, flags, ...u16(length), ...(Array(length - 4).fill(0) as number[])];
}

function dccp(type: number): number[] {
  // Ports, data offset 4 words, ccval/cscov, checksum, then res:3 type:4 x:1 with x set, and a 48-bit sequence.
  return [...u16(7), ...u16(8), 4, 0, 0, 0, (type << 1) | 1, 0, 0, 0, 0, 0, 0, 0];
}

/** An IPv6 options header (Hop-by-Hop, Destination) of 8 bytes: one PadN. */
function optionsHeader(nextHeader: number): number[] {
  return [nextHeader, 0, 1, 4, 0, 0, 0, 0];
}

/** An AH header of `words32 + 2` 32-bit words (ip6t_ah's length: `(hdrlength + 2) * 4` bytes). */
function ah(nextHeader: number, hdrlength: number, spi: number, reserved = 0): number[] {
  const total = (hdrlength + 2) * 4;
  return [nextHeader, hdrlength, ...u16(reserved), ...u32(spi), ...u32(1), ...(Array(total - 12).fill(0) as number[])];
}

function fragmentHeader(nextHeader: number, offset: number, more: boolean, id: number, reserved = 0): number[] {
  return [nextHeader, reserved, ...u16((offset << 3) | (more ? 1 : 0)), ...u32(id)];
}

/** A TCP SYN with ECE, MSS 1460 and SACK permitted, to 80. */
const tcpSyn = tcp(1234, 80, 0x42, [2, 4, 5, 0xb4, 1, 1, 4, 2]);

/** The packets every count test sends, in this order. */
export const packets: readonly Packet[] = [
  { name: "tcp syn+ece mss 1460 to 80", family: "ipv4", bytes: ip4(6, tcpSyn) },
  // Offset 2 (16 bytes): xt_tcp drops a TCP fragment at offset 1 outright ("evil TCP offset=1 frag"), as malformed.
  { name: "tcp later fragment (data looks like the syn)", family: "ipv4", bytes: ip4(6, tcpSyn, { fragOffset: 2 }) },
  { name: "tcp ack from 443", family: "ipv4", bytes: ip4(6, tcp(443, 5555, 0x10)) },
  { name: "udp to 53, length 100, tos 0x10", family: "ipv4", bytes: ip4(17, udp(1234, 53, Array(72).fill(0) as number[]), { tos: 0x10 }) },
  { name: "udp later fragment, tos 0x12", family: "ipv4", bytes: ip4(17, udp(1234, 53), { fragOffset: 2, tos: 0x12 }) },
  { name: "icmp echo request", family: "ipv4", bytes: ip4(1, [8, 0, 0, 0, 0, 1, 0, 1]) },
  { name: "icmp later fragment", family: "ipv4", bytes: ip4(1, [8, 0, 0, 0, 0, 1, 0, 1], { fragOffset: 2 }) },
  { name: "icmp host unreachable, tos 0xb8", family: "ipv4", bytes: ip4(1, [3, 1, 0, 0, 0, 0, 0, 0], { tos: 0xb8 }) },
  { name: "esp spi 5", family: "ipv4", bytes: ip4(50, [...u32(5), ...u32(1), 0, 0, 0, 0]) },
  { name: "esp later fragment", family: "ipv4", bytes: ip4(50, [...u32(5), ...u32(1), 0, 0, 0, 0], { fragOffset: 2 }) },
  { name: "sctp data+sack", family: "ipv4", bytes: ip4(132, [...u16(1), ...u16(2), 0, 0, 0, 1, 0, 0, 0, 0, ...sctpChunk(0, 3, 16), ...sctpChunk(3, 0, 16)]) },
  { name: "sctp init", family: "ipv4", bytes: ip4(132, [...u16(1), ...u16(2), 0, 0, 0, 0, 0, 0, 0, 0, ...sctpChunk(1, 0, 20)]) },
  { name: "sctp later fragment", family: "ipv4", bytes: ip4(132, [...u16(1), ...u16(2), 0, 0, 0, 1, 0, 0, 0, 0, ...sctpChunk(0, 3, 16)], { fragOffset: 2 }) },
  { name: "dccp type 10", family: "ipv4", bytes: ip4(33, dccp(10)) },
  { name: "dccp type 11", family: "ipv4", bytes: ip4(33, dccp(11)) },
  { name: "dccp request", family: "ipv4", bytes: ip4(33, dccp(0)) },
  { name: "udp ttl 5", family: "ipv4", bytes: ip4(17, udp(5, 6), { ttl: 5 }) },
  { name: "ah 24 bytes, spi 500", family: "ipv6", bytes: ip6(51, ah(59, 4, 500)) },
  { name: "ah 24 bytes, spi 600, reserved 1", family: "ipv6", bytes: ip6(51, ah(59, 4, 600, 1)) },
  { name: "hbh, then ah 12 bytes, spi 500", family: "ipv6", bytes: ip6(0, [...optionsHeader(51), ...ah(59, 1, 500)]) },
  { name: "hbh, then udp to 53", family: "ipv6", bytes: ip6(0, [...optionsHeader(17), ...udp(1234, 53)]) },
  { name: "first fragment id 100, udp", family: "ipv6", bytes: ip6(44, [...fragmentHeader(17, 0, true, 100), ...udp(1234, 53)]) },
  { name: "later fragment id 200, udp", family: "ipv6", bytes: ip6(44, [...fragmentHeader(17, 1, false, 200), ...udp(1234, 53)]) },
  { name: "atomic fragment id 100, reserved 1, udp", family: "ipv6", bytes: ip6(44, [...fragmentHeader(17, 0, false, 100, 1), ...udp(1234, 53)]) },
  { name: "routing header type 2, 24 bytes, 1 segment left", family: "ipv6", bytes: ip6(43, [59, 2, 2, 1, 0, 0, 0, 0, ...(Array(16).fill(0) as number[])]) },
  { name: "mobility header type 5", family: "ipv6", bytes: ip6(135, [59, 0, 5, 0, 0, 0, 0, 0]) },
  { name: "icmpv6 type 148", family: "ipv6", bytes: ip6(58, [148, 0, 0, 0, 0, 0, 0, 0]) },
  { name: "udp, length 100, traffic class 0x10", family: "ipv6", bytes: ip6(17, udp(1234, 53, Array(52).fill(0) as number[]), 0x10) },
  { name: "esp spi 7", family: "ipv6", bytes: ip6(50, [...u32(7), ...u32(1), 0, 0, 0, 0]) },
  { name: "destination options, no next header, traffic class 0xb8", family: "ipv6", bytes: ip6(60, optionsHeader(59), 0xb8) },
];

/** One rule (without `-A OUTPUT`) and its family. */
export interface CountRule {
  readonly family: Family;
  readonly rule: string;
}

/** How many of {@link packets} each rule matched, on each side. */
export interface Counts {
  readonly xt: readonly number[];
  readonly nft: readonly number[];
}

/** Loads the rules on both sides, sends every packet once, and reads each rule's packet count. */
export function countPackets(rules: readonly CountRule[]): Counts {
  const ns = createNetns("ipt2nft-count");
  try {
    if (ns.exec("ip", ["link", "set", "lo", "up"]).code !== 0) throw new Error("cannot bring lo up");
    for (const r of rules) {
      const tool = r.family === "ipv4" ? "iptables-legacy" : "ip6tables-legacy";
      const added = ns.exec(tool, ["-A", "OUTPUT", ...r.rule.split(" ")]);
      if (added.code !== 0) throw new Error(`${tool} -A OUTPUT ${r.rule}: ${added.stderr}`);
    }
    const tables = rules.map((r, i) => {
      const table = translateMatch(`-A OUTPUT ${r.rule}`, r.family).result?.nft.tables[0];
      if (table === undefined) throw new Error(`no translation for ${r.rule}`);
      // A counter statement at the very end counts the packets the whole rule matched. (The rule's own counter
      // goes after its last match statement, which would leave out a raw statement such as `sctp chunk`.)
      const chains = table.chains.map((c) => ({ ...c, rules: c.rules.map((rule) => ({ ...rule, counter: undefined, exprs: [...rule.exprs, { kind: "counter" as const }] })) }));
      return { ...table, chains, name: `r${i}` };
    });
    const loaded = ns.exec("nft", ["-f", "-"], printNftText({ kind: "ruleset", tables }));
    if (loaded.code !== 0) throw new Error(`nft: ${loaded.stderr}`);
    const script = [
      "import socket, sys",
      "s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)",
      "s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)",
      "for i, line in enumerate(sys.stdin):",
      "    family, data = line.split()",
      "    try:",
      "        (s4 if family == '4' else s6).sendto(bytes.fromhex(data), ('127.0.0.1', 0) if family == '4' else ('::1', 0))",
      "    except OSError as e:",
      "        print(i, e, file=sys.stderr)",
    ].join("\n");
    const input = packets.map((p) => `${p.family === "ipv4" ? 4 : 6} ${Buffer.from(p.bytes).toString("hex")}\n`).join("");
    const sent = ns.exec("python3", ["-c", script], input);
    // A packet the kernel refused to send (a match dropped it as malformed) would skew every later rule's count.
    if (sent.code !== 0 || sent.stderr !== "") throw new Error(`sending failed: ${sent.stderr}`);
    const xtCounts = (tool: string): number[] =>
      ns
        .exec(tool, ["-L", "OUTPUT", "-v", "-x", "-n"])
        .stdout.split("\n")
        .slice(2)
        .filter((l) => l.trim() !== "")
        .map((l) => Number(l.trim().split(/\s+/)[0]));
    const v4 = xtCounts("iptables-legacy");
    const v6 = xtCounts("ip6tables-legacy");
    const xt = rules.map((r) => (r.family === "ipv4" ? v4.shift() : v6.shift()) ?? -1);
    const nft = tables.map((t) => Number(/counter packets (\d+)/.exec(ns.exec("nft", ["list", "chain", t.family, t.name, "OUTPUT"]).stdout)?.[1] ?? "-1"));
    return { xt, nft };
  } finally {
    ns.destroy();
  }
}
