/**
 * Packets and packet sequences for the equivalence property, from the vocabulary the rules use
 * (test/arb/eq-vocabulary.ts): addresses, ports, marks and interfaces the rules name and their edges, with
 * a connection (every conntrack state), a socket on locally sent packets, and the header fields the
 * modules read. Records all the way down, so a counterexample packet shrinks field by field.
 * @module
 */
import fc from "fast-check";
import type { Family } from "../../src/ast/index.js";
import { connectionTuples } from "../../src/eval/common.js";
import type { Conntrack, CtState, Packet, PacketPath, PacketSequence, RoutingHeader, Socket, TimedPacket } from "../../src/eval/index.js";
import { forFamily, packetAddresses, packetInterfaces, packetMarks, packetPorts } from "./eq-vocabulary.js";

/** The connection a packet belongs to, as data: a state and what the connection has seen so far. */
interface ConnectionPlan {
  readonly state: CtState;
  readonly direction: "original" | "reply";
  readonly mark: number;
  readonly helper: string | undefined;
  readonly label: number | undefined;
  readonly packets: bigint;
  readonly bytes: bigint;
  readonly expires: number;
}

const arbConnectionPlan: fc.Arbitrary<ConnectionPlan> = fc.record({
  state: fc.constantFrom<CtState>("new", "new", "established", "established", "related", "invalid", "untracked"),
  direction: fc.constantFrom<"original" | "reply">("original", "original", "reply"),
  mark: fc.constantFrom(...packetMarks),
  helper: fc.constantFrom<string | undefined>(undefined, undefined, "ftp", "sip"),
  label: fc.constantFrom<number | undefined>(undefined, undefined, 3),
  packets: fc.constantFrom(1n, 2n, 50n),
  bytes: fc.constantFrom(60n, 150n, 5000n),
  expires: fc.constantFrom(30, 150),
});

/** `p` with the connection the plan describes (or none, for invalid and untracked packets). */
function withConnection(p: Packet, plan: ConnectionPlan): Packet {
  if (plan.state === "invalid") return { ...p, ctInvalid: true };
  if (plan.state === "untracked") return { ...p, ctInvalid: false };
  const own = connectionTuples(p);
  // A reply travels against the connection: its original tuple is the packet's own, reversed.
  const { original, reply } = plan.direction === "original" ? own : { original: own.reply, reply: own.original };
  const first = plan.state === "new" || plan.state === "related";
  const ct: Conntrack = {
    state: plan.state,
    status: { expected: plan.state === "related", seenReply: !first, assured: !first, confirmed: !first, snat: false, dnat: false },
    mark: first ? 0 : plan.mark,
    zone: 0,
    direction: first ? "original" : plan.direction,
    original: first ? own.original : original,
    reply: first ? own.reply : reply,
    ...(plan.helper === undefined ? {} : plan.state === "related" ? { masterHelper: plan.helper } : { helper: plan.helper }),
    expires: plan.expires,
    packets: { original: plan.packets, reply: first ? 0n : plan.packets / 2n },
    bytes: { original: plan.bytes, reply: first ? 0n : plan.bytes / 3n },
    labels: plan.label === undefined ? [] : [plan.label],
  };
  return { ...p, ct };
}

const arbSocket: fc.Arbitrary<Socket> = fc.record({
  uid: fc.constantFrom(0, 1000, 500),
  gid: fc.constantFrom(0, 100),
  transparent: fc.boolean(),
  mark: fc.constantFrom(...packetMarks),
  full: fc.constantFrom(true, true, false),
  wildcard: fc.boolean(),
});

/** The transport part of a packet: protocol and its header fields. */
type TransportPart = Pick<Packet, "l4proto" | "sport" | "dport" | "tcpFlags" | "tcpOptions" | "mss" | "icmpType" | "icmpCode" | "spi" | "ahLength" | "ahReserved" | "mhType" | "dccpType">;

