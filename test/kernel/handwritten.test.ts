/**
 * Agreement with the real kernel on hand-written rulesets (issue 4, item 7): filter and nat (DNAT with a
 * port, SNAT, MASQUERADE, REDIRECT, a DNAT that makes a forwarded packet local), marks and connmarks,
 * conntrack state, multiport, negations, statistic at probability 0 and 1 and nth over the packet sequence,
 * IPv4 and IPv6. Each ruleset is loaded with iptables-legacy-restore into one router and its translation
 * with nft -f into another; hand-picked packets and packets generated from the rules go through both; per
 * rule counters, what reaches the server, and the iptables evaluator's prediction must agree (see
 * test/helpers/kernel-agreement.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Family, Ruleset } from "../../src/ast/index.js";
import type { HostModel, Packet } from "../../src/eval/packet.js";
import { type KernelCase, type LabPacketFields, labPacket, labPacketsFor, runKernelCase } from "../helpers/kernel-agreement.js";
import { type KernelLab, type RouterInterfaces, createKernelLab, kernelLabSkipReason } from "../helpers/kernel-lab.js";

const interfaces: RouterInterfaces = { in: "eth0", out: "eth1" };

/** Hand-picked packets first, then `generated` packets aimed at the rules (seeded). */
function packets(family: Family, picked: readonly LabPacketFields[], generated = 40): (rs: Ruleset, host: HostModel) => readonly Packet[] {
  return (rs, host) => [...picked.map((f) => labPacket(family, interfaces, f)), ...labPacketsFor(rs, host, interfaces, generated, 7)];
}

const tcp = (saddr: string, daddr: string, sport: number, dport: number, over: Partial<LabPacketFields> = {}): LabPacketFields => ({ saddr, daddr, l4proto: 6, sport, dport, ...over });
const udp = (saddr: string, daddr: string, sport: number, dport: number, over: Partial<LabPacketFields> = {}): LabPacketFields => ({ saddr, daddr, l4proto: 17, sport, dport, ...over });
const ping = (saddr: string, daddr: string, over: Partial<LabPacketFields> = {}): LabPacketFields => ({ saddr, daddr, l4proto: 1, ...over });
const ping6 = (saddr: string, daddr: string, over: Partial<LabPacketFields> = {}): LabPacketFields => ({ saddr, daddr, l4proto: 58, ...over });

/**
 * The second packet of a flow whose first packet (a SYN) was DNATed and masqueraded: a retransmitted SYN,
 * since conntrack holds the connection in SYN_SENT, where a bare ACK from the same side is invalid
 * (measured). Conntrack has confirmed the connection, so the nat chains are not asked again and the binding
 * rewrites the packet; no reply has been seen, so its state is still NEW.
 */
function secondOfFlow(first: Packet): Packet {
  const ct = first.ct;
  if (ct === undefined || first.sport === undefined) throw new Error("a flow needs a tracked first packet with ports");
  return {
    ...first,
    ct: {
      ...ct,
      status: { ...ct.status, confirmed: true, dnat: true, snat: true },
      reply: { saddr: "192.0.2.10", daddr: "10.2.0.1", l4proto: 6, sport: 80, dport: first.sport },
      packets: { original: 2n, reply: 0n },
    },
  };
}

const flowFirst = (): Packet => labPacket("ipv4", interfaces, tcp("198.51.100.1", "203.0.113.9", 7001, 8080));

