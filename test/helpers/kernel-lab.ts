/**
 * A small network for kernel agreement tests (test/kernel/): two copies of client → router → server, joined
 * by veth pairs, in namespaces this process creates and deletes. Router "ipt" runs iptables-legacy, router
 * "nft" runs nft; the same packets go through both (test/kernel/packets.py writes them on each client's
 * veth and reads what reaches each server).
 *
 * What keeps the counters honest, so that the rules under test count only the packets the test sends:
 * - clients and servers have no IP address and no IPv6 link-local address (addrgenmode none), so their
 *   stacks send nothing (no ARP, ND, MLD, router solicitations);
 * - routers reach the server through a gateway with a permanent neighbour entry (no ARP or ND to send);
 * - each router has a guard table (`inet ktguard`) that counts every packet arriving at prerouting before
 *   any other chain (priority -1000, so the test can check that every packet sent arrived) and drops
 *   everything the router itself sends at output -1000 but the test's own output-path packets (from an
 *   address on lo that only the kernel's replies to those very packets use, and those go to that address
 *   itself), before conntrack and before the rules under test:
 *   the RSTs and ICMP errors the kernel answers with (closed ports, REJECT, TTL exceeded) and its IPv6
 *   MLD reports never reach the iptables or nft output chains, and never leave the router;
 * - each server drops everything at prerouting (its AF_PACKET capture sees frames before that), so it never
 *   answers either.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Family } from "../../src/ast/index.js";
import { canUseNetns, createNetns, type ExecResult, hasCommand, type Netns } from "./netns.js";

/** Why the kernel agreement tests cannot run here, or undefined when they can. */
export const kernelLabSkipReason: string | undefined = labSkipReason();

function labSkipReason(): string | undefined {
  if (!canUseNetns()) return "needs root and ip netns (run as root on Linux)";
  const tools = ["nft", "iptables-legacy-restore", "ip6tables-legacy-restore", "iptables-legacy-save", "ip6tables-legacy-save", "ipset", "conntrack", "python3"];
  const missing = tools.filter((c) => !hasCommand(c));
  return missing.length === 0 ? undefined : `needs ${missing.join(", ")} on PATH`;
}

/** The router's addresses, the same in both copies. Each is a /32 (/128) with a peer, so no other address is on-link. */
export const labAddresses = {
  ipv4: { in: "10.1.0.1", client: "10.1.0.2", out: "10.2.0.1", gateway: "10.2.0.2", self: "10.3.0.1" },
  ipv6: { in: "fd00:1::1", client: "fd00:1::2", out: "fd00:2::1", gateway: "fd00:2::2", self: "fd00:3::1" },
} as const;

/** MAC addresses of the veth ends, fixed so frames can be addressed without ARP. */
const macs = { client: "02:00:00:00:01:02", routerIn: "02:00:00:00:01:01", routerOut: "02:00:00:00:02:01", server: "02:00:00:00:02:02" } as const;

/** The router's interface names: where client packets arrive, where forwarded packets leave. */
export interface RouterInterfaces {
  readonly in: string;
  readonly out: string;
}

/** One copy of the network. */
export interface LabSide {
  readonly name: "ipt" | "nft";
  readonly client: Netns;
  readonly router: Netns;
  readonly server: Netns;
}

/** One packet to send, as packets.py receives it (its id is the tag in its payload). */
export interface WirePacketSpec {
  readonly id: number;
  readonly family: 4 | 6;
  readonly saddr: string;
  readonly daddr: string;
  readonly proto: number;
  readonly sport?: number;
  readonly dport?: number;
  readonly flags?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  readonly icmpId?: number;
  readonly ttl: number;
  readonly tos: number;
  readonly length: number;
  /** Sent by the router itself (a raw socket in its namespace, output path) instead of arriving from the client. */
  readonly fromRouter?: boolean;
}

/** A tagged packet as it arrived at a server. */
export interface WirePacket {
  readonly id: number;
  readonly saddr: string;
  readonly daddr: string;
  readonly proto: number;
  readonly sport?: number;
  readonly dport?: number;
  readonly icmpId?: number;
  readonly ttl: number;
  readonly tos: number;
  readonly length: number;
}

/** Rule and policy packet counters read from one router. */
export interface KernelCounters {
  /** iptables side: `table/chain/index` and `table/chain/policy` → packets. nft side: the nft rules' counters in listing order per `family/table/chain`. */
  readonly values: ReadonlyMap<string, readonly bigint[]>;
  /** The same counters' bytes. */
  readonly bytes: ReadonlyMap<string, readonly bigint[]>;
  /** Packets that arrived at the router or that it sent itself (the guard's counters). */
  readonly arrived: bigint;
}