function arbTransport(family: Family): fc.Arbitrary<TransportPart> {
  const port = fc.constantFrom(...packetPorts);
  const tcp = fc
    .record({
      sport: port,
      dport: port,
      tcpFlags: fc.constantFrom(0x02, 0x10, 0x12, 0x11, 0x04, 0x18, 0x02),
      mss: fc.option(fc.constantFrom(1460, 536, 1200), { nil: undefined }),
    })
    .map(({ mss, ...t }): TransportPart => ({ l4proto: 6, ...t, ...(mss === undefined ? {} : { tcpOptions: [2], mss }) }));
  const udp = fc.record({ sport: port, dport: port }).map((t): TransportPart => ({ l4proto: 17, ...t }));
  const sctp = fc.record({ sport: port, dport: port }).map((t): TransportPart => ({ l4proto: 132, ...t }));
  const icmpTypes: readonly (readonly [number, number])[] = family === "ipv4" ? [[8, 0], [0, 0], [3, 3], [3, 1]] : [[128, 0], [129, 0], [1, 4], [133, 0]];
  const icmp = fc.constantFrom(...icmpTypes).map(([icmpType, icmpCode]): TransportPart => ({ l4proto: family === "ipv4" ? 1 : 58, icmpType, icmpCode }));
  // IPsec headers with SPIs at the edges of the rules' ranges (test/arb/eq-modules.ts); IPComp's CPI has 16 bits.
  const spi = fc.constantFrom(256, 100, 301, 4294967295, 0);
  const esp = spi.map((s): TransportPart => ({ l4proto: 50, spi: s }));
  const ah = fc.record({ spi, ahLength: fc.constantFrom(4, 2, 3), ahReserved: fc.constantFrom(0, 0, 1) }).map((t): TransportPart => ({ l4proto: 51, ...t }));
  const ipcomp = fc.constantFrom(256, 100, 301, 0, 65535).map((cpi): TransportPart => ({ l4proto: 108, spi: cpi }));
  // IPv6 Mobility headers: Binding Update (5), Refresh Request (0), Binding Error (7).
  const mh = fc.constantFrom(5, 0, 7).map((mhType): TransportPart => ({ l4proto: 135, mhType }));
  // DCCP: Request, Data, Ack, Reset and a reserved type (INVALID to xt_dccp).
  const dccp = fc.record({ sport: port, dport: port, dccpType: fc.constantFrom(0, 2, 3, 7, 12) }).map((t): TransportPart => ({ l4proto: 33, ...t }));
  const ipsec = family === "ipv6" ? fc.oneof(esp, ah, ipcomp, mh, dccp) : fc.oneof(esp, ah, ipcomp, dccp);
  return fc.oneof({ arbitrary: tcp, weight: 5 }, { arbitrary: udp, weight: 3 }, { arbitrary: icmp, weight: 1 }, { arbitrary: sctp, weight: 1 }, { arbitrary: ipsec, weight: 1 });
}

/** IPv6 Routing headers (`-m rt`): a type 0 header listing two addresses, a type 2 one listing one. */
const routingHeaders: readonly RoutingHeader[] = [
  { type: 0, segmentsLeft: 1, hdrLength: 4, reserved: 0, addresses: ["fd00::1", "fd01::7"] },
  { type: 2, segmentsLeft: 1, hdrLength: 2, reserved: 0, addresses: ["fd00::2"] },
  { type: 4, segmentsLeft: 0, hdrLength: 2, reserved: 0, addresses: ["fd17::4"] },
];

/** The packet type its destination address implies. */
function packetTypeOf(daddr: string): Packet["pkttype"] {
  if (daddr === "224.0.0.1" || daddr === "ff02::1") return "multicast";
  return daddr === "10.0.0.255" ? "broadcast" : "unicast";
}

