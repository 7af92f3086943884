/**
 * A ruleset that uses every node kind of the nft model (queue aside: this kernel has no NFQUEUE), each where
 * the kernel accepts it (NAT in nat chains, dup in an ip table, ...), for test/nft/kernel.test.ts.
 */
import type { NftChain, NftExpr, NftRule, NftRuleset, NftStatement, NftTable } from "../../src/nft/index.js";
import { match, meta, num, payload, rule, str, sym } from "./build.js";

const accept: NftStatement = { kind: "accept" };
const drop: NftStatement = { kind: "drop" };
const ipSaddr = payload("ip", "saddr");
const tcpDport = payload("tcp", "dport");
const l4tcp = match(meta("l4proto"), sym("tcp"));
const v4 = match(meta("nfproto"), sym("ipv4"));
const v6 = match(meta("nfproto"), sym("ipv6"));
const range = (low: NftExpr, high: NftExpr): NftExpr => ({ kind: "range", low, high });
const set = (...elements: NftExpr[]): NftExpr => ({ kind: "set", elements });
const list = (...values: string[]): NftExpr => ({ kind: "list", values: values.map(sym) });
const exists = (value: boolean): NftExpr => ({ kind: "boolean", value });
const markSet = (value: NftExpr): NftStatement => ({ kind: "mangle", key: meta("mark"), value });

