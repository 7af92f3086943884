/**
 * A throwaway two-namespace lab for checking route lookups (rpfilter, fib) against the kernel: a router
 * namespace with `r0` (10.1.0.1/24, a veth to the client) and `r1` (10.2.0.1/24 and 10.2.0.3/24, a veth whose peer stays in
 * the router), a main-table route 10.9.0.0/24 through r1 and, for flows with mark 7 (`ip rule fwmark 7
 * lookup 100`), 10.9.0.0/24 through r0. The client namespace owns 10.1.0.2/24 and the sources 10.9.0.5,
 * 10.7.0.5 (no route back) and 10.2.0.1 (the router's own address on r1), routes r1's subnet through the
 * router, and sends UDP datagrams from any of them to 10.1.0.1:9999 (or another address), which reach the
 * router on r0 (device group 5). {@link routeLabHost} is the same router as a host model.
 *
 * The IPv6 lab ({@link withRouteLab6}) has r0 fd00::1/64 and r1 fd01::1/64, a default route through r1 and a
 * blackhole for fd09::/64; the client writes crafted UDP datagrams (test/kernel/packets.py, so any source,
 * `::` included) to fd00::1:9999 on its end of r0's link.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { HostModel, Packet } from "../../src/eval/packet.js";
import { type Netns, createNetns } from "./netns.js";

/** The router of the lab as the evaluators' host model. */
export const routeLabHost: HostModel = {
  localAddresses: [],
  broadcastAddresses: [],
  interfaces: [
    { name: "lo", group: 0, addresses: ["127.0.0.1/8"] },
    { name: "r0", group: 5, addresses: ["10.1.0.1/24"] },
    { name: "r1", group: 0, addresses: ["10.2.0.1/24", "10.2.0.3/24"] },
    { name: "r1p", group: 0, addresses: [] },
  ],
  routes: [
    { destination: "10.9.0.0/24", nexthops: ["r1"] },
    { destination: "10.9.0.0/24", nexthops: ["r0"], mark: 7 },
  ],
};

/** The sources the client sends from: on r0's link, routed back through r1 (through r0 with mark 7), without a route back, the router's own. */
export const routeLabSources = ["10.1.0.2", "10.9.0.5", "10.7.0.5", "10.2.0.1"] as const;

/** The lab while it exists. */
export interface RouteLab {
  readonly router: Netns;
  /** Sends one UDP datagram (10 bytes of data, IP length 38) from `saddr` to `daddr` (default 10.1.0.1, the router's address on r0), port 9999. */
  send(saddr: string, daddr?: string): void;
}

/** The datagram {@link RouteLab.send} sends, as the router sees it in prerouting (no conntrack loaded). */
export function routeLabDatagram(saddr: string, daddr = "10.1.0.1"): Packet {
  return {
    family: "ipv4",
    path: "input",
    iif: "r0",
    saddr,
    daddr,
    l4proto: 17,
    sport: 40000,
    dport: 9999,
    length: 38,
    ttl: 64,
    dscp: 0,
    ecn: 0,
    mark: 0,
    pkttype: "unicast",
    cpu: 0,
    ctInvalid: false,
  };
}

function must(ns: Netns, cmd: string, args: readonly string[]): void {
  const r = ns.exec(cmd, args);
  if (r.code !== 0) throw new Error(`${ns.name}: ${cmd} ${args.join(" ")}: ${r.stderr}`);
}

/** Builds the lab, runs `fn` in it, and deletes both namespaces whatever happens. */
export function withRouteLab<T>(fn: (lab: RouteLab) => T): T {
  const router = createNetns("ipt2nft-rt-r");
  const client = createNetns("ipt2nft-rt-c");
  try {
    const peer = `rl${String(process.pid % 100000)}`;
    must(router, "ip", ["link", "add", "r0", "type", "veth", "peer", "name", peer]);
    must(router, "ip", ["link", "set", peer, "netns", client.name]);
    must(router, "ip", ["link", "add", "r1", "type", "veth", "peer", "name", "r1p"]);
    must(router, "ip", ["addr", "add", "10.1.0.1/24", "dev", "r0"]);
    must(router, "ip", ["addr", "add", "10.2.0.1/24", "dev", "r1"]);
    // A second address on r1 the client does not own, to send to.
    must(router, "ip", ["addr", "add", "10.2.0.3/24", "dev", "r1"]);
    for (const link of ["lo", "r0", "r1", "r1p"]) must(router, "ip", ["link", "set", link, "up"]);
    must(router, "ip", ["route", "add", "10.9.0.0/24", "dev", "r1"]);
    must(router, "ip", ["route", "add", "10.9.0.0/24", "dev", "r0", "table", "100"]);
    must(router, "ip", ["rule", "add", "fwmark", "7", "lookup", "100"]);
    must(router, "ip", ["link", "set", "r0", "group", "5"]);
    must(client, "ip", ["addr", "add", "10.1.0.2/24", "dev", peer]);
    for (const a of routeLabSources.slice(1)) must(client, "ip", ["addr", "add", `${a}/32`, "dev", peer]);
    for (const link of ["lo", peer]) must(client, "ip", ["link", "set", link, "up"]);
    // r1's subnet (and its broadcast address) through the router, so that datagrams to it arrive on r0.
    must(client, "ip", ["route", "add", "10.2.0.0/24", "via", "10.1.0.1"]);
    const send = (saddr: string, daddr = "10.1.0.1"): void => {
      const script = `const d=require('dgram').createSocket('udp4');d.bind(40000,'${saddr}',()=>{d.setBroadcast(true);d.send(Buffer.alloc(10),9999,'${daddr}',()=>d.close());});`;
      must(client, "node", ["-e", script]);
    };
    return fn({ router, send });
  } finally {
    client.destroy();
    router.destroy();
  }
}

