/**
 * A throwaway two-namespace lab for checking route lookups (rpfilter, fib) against the kernel: a router
 * namespace with `r0` (10.1.0.1/24, a veth to the client) and `r1` (10.2.0.1/24, a veth whose peer stays in
 * the router), a main-table route 10.9.0.0/24 through r1 and, for flows with mark 7 (`ip rule fwmark 7
 * lookup 100`), 10.9.0.0/24 through r0. The client namespace owns 10.1.0.2/24 and the sources 10.9.0.5,
 * 10.7.0.5 (no route back) and 10.2.0.1 (the router's own address on r1), and sends UDP datagrams from any of
 * them to 10.1.0.1:9999, which reach the router on r0. {@link routeLabHost} is the same router as a host model.
 */
import type { HostModel, Packet } from "../../src/eval/packet.js";
import { type Netns, createNetns } from "./netns.js";

/** The router of the lab as the evaluators' host model. */
export const routeLabHost: HostModel = {
  localAddresses: [],
  broadcastAddresses: [],
  interfaces: [
    { name: "lo", group: 0, addresses: ["127.0.0.1/8"] },
    { name: "r0", group: 0, addresses: ["10.1.0.1/24"] },
    { name: "r1", group: 0, addresses: ["10.2.0.1/24"] },
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
  /** Sends one UDP datagram (10 bytes of data, IP length 38) from `saddr` to 10.1.0.1:9999. */
  send(saddr: string): void;
}

/** The datagram {@link RouteLab.send} sends, as the router sees it in prerouting (no conntrack loaded). */
export function routeLabDatagram(saddr: string): Packet {
  return {
    family: "ipv4",
    path: "input",
    iif: "r0",
    saddr,
    daddr: "10.1.0.1",
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
    for (const link of ["lo", "r0", "r1", "r1p"]) must(router, "ip", ["link", "set", link, "up"]);
    must(router, "ip", ["route", "add", "10.9.0.0/24", "dev", "r1"]);
    must(router, "ip", ["route", "add", "10.9.0.0/24", "dev", "r0", "table", "100"]);
    must(router, "ip", ["rule", "add", "fwmark", "7", "lookup", "100"]);
    must(client, "ip", ["addr", "add", "10.1.0.2/24", "dev", peer]);
    for (const a of routeLabSources.slice(1)) must(client, "ip", ["addr", "add", `${a}/32`, "dev", peer]);
    for (const link of ["lo", peer]) must(client, "ip", ["link", "set", link, "up"]);
    const send = (saddr: string): void => {
      const script = `const d=require('dgram').createSocket('udp4');d.bind(40000,'${saddr}',()=>d.send(Buffer.alloc(10),9999,'10.1.0.1',()=>d.close()));`;
      must(client, "node", ["-e", script]);
    };
    return fn({ router, send });
  } finally {
    client.destroy();
    router.destroy();
  }
}