const guardTable = `table inet ktguard {
  chain seen {
    type filter hook prerouting priority -1000; policy accept;
    counter
  }
  chain out {
    type filter hook output priority -1000; policy drop;
    ip saddr ${labAddresses.ipv4.self} ip daddr != ${labAddresses.ipv4.self} counter accept
    ip6 saddr ${labAddresses.ipv6.self} ip6 daddr != ${labAddresses.ipv6.self} counter accept
  }
}
`;

const serverGuard = `table inet ktserver {
  chain seen {
    type filter hook prerouting priority -1000; policy drop;
  }
  chain out {
    type filter hook output priority -1000; policy drop;
  }
}
`;

const builtinChainsOf: Readonly<Record<string, readonly string[]>> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  raw: ["PREROUTING", "OUTPUT"],
  security: ["INPUT", "FORWARD", "OUTPUT"],
};

/** An iptables-save dump with every table empty and every policy ACCEPT: restoring it clears the router. */
const emptyTables = Object.entries(builtinChainsOf)
  .map(([table, chains]) => [`*${table}`, ...chains.map((c) => `:${c} ACCEPT [0:0]`), "COMMIT"].join("\n"))
  .join("\n")
  .concat("\n");

function must(r: ExecResult, what: string): ExecResult {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r;
}

/**
 * The two copies of the network and what runs in them. Create with {@link createKernelLab}; call
 * {@link KernelLab.destroy} in afterAll (it deletes every namespace, whatever state they are in).
 */
export class KernelLab {
  readonly sides: readonly LabSide[];
  private interfaces: RouterInterfaces = { in: "r0", out: "r1" };
  private readonly dir = mkdtempSync(join(tmpdir(), "ipt2nft-kernel-"));
  private readonly created: Netns[] = [];