const cases: readonly KernelCase[] = [
  {
    name: "a flow: the retransmitted SYN of a DNATed, masqueraded connection takes the binding, the nat chains see only the first",
    family: "ipv4",
    interfaces,
    iptables: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 192.0.2.10:80
-A POSTROUTING -o eth1 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate NEW --ctorigdst 203.0.113.9 -p tcp --dport 80 -j ACCEPT
COMMIT
`,
    packets: () => [flowFirst(), secondOfFlow(flowFirst())],
  },
  {
    name: "filter: multiport, conntrack state, negations, user chain with RETURN, REJECT, length, tcp flags, dscp",
    family: "ipv4",
    interfaces,
    iptables: `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:web - [0:0]
-A INPUT -p tcp --dport 22 -j ACCEPT
-A INPUT -p udp -m multiport --dports 53,123,5000:5010 -j ACCEPT
-A INPUT -p icmp --icmp-type echo-request -j ACCEPT
-A INPUT -m conntrack --ctstate INVALID -j DROP
-A INPUT -j REJECT --reject-with icmp-port-unreachable
-A FORWARD -m conntrack --ctstate INVALID -j DROP
-A FORWARD -i eth0 -o eth1 -p tcp -m multiport --dports 80,443 -j web
-A FORWARD ! -s 198.51.100.0/24 -p udp ! --dport 53 -j DROP
-A FORWARD -p udp -j ACCEPT
-A FORWARD -p icmp -j ACCEPT
-A FORWARD -p tcp --tcp-flags SYN,ACK,FIN,RST SYN -m length --length 0:100 -j ACCEPT
-A FORWARD ! -i eth0 -j ACCEPT
-A web -s 198.51.100.0/25 -j RETURN
-A web -m dscp --dscp 46 -j ACCEPT
-A web -m dscp ! --dscp 0 -j DROP
-A web -j ACCEPT
COMMIT
`,
    packets: packets("ipv4", [
      tcp("198.51.100.1", "10.1.0.1", 1001, 22),
      udp("198.51.100.1", "10.2.0.1", 1002, 5005),
      udp("198.51.100.1", "10.2.0.1", 1003, 5011),
      ping("198.51.100.1", "10.1.0.1"),
      ping("198.51.100.1", "10.1.0.1", { icmpType: 0 }),
      tcp("198.51.100.1", "10.1.0.1", 1004, 23, { tcpFlags: 0x12 }),
      tcp("198.51.100.1", "203.0.113.5", 1005, 80),
      tcp("198.51.100.200", "203.0.113.5", 1006, 443, { dscp: 46 }),
      tcp("198.51.100.200", "203.0.113.5", 1007, 443, { dscp: 10 }),
      tcp("198.51.100.200", "203.0.113.5", 1008, 8080, { length: 60 }),
      tcp("198.51.100.200", "203.0.113.5", 1009, 8080, { length: 200 }),
      tcp("198.51.100.200", "203.0.113.5", 1010, 8080, { tcpFlags: 0x10 }),
      udp("192.0.2.1", "203.0.113.5", 1011, 53),
      udp("192.0.2.1", "203.0.113.5", 1012, 54),
      udp("198.51.100.3", "203.0.113.5", 1013, 54),
      tcp("198.51.100.3", "203.0.113.5", 1014, 80, { tcpFlags: 0x03 }),
    ]),
  },
  {
    name: "nat: DNAT with a port, DNAT to the router, REDIRECT, SNAT, MASQUERADE, ctstate DNAT, ctorigdstport",
    family: "ipv4",
    interfaces,
    iptables: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 10.1.0.1/32 -p tcp --dport 8080 -j DNAT --to-destination 192.0.2.10:80
-A PREROUTING -p udp --dport 5353 -j DNAT --to-destination 192.0.2.11
-A PREROUTING -p tcp --dport 2222 -j REDIRECT --to-ports 22
-A PREROUTING -d 203.0.113.0/24 -p tcp --dport 81 -j DNAT --to-destination 10.2.0.1:8081
-A POSTROUTING -s 198.51.100.0/25 -o eth1 -j SNAT --to-source 192.0.2.1
-A POSTROUTING -s 198.51.100.128/25 -o eth1 -j MASQUERADE
-A POSTROUTING -p udp -o eth1 -j SNAT --to-source 192.0.2.2:7000-7100
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 22 -j ACCEPT
-A INPUT -p tcp --dport 8081 -m conntrack --ctstate DNAT -j ACCEPT
-A INPUT -j DROP
-A FORWARD -d 192.0.2.10/32 -p tcp --dport 80 -m conntrack --ctstate DNAT -j ACCEPT
-A FORWARD -m conntrack --ctproto udp --ctorigdstport 5353 -j ACCEPT
-A FORWARD -p udp -j ACCEPT
-A FORWARD -s 198.51.100.0/24 -j ACCEPT
-A FORWARD -j DROP
COMMIT
`,
    packets: packets("ipv4", [
      tcp("198.51.100.1", "10.1.0.1", 2001, 8080),
      tcp("198.51.100.130", "10.1.0.1", 2002, 8080),
      udp("198.51.100.2", "203.0.113.9", 2003, 5353),
      udp("192.0.2.99", "203.0.113.9", 2004, 5353),
      tcp("198.51.100.3", "203.0.113.9", 2005, 2222),
      tcp("198.51.100.4", "203.0.113.9", 2006, 81),
      tcp("198.51.100.200", "203.0.113.9", 2007, 443),
      tcp("192.0.2.50", "203.0.113.9", 2008, 443),
      udp("192.0.2.50", "203.0.113.9", 7050, 9999),
    ]),
  },
  {
    name: "marks: MARK --set-xmark / --set-mark, CONNMARK --save-mark, mark and connmark matches, DSCP",
    family: "ipv4",
    interfaces,
    iptables: `*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp --dport 80 -j MARK --set-xmark 0x10/0xff
-A PREROUTING -p udp -j MARK --set-mark 0x20
-A PREROUTING -m mark --mark 0x20 -j CONNMARK --save-mark
-A PREROUTING -p tcp --dport 81 -j MARK --or-mark 0x3
-A FORWARD -m mark --mark 0x10/0xf0 -j DSCP --set-dscp 10
-A POSTROUTING -m mark --mark 0x3/0x3 -j DSCP --set-dscp-class EF
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m mark --mark 0x10/0xff -j ACCEPT
-A FORWARD -m connmark --mark 0x20 -p udp --dport 53 -j ACCEPT
-A FORWARD -m mark --mark 0x20 -j DROP
-A FORWARD -m mark ! --mark 0x0 -j ACCEPT
-A INPUT -m mark --mark 0x20 -j DROP
COMMIT
`,
    packets: packets("ipv4", [
      tcp("198.51.100.1", "203.0.113.1", 3001, 80),
      tcp("198.51.100.1", "203.0.113.1", 3002, 81),
      udp("198.51.100.1", "203.0.113.1", 3003, 53),
      udp("198.51.100.1", "203.0.113.1", 3004, 54),
      udp("198.51.100.1", "10.1.0.1", 3005, 54),
      ping("198.51.100.1", "203.0.113.1"),
    ]),
  },
  {
    name: "statistic: probability 0 and 1 at the edges, nth over the packet sequence",
    family: "ipv4",
    interfaces,
    iptables: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp --dport 80 -m statistic --mode random --probability 0.00000000000 -j DNAT --to-destination 192.0.2.20
-A PREROUTING -p tcp --dport 80 -m statistic --mode random --probability 1.00000000000 -j DNAT --to-destination 192.0.2.21
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m statistic --mode random --probability 0.00000000000 -j DROP
-A FORWARD -p udp -m statistic --mode nth --every 3 --packet 0 -j ACCEPT
-A FORWARD -p udp -m statistic --mode nth --every 2 --packet 1 -j DROP
-A FORWARD -m statistic --mode random --probability 1.00000000000 -j ACCEPT
COMMIT
`,
    packets: packets("ipv4", [
      tcp("198.51.100.1", "203.0.113.1", 4001, 80),
      tcp("198.51.100.1", "203.0.113.1", 4002, 80),
      ...[4003, 4004, 4005, 4006, 4007, 4008, 4009].map((sport) => udp("198.51.100.1", "203.0.113.1", sport, 53)),
    ]),
  },
  {
    name: "output path: the router's own packets through mangle, nat (DNAT to a port, SNAT) and filter OUTPUT, owner",
    family: "ipv4",
    interfaces,
    iptables: `*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A OUTPUT -p udp -j MARK --set-mark 0x7
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A OUTPUT -d 203.0.113.0/24 -p tcp --dport 8080 -j DNAT --to-destination 192.0.2.10:80
-A POSTROUTING -m mark --mark 0x7 -o eth1 -j SNAT --to-source 192.0.2.7
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT DROP [0:0]
-A OUTPUT -m owner --uid-owner 0 -p tcp -m conntrack --ctstate DNAT -j ACCEPT
-A OUTPUT -p udp -m mark --mark 0x7 -j ACCEPT
-A OUTPUT -p icmp -o eth1 -j ACCEPT
-A OUTPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset
COMMIT
`,
    packets: () =>
      [tcp("10.3.0.1", "203.0.113.1", 8001, 8080), tcp("10.3.0.1", "203.0.113.1", 8002, 22), tcp("10.3.0.1", "198.51.100.1", 8003, 8080), udp("10.3.0.1", "203.0.113.1", 8004, 53), ping("10.3.0.1", "203.0.113.1")].map((f) =>
        labPacket("ipv4", interfaces, { ...f, fromRouter: true }),
      ),
  },
  {
    name: "IPv6: filter with icmpv6, multiport, REJECT tcp-reset, ! --syn; nat with DNAT to [addr]:port and MASQUERADE",
    family: "ipv6",
    interfaces,
    iptables: `*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT
-A INPUT -p tcp -m multiport --dports 22,80 -j ACCEPT
-A FORWARD -s 2001:db8:100::/48 -p udp -j DROP
-A FORWARD -p tcp ! --syn -j REJECT --reject-with tcp-reset
-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d fd00:1::1/128 -p tcp --dport 8080 -j DNAT --to-destination [2001:db8:300::10]:80
-A POSTROUTING -s 2001:db8:400::/64 -o eth1 -j MASQUERADE
COMMIT
`,
    packets: packets("ipv6", [
      ping6("2001:db8:100::1", "fd00:1::1"),
      ping6("2001:db8:100::1", "fd00:2::1", { icmpType: 129 }),
      tcp("2001:db8:500::1", "fd00:1::1", 5001, 22),
      tcp("2001:db8:500::1", "fd00:1::1", 5002, 23),
      tcp("2001:db8:500::1", "fd00:1::1", 5003, 8080),
      udp("2001:db8:100::7", "2001:db8:900::1", 5004, 53),
      tcp("2001:db8:400::7", "2001:db8:900::1", 5005, 443),
      tcp("2001:db8:400::7", "2001:db8:900::1", 5006, 443, { tcpFlags: 0x10 }),
    ]),
  },
  // ip_forward / ip6_forward decrement the TTL (hop limit) before the FORWARD hook: FORWARD and POSTROUTING
  // see it one lower than PREROUTING (a packet of TTL 64 matches --ttl-eq 64 at PREROUTING, not after).
  {
    name: "TTL and hop limit at FORWARD and POSTROUTING",
    family: "ipv4",
    interfaces,
    iptables: `*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -m ttl --ttl-eq 64 -j ACCEPT
-A FORWARD -m ttl --ttl-eq 64 -j ACCEPT
-A POSTROUTING -m ttl --ttl-eq 64 -j ACCEPT
COMMIT
`,
    // TTL 1 is not forwarded at all (ICMP time exceeded): PREROUTING counts it, FORWARD never sees it.
    packets: () => [64, 65, 65, 1].map((ttl, n) => labPacket("ipv4", interfaces, udp("198.51.100.1", "203.0.113.1", 6000 + n, 53, { ttl }))),
  },
  {
    name: "hop limit at FORWARD",
    family: "ipv6",
    interfaces,
    iptables: "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m hl --hl-eq 64 -j ACCEPT\nCOMMIT\n",
    packets: () => [64, 65, 65].map((ttl, n) => labPacket("ipv6", interfaces, udp("2001:db8:100::1", "2001:db8:200::1", 6100 + n, 53, { ttl }))),
  },
];

describe.skipIf(kernelLabSkipReason !== undefined)(`kernel agreement, hand-written rulesets${kernelLabSkipReason === undefined ? "" : ` (skipped: ${kernelLabSkipReason})`}`, () => {
  let lab: KernelLab | undefined;
  beforeAll(() => {
    lab = createKernelLab("kthand");
  });
  afterAll(() => {
    lab?.destroy();
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    if (lab === undefined) throw new Error("no lab");
    const result = runKernelCase(lab, c);
    if (process.env.KERNEL_REPORT !== undefined) console.log(result.report);
    expect(result.skipped).toBeUndefined();
    expect(result.predicted, result.report).toBe(true);
    expect(result.disagreements, result.report).toEqual([]);
  });
});