const inputRules: NftRule[] = [
  { ...rule(match({ kind: "ct", key: "state" }, list("established", "related"), "in"), accept), leadingComments: ["conntrack first"] },
  rule(match({ kind: "ct", key: "state" }, set(sym("established"), sym("related"))), accept),
  {
    ...rule(match(meta("iifname"), str("eth*")), match(ipSaddr, { kind: "prefix", addr: "10.0.0.0", len: 8 }), match(tcpDport, set(num(22), range(num(80), num(90)))), accept),
    counter: { packets: 5n, bytes: 300n },
    comment: "web and ssh",
  },
  rule(l4tcp, match(payload("th", "dport"), num(22)), accept),
  rule(match({ kind: "binop", op: "&", left: payload("tcp", "flags"), right: list("fin", "syn", "rst", "ack") }, sym("syn")), drop),
  rule(match({ kind: "binop", op: "&", left: meta("mark"), right: num(0xff, "hex") }, num(1, "hex"), "!="), accept),
  rule(match({ kind: "concat", exprs: [payload("ip6", "saddr"), meta("l4proto"), payload("th", "dport")] }, { kind: "set reference", name: "s6" }), accept),
  rule({ kind: "vmap", key: tcpDport, data: { kind: "set reference", name: "vm" } }),
  rule({
    kind: "vmap",
    key: tcpDport,
    data: set({ kind: "mapping", key: num(23), value: { kind: "drop" } }, { kind: "mapping", key: num(24), value: { kind: "jump", target: "other" } }),
  }),
  rule(
    match(payload("ip", "protocol"), sym("icmp")),
    match(payload("icmp", "type"), sym("echo-request")),
    { kind: "limit", rate: 10, per: "second", unit: "packets", burst: 5, over: true },
    drop,
  ),
  rule({ kind: "limit", rate: 1048576, per: "second", unit: "bytes", burst: 1000 }, accept),
  rule({ kind: "set", op: "update", set: "dyn", elem: ipSaddr, stmts: [{ kind: "limit", rate: 10, per: "second", unit: "packets", over: true }] }, drop),
  rule({ kind: "set", op: "add", set: "cs", elem: ipSaddr }),
  rule({ kind: "set", op: "update", set: "tt", elem: { kind: "elem", val: ipSaddr, timeout: 30 } }),
  rule({ kind: "set", op: "delete", set: "tt", elem: ipSaddr }),
  rule(match(ipSaddr, { kind: "set reference", name: "tt" }, "!="), accept),
  rule(match(meta("iifname"), { kind: "set reference", name: "ifs" }), accept),
  rule({ kind: "ct count", count: 10, over: true }, drop),
  rule({ kind: "ct count", count: 5 }, accept),
  rule({ kind: "log", prefix: "in: ", level: "info", flags: ["tcp sequence", "tcp options", "ip options", "skuid"] }),
  rule({ kind: "log", group: 2, snaplen: 100, queueThreshold: 3 }),
  rule({ kind: "reject", with: { type: "icmpx", code: "admin-prohibited" } }),
  rule(l4tcp, { kind: "reject", with: { type: "tcp reset" } }),
  rule({ kind: "reject" }),
  rule({ kind: "objref", type: "counter", name: "c1" }),
  rule(match(payload("udp", "dport"), num(53)), { kind: "counter", packets: 7n, bytes: 700n }, accept),
  rule({ kind: "objref", type: "quota", name: "q1" }, drop),
  rule({ kind: "objref", type: "limit", name: "l1" }, accept),
  rule({ kind: "quota", bytes: 100n, used: 5n, over: true }, drop),
  rule({ kind: "quota", bytes: 1000000n }, accept),
  rule(match(payload("ip", "dscp"), sym("cs1")), match(payload("ip", "ttl"), num(64)), match(payload("ip", "length"), num(100), ">"), accept),
  rule(match(payload("ip6", "nexthdr"), sym("tcp")), match(payload("ip6", "hoplimit"), num(1), "<="), accept),
  rule(match({ kind: "tcp option", name: "maxseg", field: "size" }, range(num(1000), num(1500))), accept),
  rule(match({ kind: "tcp option", name: "sack-perm" }, exists(true)), accept),
  rule(match({ kind: "exthdr", name: "frag" }, exists(true)), drop),
  rule(match({ kind: "exthdr", name: "frag", field: "more-fragments" }, num(1)), drop),
  rule(match({ kind: "ip option", name: "rr" }, exists(true)), drop),
  rule(match(meta("skuid"), num(0)), match(meta("skgid"), num(0)), match(meta("cpu"), num(1)), match(meta("cgroup"), num(5)), accept),
  rule(match(meta("iifgroup"), num(1)), match(meta("oifgroup"), num(2)), accept),
  rule(match(meta("day"), str("Monday")), match(meta("hour"), range(str("10:00"), str("12:00"))), accept),
  rule(match(meta("random"), num(1), ">="), match(meta("length"), num(100), "<"), match(meta("pkttype"), sym("broadcast")), accept),
  rule(
    match({ kind: "ct", key: "status" }, sym("dnat"), "in"),
    match({ kind: "ct", key: "direction" }, sym("original")),
    match({ kind: "ct", key: "mark" }, num(1, "hex")),
    match({ kind: "ct", key: "zone" }, num(2)),
    match({ kind: "ct", key: "helper" }, str("ftp")),
    accept,
  ),
  rule(v4, match({ kind: "ct", key: "saddr", dir: "original", family: "ip" }, sym("1.2.3.4")), accept),
  rule(l4tcp, match({ kind: "ct", key: "proto-dst", dir: "reply" }, num(20)), accept),
  rule(
    match({ kind: "ct", key: "bytes" }, num(100), ">"),
    match({ kind: "ct", key: "packets", dir: "original" }, num(10), "<"),
    match({ kind: "ct", key: "avgpkt" }, num(100)),
    match({ kind: "ct", key: "label" }, num(1), "in"),
    accept,
  ),
  rule(match({ kind: "fib", flags: ["saddr", "iif"], result: "oif" }, exists(false)), drop),
  rule(match({ kind: "fib", flags: ["daddr"], result: "type" }, sym("local")), accept),
  rule(match({ kind: "socket", key: "transparent" }, num(1)), match({ kind: "socket", key: "wildcard" }, num(0)), match({ kind: "socket", key: "mark" }, num(5)), accept),
  rule(markSet({ kind: "numgen", mode: "inc", mod: 2, offset: 1 })),
  rule(markSet({ kind: "jhash", expr: ipSaddr, mod: 4, seed: 5, offset: 1 })),
  rule(markSet({ kind: "symhash", mod: 4 })),
  rule(match(payload("sctp", "dport"), num(5)), accept),
  rule(match(payload("dccp", "sport"), num(6)), accept),
  rule(match(payload("udp", "sport"), num(7)), accept),
  rule(match(payload("icmpv6", "type"), sym("nd-neighbor-solicit")), accept),
  rule(match(payload("ether", "saddr"), sym("00:11:22:33:44:55")), accept),
  rule(match({ kind: "raw payload", base: "nh", offset: 0, length: 8 }, num(0x45, "hex")), accept),
  rule(match({ kind: "ipsec", dir: "in", key: "reqid" }, num(1)), accept),
  rule({ kind: "meter", name: "foo", size: 128, key: ipSaddr, stmt: { kind: "limit", rate: 10, per: "second", unit: "packets" } }, accept),
  rule({
    kind: "raw",
    text: "sctp chunk init exists",
    json: { match: { op: "==", left: { "sctp chunk": { name: "init" } }, right: true } },
    reason: "the model has no sctp chunk expression yet",
  }, accept),
  rule({ kind: "jump", target: "other" }),
  rule({ kind: "goto", target: "other" }),
];