/** A packet of `family` on any path, with fields from the shared vocabulary. */
export function arbEqPacket(family: Family): fc.Arbitrary<Packet> {
  const address = fc.constantFrom(...packetAddresses.map((a) => forFamily(family, a)));
  // No multicast or broadcast source: IPv6 drops such packets before any hook, IPv4 routing as martians.
  const source = fc.constantFrom(...packetAddresses.filter((a) => a !== "224.0.0.1" && a !== "10.0.0.255").map((a) => forFamily(family, a)));
  const iface = fc.constantFrom(...packetInterfaces);
  return fc
    .record({
      path: fc.constantFrom<PacketPath>("input", "forward", "output"),
      iif: iface,
      oif: iface,
      saddr: source,
      daddr: address,
      transport: arbTransport(family),
      length: fc.constantFrom(60, 100, 500, 1500, 40),
      ttl: fc.constantFrom(64, 1, 65, 255),
      dscp: fc.constantFrom(0, 0x0a, 0x2e),
      ecn: fc.constantFrom(0, 1, 3),
      mark: fc.constantFrom(...packetMarks),
      mac: fc.constantFrom<string | undefined>("00:11:22:33:44:55", "00:aa:bb:cc:dd:ee", undefined),
      cpu: fc.constantFrom(0, 1),
      socket: fc.option(arbSocket, { nil: undefined }),
      connection: arbConnectionPlan,
      routingHeader: fc.option(fc.constantFrom(...routingHeaders), { nil: undefined, freq: 3 }),
      // Hdr Ext Len of Hop-by-Hop and Destination Options headers: 8 or 16 bytes.
      hopByHopLength: fc.option(fc.constantFrom(0, 1), { nil: undefined, freq: 3 }),
      destinationOptionsLength: fc.option(fc.constantFrom(0, 1), { nil: undefined, freq: 3 }),
    })
    .map(({ path, iif, oif, transport, mac, socket, connection, routingHeader, hopByHopLength, destinationOptionsLength, ...fields }): Packet => {
      const base: Packet = {
        family,
        path,
        ...(path === "output" ? {} : { iif }),
        ...(path === "input" ? {} : { oif }),
        ...fields,
        ...transport,
        pkttype: packetTypeOf(fields.daddr),
        // The length counts the Routing header. A packet too short to hold it is not generated: there the
        // kernels differ (measured on Linux 6.18: ip6t_rt drops it, nft's `rt` expressions read its fields),
        // and each evaluator follows its own, so the translation is not equivalent on such packets.
        ...(routingHeader === undefined || family !== "ipv6" ? {} : { routingHeader, length: Math.max(fields.length, 500) }),
        // Likewise for the options headers: ip6t_hbh does not match a header that runs past the packet's end.
        ...(hopByHopLength === undefined || family !== "ipv6" ? {} : { hopByHopLength, length: Math.max(fields.length, 500) }),
        ...(destinationOptionsLength === undefined || family !== "ipv6" ? {} : { destinationOptionsLength, length: Math.max(fields.length, 500) }),
        // Loopback has no Ethernet header, so no source MAC.
        ...(mac === undefined || path === "output" || iif === "lo" ? {} : { mac }),
        // A socket owns locally sent packets (a full one, or a TIME_WAIT one sending an ACK or RST), and
        // received ones may find a local socket of any kind (socket, TPROXY).
        ...(socket === undefined || path === "forward" ? {} : { socket }),
      };
      return withConnection(base, connection);
    });
}

/** Seconds between two packets of a sequence: often none or a fraction, sometimes a refill or an expiry. */
const arbAdvance = fc.constantFrom(0, 0.001, 0.2, 0.5, 1, 1.5, 3, 12, 61);

/**
 * A later packet of the connection `p` opened or belongs to: established, confirmed, an ACK. A connection
 * set up through an expectation keeps its EXPECTED status bit and its master, as conntrack does.
 */
function laterPacketOf(p: Packet): Packet {
  const ct = p.ct;
  if (ct === undefined) return p;
  return {
    ...p,
    ...(p.l4proto === 6 ? { tcpFlags: 0x10 } : {}),
    ct: { ...ct, state: "established", status: { ...ct.status, seenReply: true, assured: true, confirmed: true }, packets: { original: ct.packets.original + 1n, reply: ct.packets.reply + 1n } },
  };
}

/**
 * A sequence of one to `maxLength` packets of `family`, each some time after the one before. A third of
 * the packets after the first belong to the connection of an earlier one (so a connection mark set by one
 * packet is seen by the next, and per-address state such as recent lists and hashlimit groups repeats).
 */
export function arbPacketSequence(family: Family, maxLength: number): fc.Arbitrary<PacketSequence> {
  const step = fc.record({ packet: arbEqPacket(family), advance: arbAdvance, again: fc.option(fc.nat({ max: maxLength }), { nil: undefined, freq: 3 }) });
  return fc.array(step, { minLength: 1, maxLength }).map((steps) => {
    const sequence: TimedPacket[] = [];
    for (const { packet, advance, again } of steps) {
      const earlier = again === undefined || sequence.length === 0 ? undefined : sequence[again % sequence.length];
      sequence.push({ packet: earlier === undefined ? packet : laterPacketOf(earlier.packet), advance });
    }
    return sequence;
  });
}
