/**
 * The packet model both evaluators share: one packet on one path through the hooks, the host it meets
 * (addresses, interfaces), and the state that lives between packets (conntrack, sets, counters, clock).
 * Packets are immutable; evaluation returns a new packet and a new state.
 * @module
 */

/**
 * Address family of a packet.
 *
 * @example
 * ```ts
 * const family: PacketFamily = "ipv6";
 * const local = (p: Packet): boolean => p.family === family && p.daddr === "::1";
 * ```
 */
export type PacketFamily = "ipv4" | "ipv6";

/**
 * The way a packet takes through the hooks: received for this host (prerouting → input), forwarded
 * (prerouting → forward → postrouting), or sent by this host (output → postrouting).
 *
 * @example
 * ```ts
 * // Check forwarded packets only (a router's rules).
 * const paths: readonly PacketPath[] = ["forward"];
 * const options: EquivalenceOptions = { paths };
 * ```
 */
export type PacketPath = "input" | "forward" | "output";

/** A netfilter hook. */
export type Hook = "prerouting" | "input" | "forward" | "output" | "postrouting";

/** The hooks of each path, in order. */
export const hooksOf: Readonly<Record<PacketPath, readonly Hook[]>> = {
  input: ["prerouting", "input"],
  forward: ["prerouting", "forward", "postrouting"],
  output: ["output", "postrouting"],
};

/** Connection tracking state as both iptables and nft see it. */
export type CtState = "new" | "established" | "related" | "invalid" | "untracked";

/** Conntrack status bits (the ones rules test). */
export interface CtStatus {
  readonly expected: boolean;
  readonly seenReply: boolean;
  readonly assured: boolean;
  readonly confirmed: boolean;
  readonly snat: boolean;
  readonly dnat: boolean;
}

/** One direction's tuple of a connection. Addresses are canonical text (as src/ast/address formats them). */
export interface CtTuple {
  readonly saddr: string;
  readonly daddr: string;
  readonly l4proto: number;
  readonly sport?: number;
  readonly dport?: number;
}

/**
 * The connection a packet belongs to, when it has one (absent for invalid and untracked packets).
 *
 * @example
 * ```ts
 * const ct: Conntrack = {
 *   state: "established",
 *   status: { expected: false, seenReply: true, assured: true, confirmed: true, snat: false, dnat: false },
 *   mark: 0, zone: 0, direction: "original",
 *   original: { saddr: "192.0.2.7", daddr: "10.0.0.1", l4proto: 6, sport: 40000, dport: 22 },
 *   reply: { saddr: "10.0.0.1", daddr: "192.0.2.7", l4proto: 6, sport: 22, dport: 40000 },
 *   expires: 120, packets: { original: 2n, reply: 1n }, bytes: { original: 120n, reply: 60n }, labels: [],
 * };
 * const established = (p: Packet): Packet => ({ ...p, ct });
 * ```
 */
export interface Conntrack {
  readonly state: CtState;
  readonly status: CtStatus;
  readonly mark: number;
  readonly zone: number;
  readonly direction: "original" | "reply";
  readonly original: CtTuple;
  readonly reply: CtTuple;
  readonly helper?: string;
  /**
   * For a connection set up through an expectation (related, status `expected`): the helper of the master
   * connection that expected it. xt_helper (`-m helper`) tests this, not the connection's own helper.
   */
  readonly masterHelper?: string;
  /** Seconds left before the entry expires. */
  readonly expires: number;
  readonly packets: { readonly original: bigint; readonly reply: bigint };
  readonly bytes: { readonly original: bigint; readonly reply: bigint };
  readonly labels: readonly number[];
}

/** The local socket a packet belongs to (output path, or input when one is found). */
export interface Socket {
  readonly uid: number;
  readonly gid: number;
  readonly transparent: boolean;
  readonly mark: number;
  /**
   * A full socket; false for a TIME_WAIT (or SYN_RECV) one. Measured on Linux 6.18: xt_owner and nft's
   * `meta skuid`/`skgid` see no socket for what a TIME_WAIT socket sends. (The kernel gives a SYN_RECV
   * request socket's packets its listener, a full socket, so model those with `full: true`.)
   */
  readonly full: boolean;
  /** Bound to the any-address. */
  readonly wildcard: boolean;
}

/**
 * One packet at the start of its path.
 *
 * @example
 * ```ts
 * const packet: Packet = {
 *   family: "ipv4", path: "input", iif: "eth0", saddr: "192.0.2.7", daddr: "10.0.0.1", l4proto: 6, sport: 40000, dport: 22,
 *   tcpFlags: 0x02, length: 60, ttl: 64, dscp: 0, ecn: 0, mark: 0, pkttype: "unicast", cpu: 0,
 * };
 * // A first packet of a connection: conntrack says new, with the packet's own tuple.
 * const syn: Packet = { ...packet, ctInvalid: false };
 * ```
 */