/** The IPv6 router as the evaluators' host model. */
export const routeLab6Host: HostModel = {
  localAddresses: [],
  broadcastAddresses: [],
  interfaces: [
    { name: "lo", group: 0, addresses: ["::1"] },
    { name: "r0", group: 0, addresses: ["fd00::1/64"] },
    { name: "r1", group: 0, addresses: ["fd01::1/64"] },
    { name: "r1p", group: 0, addresses: [] },
  ],
  routes: [
    { destination: "::/0", nexthops: ["r1"] },
    { destination: "fd09::/64", nexthops: [], type: "blackhole" },
  ],
};

/** The IPv6 sources: on r0's link, routed through r1, blackholed, unspecified, link-local, the router's own on r1. */
export const routeLab6Sources = ["fd00::2", "fd05::2", "fd09::2", "::", "fe80::5", "fd01::1"] as const;

/** The datagram {@link withRouteLab6}'s `send` writes, as the router sees it in prerouting (IP length 80). */
export function routeLab6Datagram(saddr: string): Packet {
  return { ...routeLabDatagram(saddr), family: "ipv6", daddr: "fd00::1", length: 80 };
}

/** Builds the IPv6 lab, runs `fn` in it, and deletes both namespaces whatever happens. */
export function withRouteLab6<T>(fn: (lab: RouteLab) => T): T {
  const router = createNetns("ipt2nft-rt6-r");
  const client = createNetns("ipt2nft-rt6-c");
  try {
    const peer = `rk${String(process.pid % 100000)}`;
    must(router, "sysctl", ["-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"]);
    must(router, "ip", ["link", "add", "r0", "type", "veth", "peer", "name", peer]);
    must(router, "ip", ["link", "set", peer, "netns", client.name]);
    must(router, "ip", ["link", "add", "r1", "type", "veth", "peer", "name", "r1p"]);
    for (const link of ["lo", "r0", "r1", "r1p"]) must(router, "ip", ["link", "set", link, "up"]);
    must(router, "ip", ["addr", "add", "fd00::1/64", "dev", "r0", "nodad"]);
    must(router, "ip", ["addr", "add", "fd01::1/64", "dev", "r1", "nodad"]);
    must(router, "ip", ["-6", "route", "add", "default", "dev", "r1"]);
    must(router, "ip", ["-6", "route", "add", "blackhole", "fd09::/64"]);
    for (const link of ["lo", peer]) must(client, "ip", ["link", "set", link, "up"]);
    const mac = /link\/ether ([0-9a-f:]+)/.exec(router.exec("ip", ["link", "show", "r0"]).stdout)?.[1];
    if (mac === undefined) throw new Error("no MAC address on r0");
    const script = join(import.meta.dirname, "..", "kernel", "packets.py");
    const send = (saddr: string): void => {
      const job = {
        sides: [{ client: client.name, clientIf: peer, router: router.name, server: router.name, serverIf: "r1p", srcMac: "02:00:00:00:00:01", dstMac: mac }],
        packets: [{ id: 1, family: 6, saddr, daddr: "fd00::1", proto: 17, sport: 40000, dport: 9999, ttl: 64, tos: 0, length: 80 }],
        quietMs: 50,
      };
      const r = spawnSync("python3", [script], { input: JSON.stringify(job), encoding: "utf8", timeout: 60_000 });
      if (r.status !== 0) throw new Error(`packets.py: ${r.stderr}`);
    };
    return fn({ router, send });
  } finally {
    client.destroy();
    router.destroy();
  }
}