const chains: NftChain[] = [
  { kind: "chain", name: "input", comment: "in", base: { type: "filter", hook: "input", priority: 0, policy: "accept" }, rules: inputRules },
  { kind: "chain", name: "other", leadingComments: ["reached by jump"], rules: [rule({ kind: "continue" }), rule({ kind: "return" })] },
  {
    kind: "chain",
    name: "pre_raw",
    base: { type: "filter", hook: "prerouting", priority: -300, policy: "accept" },
    rules: [
      rule({ kind: "notrack" }),
      rule({ kind: "objref", type: "ct helper", name: "ftp-std" }),
      rule({ kind: "objref", type: "ct timeout", name: "t1" }),
      rule({ kind: "mangle", key: { kind: "ct", key: "zone" }, value: num(3) }),
      rule({ kind: "mangle", key: { kind: "ct", key: "mark" }, value: meta("mark") }),
      rule({
        kind: "mangle",
        key: { kind: "ct", key: "mark" },
        value: { kind: "binop", op: "|", left: { kind: "binop", op: "&", left: { kind: "ct", key: "mark" }, right: num(0xff00, "hex") }, right: num(0x11, "hex") },
      }),
      rule(markSet({ kind: "binop", op: ">>", left: { kind: "ct", key: "mark" }, right: num(8) })),
      rule({ kind: "mangle", key: payload("ip", "dscp"), value: sym("cs1") }),
      rule({ kind: "mangle", key: payload("ip", "ttl"), value: num(65) }),
      rule({ kind: "mangle", key: payload("ip6", "hoplimit"), value: num(5) }),
      rule(match(payload("tcp", "flags"), sym("syn"), "in"), { kind: "mangle", key: { kind: "tcp option", name: "maxseg", field: "size" }, value: num(1400) }),
      rule({ kind: "mangle", key: meta("priority"), value: sym("1:2") }),
      rule({ kind: "mangle", key: meta("nftrace"), value: num(1) }),
      rule({ kind: "mangle", key: { kind: "ct", key: "event" }, value: list("new", "related") }),
      rule(match(tcpDport, num(80)), { kind: "tproxy", family: "ip", addr: sym("1.2.3.4"), port: num(80) }),
      rule(match(tcpDport, num(81)), { kind: "tproxy", family: "ip6", addr: sym("::1"), port: num(80) }),
      rule(match(tcpDport, num(82)), { kind: "tproxy", port: num(80) }),
      rule(markSet({ kind: "map", key: ipSaddr, data: set({ kind: "mapping", key: sym("1.1.1.1"), value: num(2, "hex") }) })),
      rule(match({ kind: "rt", key: "nexthop", family: "ip" }, sym("1.2.3.4")), match({ kind: "rt", key: "classid" }, num(5)), accept),
    ],
  },
  {
    kind: "chain",
    name: "nat_pre",
    base: { type: "nat", hook: "prerouting", priority: -100 },
    rules: [
      { ...rule(v4, match(tcpDport, num(80)), { kind: "dnat", family: "ip", addr: sym("1.2.3.4"), port: num(80) }), comment: "to the web server" },
      rule(v6, match(tcpDport, num(80)), { kind: "dnat", family: "ip6", addr: sym("::1"), port: num(80) }),
      rule(v4, match(tcpDport, num(81)), {
        kind: "dnat",
        family: "ip",
        addr: range(sym("10.0.0.1"), sym("10.0.0.5")),
        port: range(num(8080), num(8090)),
        flags: ["random", "persistent"],
      }),
      rule(v4, { kind: "dnat", family: "ip", addr: { kind: "map", key: ipSaddr, data: { kind: "set reference", name: "dm" } } }),
      rule(match(tcpDport, num(82)), { kind: "redirect", port: num(8080) }),
      rule({ kind: "redirect" }),
    ],
  },
  {
    kind: "chain",
    name: "nat_post",
    base: { type: "nat", hook: "postrouting", priority: 100, policy: "accept" },
    rules: [
      rule(match(meta("oifname"), str("eth0")), { kind: "masquerade" }),
      rule(l4tcp, { kind: "masquerade", port: range(num(1024), num(2000)), flags: ["random", "fully-random"] }),
      rule(v4, { kind: "snat", family: "ip", addr: range(sym("1.2.3.4"), sym("1.2.3.6")) }),
      rule(v4, {
        kind: "snat",
        family: "ip",
        prefix: true,
        addr: {
          kind: "map",
          key: ipSaddr,
          data: set({ kind: "mapping", key: { kind: "prefix", addr: "10.0.0.0", len: 8 }, value: { kind: "prefix", addr: "192.0.0.0", len: 8 } }),
        },
      }),
    ],
  },
  {
    kind: "chain",
    name: "fw",
    base: { type: "filter", hook: "forward", priority: -5, policy: "drop" },
    rules: [
      rule(match(payload("tcp", "flags"), sym("syn"), "in"), {
        kind: "mangle",
        key: { kind: "tcp option", name: "maxseg", field: "size" },
        value: { kind: "rt", key: "mtu" },
      }),
      rule(l4tcp, { kind: "synproxy", mss: 1460, wscale: 7, flags: ["timestamp", "sack-perm"] }),
    ],
  },
  { kind: "chain", name: "out_route", base: { type: "route", hook: "output", priority: -150 }, rules: [rule(markSet(num(1, "hex")))] },
];