export interface Packet {
  readonly family: PacketFamily;
  readonly path: PacketPath;
  /** Input interface name (absent on the output path). */
  readonly iif?: string;
  /** Output interface name (absent on the input path). */
  readonly oif?: string;
  readonly saddr: string;
  readonly daddr: string;
  /** Transport protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, ...). */
  readonly l4proto: number;
  readonly sport?: number;
  readonly dport?: number;
  /** TCP flag bits (FIN 0x01 ... CWR 0x80). */
  readonly tcpFlags?: number;
  /** TCP option kinds present, and the MSS option's value. */
  readonly tcpOptions?: readonly number[];
  readonly mss?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** Total length of the IP packet in bytes. */
  readonly length: number;
  /** TTL (IPv4) or hop limit (IPv6). */
  readonly ttl: number;
  readonly dscp: number;
  readonly ecn: number;
  readonly mark: number;
  readonly pkttype: "unicast" | "broadcast" | "multicast";
  /** Source MAC, on input and forward paths. */
  readonly mac?: string;
  /** IPv4 fragment offset (in 8-byte units) and more-fragments flag; packets are whole by default. */
  readonly fragOffset?: number;
  readonly moreFragments?: boolean;
  /** The connection, looked up before any rule runs; absent for untracked or invalid packets. */
  readonly ct?: Conntrack;
  /** When absent, the packet has no conntrack entry: `ctInvalid` says whether it is invalid or untracked. */
  readonly ctInvalid?: boolean;
  readonly socket?: Socket;
  /** CPU the packet is processed on. */
  readonly cpu: number;
  /** skb->priority (the tc class CLASSIFY and `meta priority set` write); 0 when absent. */
  readonly priority?: number;
  /**
   * IPv6 only: the Hop-by-Hop Options header's Hdr Ext Len (its size is `(hopByHopLength + 1) * 8` bytes),
   * when the packet carries one. The model orders the extension headers as RFC 8200 does: Hop-by-Hop,
   * Destination Options, Routing, Fragment, then AH, ESP or the upper-layer protocol. `length` counts them.
   */
  readonly hopByHopLength?: number;
  /** IPv6 only: the Hdr Ext Len of the Destination Options header (before the Routing header), when the packet carries one. */
  readonly destinationOptionsLength?: number;
  /** IPv6 only: the Routing header, when the packet carries one (absent: no Routing header). */
  readonly routingHeader?: RoutingHeader;
  /**
   * The IPsec header's index, when `l4proto` is 50 (ESP), 51 (AH) or 108 (IPComp): the ESP or AH SPI, or
   * the IPComp CPI (16 bits); 0 when absent. In IPv6 an AH header is the last one the model walks (nft's
   * header walk stops there too), so its `l4proto` is 51.
   */
  readonly spi?: number;
  /** AH only: the Payload Len field (the header's length in 32-bit words, minus 2); 4 when absent (a 12-byte ICV). */
  readonly ahLength?: number;
  /** AH only: the Reserved field; 0 when absent. */
  readonly ahReserved?: number;
  /** DCCP (`l4proto` 33) only: the packet type (0 Request ... 9 SyncAck; 10-15 are reserved); 0 when absent. */
  readonly dccpType?: number;
  /** IPv6 Mobility header (`l4proto` 135) only: the MH Type; 0 when absent. Its Payload Proto is No Next Header (59), as RFC 6275 requires. */
  readonly mhType?: number;
}

/**
 * An IPv6 Routing header (RFC 8200 section 4.4). The model places it right after the IPv6 header (so
 * `ip6 nexthdr` reads 43) and before a Fragment header, as RFC 8200 orders them; the upper-layer
 * protocol (`l4proto`) and the transport header are unchanged by it. The packet's `length` counts it.
 *
 * @example
 * ```ts
 * // A type 0 header (deprecated by RFC 5095) listing two addresses, one segment left.
 * const rh0: RoutingHeader = { type: 0, segmentsLeft: 1, hdrLength: 4, reserved: 0, addresses: ["2001:db8::1", "2001:db8::2"] };
 * const withRh0 = (p: Packet): Packet => ({ ...p, routingHeader: rh0 });
 * ```
 */
export interface RoutingHeader {
  /** Routing Type (0 source route, 2 Mobile IPv6, 3 RPL, 4 segment routing). */
  readonly type: number;
  /** Segments Left. */
  readonly segmentsLeft: number;
  /** Hdr Ext Len: the header's length in 8-octet units, not counting the first 8 octets (so its size is `(hdrLength + 1) * 8` bytes). */
  readonly hdrLength: number;
  /** The 32 bits after Segments Left (the type 0 header's Reserved field). */
  readonly reserved: number;
  /**
   * The 16-byte words after the first 8 octets, as addresses (the type 0 and type 2 address list).
   * For a well-formed header there are `hdrLength / 2` of them; the kernel's ip6t_rt reads that many.
   */
  readonly addresses: readonly string[];
}