  constructor(prefix: string) {
    try {
      this.sides = (["ipt", "nft"] as const).map((name) => {
        const make = (role: string): Netns => {
          const ns = createNetns(`${prefix}-${name}-${role}`);
          this.created.push(ns);
          return ns;
        };
        return { name, client: make("c"), router: make("r"), server: make("s") };
      });
      for (const side of this.sides) this.build(side);
      this.configureRouters({ in: "r0", out: "r1" });
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /** The router's interface names now. */
  get routerInterfaces(): RouterInterfaces {
    return this.interfaces;
  }

  private build(side: LabSide): void {
    const sysctls = ["net.ipv6.conf.default.addr_gen_mode=1", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.default.accept_ra=0"];
    for (const ns of [side.client, side.router, side.server]) must(ns.exec("sysctl", ["-qw", ...sysctls]), `sysctl in ${ns.name}`);
    must(
      side.router.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0", "net.ipv4.conf.all.accept_local=0"]),
      "router sysctl",
    );
    must(side.client.exec("ip", ["link", "add", "c0", "address", macs.client, "type", "veth", "peer", "name", "r0", "address", macs.routerIn, "netns", side.router.name]), "veth client-router");
    must(side.server.exec("ip", ["link", "add", "s0", "address", macs.server, "type", "veth", "peer", "name", "r1", "address", macs.routerOut, "netns", side.router.name]), "veth server-router");
    must(side.client.exec("ip", ["link", "set", "c0", "addrgenmode", "none", "up"]), "client link");
    must(side.server.exec("ip", ["link", "set", "s0", "addrgenmode", "none", "up"]), "server link");
    must(side.server.exec("nft", ["-f", "-"], serverGuard), "server guard");
  }

  /**
   * Names the router's interfaces (renaming the veth ends when they differ from now) and (re)configures
   * addresses, routes and the gateway's permanent neighbour entry, which a rename's link-down removes.
   */
  configureRouters(names: RouterInterfaces): void {
    if (names.in === names.out) throw new Error(`router interfaces need two names, got ${names.in} twice`);
    const old = this.interfaces;
    const a4 = labAddresses.ipv4;
    const a6 = labAddresses.ipv6;
    for (const side of this.sides) {
      const batch: string[] = [];
      if (old.in !== names.in || old.out !== names.out) {
        // Through temporary names, so that swapping the two names never collides.
        batch.push(`link set dev ${old.in} down`, `link set dev ${old.out} down`, `link set dev ${old.in} name ktmp-in`, `link set dev ${old.out} name ktmp-out`);
        batch.push(`link set dev ktmp-in name ${names.in}`, `link set dev ktmp-out name ${names.out}`);
      }
      batch.push(
        `link set dev ${names.in} addrgenmode none up`,
        `link set dev ${names.out} addrgenmode none up`,
        `address replace ${a4.in} peer ${a4.client} dev ${names.in}`,
        `address replace ${a4.out} peer ${a4.gateway} dev ${names.out}`,
        `address replace ${a6.in} peer ${a6.client} dev ${names.in} nodad`,
        `address replace ${a6.out} peer ${a6.gateway} dev ${names.out} nodad`,
        `neigh replace ${a4.gateway} lladdr ${macs.server} dev ${names.out} nud permanent`,
        `neigh replace ${a6.gateway} lladdr ${macs.server} dev ${names.out} nud permanent`,
        // The source of the packets the router sends itself (output path): no reply of the kernel's uses it.
        `address replace ${a4.self}/32 dev lo`,
        `address replace ${a6.self}/128 dev lo nodad`,
        `route replace default via ${a4.gateway} dev ${names.out} onlink`,
        `route replace ::/0 via ${a6.gateway} dev ${names.out} onlink`,
      );
      must(side.router.exec("ip", ["-batch", "-"], `${batch.join("\n")}\n`), `configure router ${side.router.name} as ${names.in}/${names.out}`);
    }
    this.interfaces = names;
  }

  private side(name: "ipt" | "nft"): LabSide {
    const s = this.sides.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no side ${name}`);
    return s;
  }

  /**
   * Loads a ruleset into both routers: the iptables dump with iptables-legacy-restore (after clearing every
   * table and replacing the ipsets), the nft text with `nft -f` (after flushing everything, the guard table
   * included, which the same file adds back). Conntrack tables are flushed and the guards' counters reset.
   * Returns the tool's error output, or undefined when both load.
   */
  load(family: Family, iptablesText: string, nftText: string, ipsetText: string | undefined): string | undefined {
    const ipt = this.side("ipt").router;
    const nft = this.side("nft").router;
    const restore = family === "ipv4" ? "iptables-legacy-restore" : "ip6tables-legacy-restore";
    // Both families: a table left from an earlier ruleset could hold a conntrack reference.
    for (const tool of ["iptables-legacy-restore", "ip6tables-legacy-restore"]) {
      const cleared = ipt.exec(tool, ["-w"], emptyTables);
      if (cleared.code !== 0) return `${tool} (clearing): ${cleared.stderr}`;
    }
    ipt.exec("ipset", ["destroy"]);
    // nfacct objects the rules name (-m nfacct needs them to exist); packets.py makes them over netlink.
    const accounting = [...new Set([...iptablesText.matchAll(/--nfacct-name\s+(\S+)/g)].map((m) => m[1] ?? ""))];
    if (accounting.length > 0) {
      const made = ipt.exec("python3", [join(import.meta.dirname, "..", "kernel", "packets.py"), "nfacct", ...accounting]);
      if (made.code !== 0) return `nfacct: ${made.stderr}`;
    }
    if (ipsetText !== undefined) {
      const sets = ipt.exec("ipset", ["restore"], ipsetText);
      if (sets.code !== 0) return `ipset restore: ${sets.stderr}`;
    }
    const loaded = ipt.exec(restore, ["-w"], iptablesText);
    if (loaded.code !== 0) return `${restore}: ${loaded.stderr}`;
    const guard = ipt.exec("nft", ["-f", "-"], `table inet ktguard\ndelete table inet ktguard\n${guardTable}`);
    if (guard.code !== 0) return `nft guard (iptables router): ${guard.stderr}`;
    const file = join(this.dir, "ruleset.nft");
    writeFileSync(file, `flush ruleset\n${guardTable}${nftText}`);
    const translated = nft.exec("nft", ["-f", file]);
    if (translated.code !== 0) return `nft -f: ${translated.stderr}`;
    for (const router of [ipt, nft]) router.exec("conntrack", ["-F"]);
    return undefined;
  }

  /**
   * Sends the packets through both copies at once (each packet to both clients before the next) and returns
   * what reached each server, by side.
   */
  send(packets: readonly WirePacketSpec[]): Readonly<Record<"ipt" | "nft", readonly WirePacket[]>> {
    const sides = this.sides.map((s) => ({ client: s.client.name, clientIf: "c0", router: s.router.name, server: s.server.name, serverIf: "s0", srcMac: macs.client, dstMac: macs.routerIn }));
    const script = join(import.meta.dirname, "..", "kernel", "packets.py");
    // Forwarding happens in the sender's softirq, so frames reach the servers within microseconds; 80 ms of
    // quiet leaves room for a loaded machine deferring that work to ksoftirqd.
    const r = must(runPython(script, JSON.stringify({ sides, packets, quietMs: 80 })), "packets.py");
    const out = JSON.parse(r.stdout) as { received: WirePacket[][] };
    return { ipt: out.received[0] ?? [], nft: out.received[1] ?? [] };
  }

  /** iptables-legacy-save -c of the ipt router, as `table/chain/index` and `table/chain/policy` → [packets]. */
  iptablesCounters(family: Family): KernelCounters {
    const router = this.side("ipt").router;
    const save = must(router.exec(family === "ipv4" ? "iptables-legacy-save" : "ip6tables-legacy-save", ["-c"]), "iptables-legacy-save");
    const values = new Map<string, readonly bigint[]>();
    const bytes = new Map<string, readonly bigint[]>();
    let table = "";
    const index = new Map<string, number>();
    for (const line of save.stdout.split("\n")) {
      const t = /^\*(\S+)/.exec(line);
      if (t?.[1] !== undefined) table = t[1];
      const policy = /^:(\S+) (ACCEPT|DROP) \[(\d+):(\d+)\]/.exec(line);
      if (policy?.[1] !== undefined && policy[3] !== undefined && policy[4] !== undefined) {
        values.set(`${table}/${policy[1]}/policy`, [BigInt(policy[3])]);
        bytes.set(`${table}/${policy[1]}/policy`, [BigInt(policy[4])]);
      }
      const rule = /^\[(\d+):(\d+)\] -A (\S+) /.exec(line);
      if (rule?.[1] !== undefined && rule[2] !== undefined && rule[3] !== undefined) {
        const key = `${table}/${rule[3]}`;
        const n = index.get(key) ?? 0;
        index.set(key, n + 1);
        values.set(`${key}/${String(n)}`, [BigInt(rule[1])]);
        bytes.set(`${key}/${String(n)}`, [BigInt(rule[2])]);
      }
    }
    return { values, bytes, arrived: this.guardCount(router) };
  }

  /** The nft router's rule counters: `family/table/chain` → each rule's packets in listing order (-1 for a rule without counter). */
  nftCounters(): KernelCounters {
    const router = this.side("nft").router;
    const listed = JSON.parse(must(router.exec("nft", ["-j", "list", "ruleset"]), "nft list ruleset").stdout) as { nftables: readonly Record<string, unknown>[] };
    const values = new Map<string, bigint[]>();
    const bytes = new Map<string, bigint[]>();
    for (const item of listed.nftables) {
      const rule = item.rule as { family: string; table: string; chain: string; expr: readonly Record<string, unknown>[] } | undefined;
      if (rule === undefined || rule.table === "ktguard") continue;
      const key = `${rule.family}/${rule.table}/${rule.chain}`;
      // An anonymous counter is an object; a named one (nfacct's translation) is the object's name.
      const counter = rule.expr.map((e) => e.counter).find((x): x is { packets: number; bytes: number } => typeof x === "object" && x !== null && "packets" in x);
      values.set(key, [...(values.get(key) ?? []), counter === undefined ? -1n : BigInt(counter.packets)]);
      bytes.set(key, [...(bytes.get(key) ?? []), counter === undefined ? -1n : BigInt(counter.bytes)]);
    }
    return { values, bytes, arrived: this.guardCount(router) };
  }

  private guardCount(router: Netns): bigint {
    const listed = JSON.parse(must(router.exec("nft", ["-j", "list", "table", "inet", "ktguard"]), "nft list ktguard").stdout) as { nftables: readonly Record<string, unknown>[] };
    // Packets that arrived from the client (prerouting) plus those the router sent itself (output).
    let total = 0n;
    for (const item of listed.nftables) {
      const rule = item.rule as { chain: string; expr: readonly Record<string, unknown>[] } | undefined;
      const counter = rule?.expr.find((e) => "counter" in e)?.counter as { packets: number } | undefined;
      if (counter !== undefined) total += BigInt(counter.packets);
    }
    return total;
  }

  /** Deletes every namespace this lab created (idempotent). */
  destroy(): void {
    for (const ns of this.created) ns.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs packets.py outside any namespace: the script enters each one itself (setns), so one process serves both copies. */
function runPython(script: string, input: string): ExecResult {
  const r = spawnSync("python3", [script], { input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr + (r.error ? String(r.error) : "") };
}

/** Creates the two copies of the network (namespaces named `PREFIX-ipt-r-PID-N` and so on). */
export function createKernelLab(prefix: string): KernelLab {
  return new KernelLab(prefix);
}