const inetTable: NftTable = {
  kind: "table",
  family: "inet",
  name: "ipt2nft_inet",
  comment: "every node kind",
  leadingComments: ["Built by test/nft/kernel-ruleset.ts"],
  objects: [
    { kind: "ct helper", name: "ftp-std", type: "ftp", protocol: "tcp", l3proto: "inet" },
    { kind: "counter", name: "c1", packets: 1n, bytes: 2n, comment: "acct" },
    { kind: "quota", name: "q1", bytes: 104857600n, used: 0n, over: true },
    { kind: "limit", name: "l1", rate: 10, per: "second", unit: "packets", burst: 5 },
    { kind: "ct timeout", name: "t1", protocol: "tcp", l3proto: "ip", policy: { established: 100 } },
  ],
  sets: [
    {
      kind: "set",
      name: "s4",
      type: ["ipv4_addr"],
      flags: ["interval"],
      comment: "four",
      elements: [{ kind: "prefix", addr: "10.0.0.0", len: 8 }, sym("192.168.1.1"), range(sym("172.16.0.1"), sym("172.16.0.9"))],
    },
    {
      kind: "set",
      name: "s6",
      type: ["ipv6_addr", "inet_proto", "inet_service"],
      flags: ["interval"],
      elements: [
        { kind: "concat", exprs: [sym("::1"), sym("tcp"), num(22)] },
        { kind: "concat", exprs: [{ kind: "prefix", addr: "2001:db8::", len: 32 }, sym("udp"), range(num(53), num(54))] },
      ],
    },
    { kind: "set", name: "dyn", type: ["ipv4_addr"], flags: ["dynamic", "timeout"], timeout: 60, size: 65535 },
    { kind: "set", name: "cs", type: ["ipv4_addr"], size: 65535, flags: ["dynamic"], counter: true },
    {
      kind: "set",
      name: "tt",
      type: ["ipv4_addr"],
      flags: ["timeout"],
      timeout: 3600,
      gcInterval: 10,
      elements: [{ kind: "elem", val: sym("1.2.3.4"), timeout: 600, comment: "pinned" }],
    },
    { kind: "set", name: "ifs", type: ["ifname"], elements: [str("eth0"), str("lo")] },
  ],
  maps: [
    {
      kind: "map",
      name: "vm",
      type: ["inet_service"],
      map: "verdict",
      elements: [
        { kind: "mapping", key: num(22), value: { kind: "accept" } },
        { kind: "mapping", key: num(80), value: { kind: "goto", target: "other" } },
      ],
    },
    {
      kind: "map",
      name: "mm",
      type: ["ipv4_addr", "inet_service"],
      map: "ipv4_addr",
      elements: [{ kind: "mapping", key: { kind: "concat", exprs: [sym("1.2.3.4"), num(80)] }, value: sym("5.6.7.8") }],
    },
    { kind: "map", name: "dm", type: ["ipv4_addr"], map: "ipv4_addr", policy: "memory" },
  ],
  chains,
};