/**
 * One interface of the host model.
 *
 * @example
 * ```ts
 * // eth0 in device group 1, with an address whose /24 is on its link.
 * const eth0: HostInterface = { name: "eth0", group: 1, addresses: ["10.0.0.1/24", "fd00::1/64"] };
 * ```
 */
export interface HostInterface {
  readonly name: string;
  /** Device group (`ip link set dev NAME group N`, what `-m devgroup` and `meta iifgroup` read); the kernel's default is 0. */
  readonly group: number;
  /**
   * The interface's own addresses, each bare (`10.0.0.1`, a host address) or with the length of the prefix
   * on the link (`10.0.0.1/24`), from which the kernel derives a connected route through this interface
   * and, for IPv4 prefixes up to /30, the directed broadcast address (`10.0.0.255`) on it.
   */
  readonly addresses: readonly string[];
  /** More broadcast addresses on this interface (the local table's `broadcast ADDR dev NAME` routes). */
  readonly broadcastAddresses?: readonly string[];
}

/**
 * A route of the host model's routing table (the main table, or with `mark` a policy table chosen by
 * `ip rule add fwmark MARK lookup TABLE`).
 *
 * @example
 * ```ts
 * const routes: readonly HostRoute[] = [
 *   { destination: "0.0.0.0/0", nexthops: ["eth0"] },
 *   { destination: "192.0.2.0/24", nexthops: ["eth1"] },
 *   { destination: "198.51.100.0/24", nexthops: [], type: "blackhole" },
 *   // Flows with mark 7 reach 203.0.113.0/24 through eth1; others take the default route.
 *   { destination: "203.0.113.0/24", nexthops: ["eth1"], mark: 7 },
 * ];
 * ```
 */
export interface HostRoute {
  /** `ADDRESS/LENGTH` (`0.0.0.0/0`, `::/0` for a default route); a bare address is a host route. */
  readonly destination: string;
  /** The interfaces of the route's next hops: one, several for a multipath route, none for a route that is no way out. */
  readonly nexthops: readonly string[];
  /** The route's type (default `unicast`): `blackhole`, `unreachable` and `prohibit` make the lookup fail. */
  readonly type?: "unicast" | "blackhole" | "unreachable" | "prohibit";
  /** Only for flows whose mark is exactly this (a policy table, consulted before the main table); absent: every flow. */
  readonly mark?: number;
}

/**
 * The host the packet meets: which addresses are its own, broadcast or multicast, its interfaces and
 * its routes. Both evaluators read it through the same functions (src/eval/common.ts), so `-m addrtype`,
 * `-m rpfilter`, `-m devgroup` and nft's `fib` and `meta iifgroup` see one host.
 *
 * - An address is local when `localAddresses` lists it or an interface has it (127.0.0.0/8 and ::1 always,
 *   on `lo`); it is local *on an interface* when that interface has it.
 * - An address is broadcast when `broadcastAddresses` lists it or an interface has it as a broadcast
 *   address (listed, or derived from one of its IPv4 prefixes); on an interface only in the latter case.
 * - Routes: the local table (local and broadcast addresses, on their interfaces) comes first, then the
 *   `routes` with the flow's mark, then the unmarked `routes`, each by longest prefix (the first listed
 *   among equal prefixes), then the connected routes of the interfaces' prefixes. When `routes` is absent,
 *   the host also has a default route for each family through its first non-loopback interface with an
 *   address of that family. IPv6 link-local destinations are on the interface the lookup names.
 *
 * @example
 * ```ts
 * const host: HostModel = {
 *   localAddresses: ["10.0.0.1", "127.0.0.1"],
 *   broadcastAddresses: ["10.0.0.255"],
 *   interfaces: [{ name: "lo", group: 0, addresses: ["127.0.0.1/8"] }, { name: "eth0", group: 0, addresses: ["10.0.0.1/24"] }],
 *   routes: [{ destination: "0.0.0.0/0", nexthops: ["eth0"] }],
 * };
 * const options: EquivalenceOptions = { host };
 * ```
 */
export interface HostModel {
  readonly localAddresses: readonly string[];
  readonly broadcastAddresses: readonly string[];
  readonly interfaces: readonly HostInterface[];
  /** The routing table beyond connected routes; absent: a default route per family (see above). */
  readonly routes?: readonly HostRoute[];
}

/** Time, for limit, recent, time and timeouts. Seconds since the epoch, UTC; fractions allowed. */
export interface Clock {
  readonly now: number;
}

/** An exact rational number `num / den` (den > 0), for probabilities. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}