const ipTable: NftTable = {
  kind: "table",
  family: "ip",
  name: "ipt2nft_ip",
  objects: [],
  sets: [],
  maps: [],
  chains: [
    {
      kind: "chain",
      name: "input",
      base: { type: "filter", hook: "input", priority: 0 },
      rules: [
        rule({ kind: "reject", with: { type: "icmp", code: "host-unreachable" } }),
        rule(match(payload("icmp", "type"), sym("echo-request")), match(payload("icmp", "id"), num(5)), accept),
        rule(match(payload("icmp", "code"), sym("net-unreachable")), accept),
        rule(match({ kind: "binop", op: "&", left: payload("ip", "frag-off"), right: num(0x1fff, "hex") }, num(0), "!="), drop),
        rule(match(payload("igmp", "type"), sym("membership-query")), accept),
      ],
    },
    {
      kind: "chain",
      name: "out",
      base: { type: "filter", hook: "output", priority: 0 },
      rules: [
        rule(match({ kind: "ipsec", dir: "out", spnum: 1, key: "daddr", family: "ip" }, sym("1.2.3.4")), accept),
        rule({ kind: "dup", addr: sym("1.2.3.4"), dev: str("lo") }),
        rule({ kind: "dup", addr: sym("1.2.3.5") }),
      ],
    },
  ],
};

const ip6Table: NftTable = {
  kind: "table",
  family: "ip6",
  name: "ipt2nft_ip6",
  objects: [],
  sets: [],
  maps: [],
  chains: [
    {
      kind: "chain",
      name: "input",
      base: { type: "filter", hook: "input", priority: 0, policy: "accept" },
      rules: [
        rule({ kind: "reject", with: { type: "icmpv6", code: "no-route" } }),
        rule(match({ kind: "exthdr", name: "hbh" }, exists(true)), accept),
        rule(match({ kind: "exthdr", name: "rt", field: "type" }, num(0)), match({ kind: "exthdr", name: "rt", field: "seg-left" }, num(0), ">"), drop),
        rule(match(payload("icmpv6", "type"), sym("echo-request")), match(payload("icmpv6", "id"), num(5)), accept),
        rule(match(payload("ip6", "flowlabel"), num(5)), match(payload("ip6", "saddr"), { kind: "prefix", addr: "fe80::", len: 64 }), accept),
      ],
    },
  ],
};

/** The ruleset test/nft/kernel.test.ts loads. */
export const kernelRuleset: NftRuleset = { kind: "ruleset", tables: [inetTable, ipTable, ip6Table] };

/** The statement and expression kinds a ruleset uses, by walking its rules, sets and maps. */
export function usedKinds(ruleset: NftRuleset): { readonly statements: Set<string>; readonly exprs: Set<string> } {
  const statements = new Set<string>();
  const exprs = new Set<string>();
  const walkExpr = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(walkExpr);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const node = value as Record<string, unknown>;
    if (typeof node.kind === "string") exprs.add(node.kind);
    Object.values(node).forEach(walkExpr);
  };
  const walkStatement = (stmt: NftStatement): void => {
    statements.add(stmt.kind);
    if (stmt.kind === "raw") return;
    for (const [key, value] of Object.entries(stmt)) {
      if (key === "stmts") (value as NftStatement[]).forEach(walkStatement);
      else if (key === "stmt") walkStatement(value as NftStatement);
      else walkExpr(value);
    }
  };
  for (const table of ruleset.tables) {
    for (const s of table.sets) walkExpr(s.elements);
    for (const m of table.maps) walkExpr(m.elements);
    for (const r of table.chains.flatMap((c) => c.rules)) r.exprs.forEach(walkStatement);
  }
  return { statements, exprs };
}
