/**
 * `ipset save` parsing. The fixtures in test/fixtures/ipset are what `ipset save` (v7.17) printed for sets
 * made in a throwaway network namespace (generate.sh), so these tests need no kernel; the
 * `*.handwritten.ipset` ones cover types the test kernel lacks and follow ipset's printing code. The last
 * block, when it can, loads the canonical print back into a kernel and compares what it saves.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { IpsetMember, IpsetPart, IpsetPartByDimension, IpsetSave, IpsetSet } from "../../src/ast/index.js";
import { formatIpsetAddress, printIpsetSave } from "../../src/ast/index.js";
import type { Diagnostic, DiagnosticCode } from "../../src/diagnostic/index.js";
import { parseIpsetSave } from "../../src/parse/index.js";
import { stripSpans } from "../helpers/ast.js";
import { canUseNetns, hasCommand, withNetns } from "../helpers/netns.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtureDir = join(here, "..", "fixtures", "ipset");
const corpusDir = join(here, "..", "fixtures", "corpus", "public");

const listIpset = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".ipset"))
    .sort();
const kernelFixtures = listIpset(fixtureDir).filter((f) => !f.endsWith(".handwritten.ipset"));
const handwrittenFixtures = listIpset(fixtureDir).filter((f) => f.endsWith(".handwritten.ipset"));
const corpusFixtures = listIpset(corpusDir);

const allFixtures: readonly (readonly [label: string, path: string])[] = [
  ...kernelFixtures.map((f) => [f, join(fixtureDir, f)] as const),
  ...handwrittenFixtures.map((f) => [f, join(fixtureDir, f)] as const),
  ...corpusFixtures.map((f) => [`corpus/${f}`, join(corpusDir, f)] as const),
];

function parseOk(text: string, file = "<test>"): IpsetSave {
  const { value, diagnostics } = parseIpsetSave(text, { file });
  expect(diagnostics).toEqual([]);
  expect(value).toBeDefined();
  return value!;
}

function fixture(name: string): IpsetSave {
  return parseOk(readFileSync(join(fixtureDir, name), "utf8"), name);
}

function set(save: IpsetSave, name: string): IpsetSet {
  const found = save.sets.find((s) => s.name === name);
  expect(found, `set ${name}`).toBeDefined();
  return found!;
}

/** The member of `s` whose printed element is `element`. */
function member(s: IpsetSet, element: string): IpsetMember {
  const found = s.members.find((m) => printIpsetSave({ kind: "ipset-save", sets: [{ ...s, members: [m] }], span: s.span }).split("\n")[1]?.split(" ")[2] === element);
  expect(found, `member ${element} of ${s.name}`).toBeDefined();
  return found!;
}

const partKinds: { readonly [D in keyof IpsetPartByDimension]: readonly IpsetPartByDimension[D]["kind"][] } = {
  ip: ["ip", "ip-range"],
  net: ["ip", "ip-range"],
  port: ["port", "icmp", "protocol"],
  iface: ["iface"],
  mark: ["mark"],
  mac: ["mac"],
  set: ["set"],
};

describe("ipset save fixtures", () => {
  it("covers every set type the task lists", () => {
    const types = new Set(allFixtures.flatMap(([, path]) => parseOk(readFileSync(path, "utf8")).sets.map((s) => `${s.setType.method}:${s.setType.dims.join(",")}`)));
    for (const t of [
      "hash:ip",
      "hash:net",
      "hash:ip,port",
      "hash:net,port",
      "hash:ip,port,ip",
      "hash:ip,port,net",
      "hash:net,iface",
      "hash:net,net",
      "hash:ip,mark",
      "hash:mac",
      "hash:ip,mac",
      "bitmap:ip",
      "bitmap:port",
      "bitmap:ip,mac",
      "list:set",
    ])
      expect(types, t).toContain(t);
  });

  it.each(allFixtures)("%s parses, and printing it gives back the very same text", (label, path) => {
    const text = readFileSync(path, "utf8");
    const save = parseOk(text, label);
    expect(save.sets.length).toBeGreaterThan(0);
    expect(printIpsetSave(save)).toBe(text);
  });

  it.each(allFixtures)("%s: parse(print(ast)) deep-equals ast, spans aside", (label, path) => {
    const save = parseOk(readFileSync(path, "utf8"), label);
    const again = parseOk(printIpsetSave(save), `${label} (printed)`);
    expect(stripSpans(again)).toEqual(stripSpans(save));
  });

  it.each(allFixtures)("%s: every member has one part per dimension, of that dimension's kind", (label, path) => {
    for (const s of parseOk(readFileSync(path, "utf8"), label).sets) {
      for (const m of s.members) {
        const optionalMac = s.setType.method === "bitmap" && s.setType.dims.includes("mac");
        expect(m.parts.length === s.setType.dims.length || (optionalMac && m.parts.length === s.setType.dims.length - 1)).toBe(true);
        m.parts.forEach((p, i) => {
          const dim = s.setType.dims[i]!;
          expect(partKinds[dim] as readonly string[], `${s.name} part ${i}`).toContain(p.kind);
        });
      }
    }
  });
});

describe("typed sets and members", () => {
  it("hash:ip: create options, extensions on members, a comment with backslashes kept verbatim", () => {
    const save = fixture("hash-ip.ipset");
    const hosts = set(save, "hosts");
    expect(hosts.setType).toEqual({ method: "hash", dims: ["ip"] });
    expect(hosts.family).toBe("ipv4");
    expect(hosts.options).toEqual({ hashsize: 64, maxelem: 1000, timeout: 300, counters: true, comment: true, forceadd: false, skbinfo: true, bucketsize: 4, initval: hosts.options.initval });
    expect(hosts.options.initval).toBeTypeOf("number");
    const m = member(hosts, "10.0.0.1");
    expect(stripSpans(m)).toEqual({
      kind: "member",
      parts: [{ kind: "ip", address: { kind: "prefix", family: "ipv4", address: "10.0.0.1", length: 32 } }],
      timeout: 59,
      nomatch: false,
      wildcard: false,
      packets: 5n,
      bytes: 300n,
      comment: "ssh from \\\\fileserv\\ (ticket 42)",
      skbmark: { mark: 0x10, mask: 0xff },
      skbprio: { major: 1, minor: 0x10 },
      skbqueue: 3,
    });
    expect(member(hosts, "192.168.1.254").skbmark).toEqual({ mark: 2, mask: 0xffffffff });
    expect(member(hosts, "10.0.0.2").timeout).toBe(0);
    const hosts6 = set(save, "hosts6");
    expect(hosts6.family).toBe("ipv6");
    expect(hosts6.options.netmask).toBe(64);
    expect(set(save, "masked").options.bitmask).toBe("255.0.255.0");
  });

  it("hash:net: networks, nomatch, IPv6 with an IPv4-mapped prefix", () => {
    const save = fixture("hash-net.ipset");
    expect(member(set(save, "nets"), "192.168.0.0/30").nomatch).toBe(true);
    expect(member(set(save, "nets"), "192.168.0.0/24").comment).toBe("office LAN");
    const mapped = member(set(save, "nets6"), "::ffff:0.0.0.0/96");
    expect(stripSpans(mapped.parts)).toEqual([{ kind: "ip", address: { kind: "prefix", family: "ipv6", address: "::ffff:0:0", length: 96 } }]);
    expect(member(set(save, "nets6"), "2001:db8:ffff::/48")).toMatchObject({ nomatch: true, timeout: 119 });
  });

  it("hash:ip,port: every protocol form", () => {
    const save = fixture("hash-ip-port.ipset");
    const svc = set(save, "svc");
    const second = (element: string): unknown => stripSpans(member(svc, element).parts[1]);
    expect(second("1.2.3.4,tcp:80")).toEqual({ kind: "port", protocol: "tcp", from: 80, to: 80 });
    expect(second("1.2.3.4,udp:53")).toEqual({ kind: "port", protocol: "udp", from: 53, to: 53 });
    expect(second("1.2.3.4,sctp:10")).toEqual({ kind: "port", protocol: "sctp", from: 10, to: 10 });
    expect(second("1.2.3.4,udplite:7")).toEqual({ kind: "port", protocol: "udplite", from: 7, to: 7 });
    expect(second("1.2.3.4,icmp:echo-request")).toEqual({ kind: "icmp", family: "ipv4", type: 8, code: 0 });
    expect(second("1.2.3.4,icmp:fragmentation-needed")).toEqual({ kind: "icmp", family: "ipv4", type: 3, code: 4 });
    expect(second("1.2.3.4,icmp:255/255")).toEqual({ kind: "icmp", family: "ipv4", type: 255, code: 255 });
    expect(second("1.2.3.4,vrrp:0")).toEqual({ kind: "protocol", protocol: 112 });
    expect(second("1.2.3.4,gre:0")).toEqual({ kind: "protocol", protocol: 47 });
    expect(second("10.9.9.9,tcp:0")).toEqual({ kind: "port", protocol: "tcp", from: 0, to: 0 });
    const svc6 = set(save, "svc6");
    expect(stripSpans(member(svc6, "2001:db8::1,ipv6-icmp:200/7").parts[1])).toEqual({ kind: "icmp", family: "ipv6", type: 200, code: 7 });
    expect(stripSpans(member(svc6, "2001:db8::3,esp:0").parts[1])).toEqual({ kind: "protocol", protocol: 50 });
    expect(set(save, "svcmask").options.netmask).toBe(24);
  });

  it("three-part types: hash:ip,port,ip and hash:ip,port,net", () => {
    const triple = member(set(fixture("hash-ip-port-ip.ipset"), "triples"), "1.1.1.1,udp:53,2.2.2.2");
    expect(triple.parts.map((p) => p.kind)).toEqual(["ip", "port", "ip"]);
    expect(triple.comment).toBe("resolver");
    const ipn = set(fixture("hash-ip-port-net.ipset"), "ipportnet");
    expect(ipn.setType.dims).toEqual(["ip", "port", "net"]);
    expect(member(ipn, "1.1.1.1,tcp:80,10.0.0.0/24").nomatch).toBe(true);
    expect(stripSpans(member(ipn, "192.168.1.1,tcp:25,0.0.0.0/1").parts[2])).toEqual({ kind: "ip", address: { kind: "prefix", family: "ipv4", address: "0.0.0.0", length: 1 } });
  });

  it("hash:net,iface: physdev, wildcard and nomatch", () => {
    const netif = set(fixture("hash-net-iface.ipset"), "netif");
    expect(stripSpans(member(netif, "10.3.0.0/16,physdev:br-lan").parts[1])).toEqual({ kind: "iface", name: "br-lan", physdev: true });
    expect(member(netif, "10.0.0.0/8,eth0")).toMatchObject({ nomatch: true, wildcard: true, skbprio: { major: 0x10, minor: 0xff } });
    expect(member(netif, "10.1.0.0/16,eth0").comment).toBe("  spaced  ");
    expect(member(netif, "10.2.0.0/16,eth1").comment).toBe("it's a\\\\b");
  });

  it("bitmaps: address and port ranges, members without a MAC", () => {
    const blocks = set(fixture("bitmap-ip.ipset"), "blocks");
    expect(blocks.family).toBe("ipv4");
    expect(blocks.options.range).toEqual({ kind: "ip-range", family: "ipv4", from: "10.0.0.0", to: "10.0.255.255" });
    expect(blocks.options.netmask).toBe(24);
    const ports = set(fixture("bitmap-port.ipset"), "ports");
    expect(ports.family).toBeUndefined();
    expect(ports.options.range).toEqual({ kind: "port-range", from: 0, to: 1024 });
    expect(stripSpans(member(ports, "80"))).toMatchObject({ parts: [{ kind: "port", from: 80, to: 80 }], packets: 3n, bytes: 4n });
    expect(member(ports, "80").parts[0]).not.toHaveProperty("protocol");
    const macs = set(fixture("bitmap-ip-mac.ipset"), "macs");
    expect(stripSpans(member(macs, "10.0.0.1,AA:BB:CC:DD:EE:FF").parts[1])).toEqual({ kind: "mac", address: "AA:BB:CC:DD:EE:FF" });
    expect(member(macs, "10.0.0.2").parts).toHaveLength(1);
  });

  it("list:set: member sets by name, size", () => {
    const save = fixture("list-set.ipset");
    const lists = set(save, "lists");
    expect(lists.family).toBeUndefined();
    expect(lists.options).toMatchObject({ size: 8, timeout: 100, counters: true, comment: true });
    expect(lists.members.map((m) => stripSpans(m.parts))).toEqual([[{ kind: "set", name: "allow4" }], [{ kind: "set", name: "allow6" }], [{ kind: "set", name: "blockports" }]]);
    expect(set(save, "empty").members).toEqual([]);
  });

  it("types the test kernel lacks: hash:net,net, hash:ip,mark, hash:mac, hash:ip,mac", () => {
    const pairs = set(fixture("hash-net-net.handwritten.ipset"), "netpairs");
    expect(member(pairs, "192.168.0.0/30,192.168.64.0/30").nomatch).toBe(true);
    const marks = set(fixture("hash-ip-mark.handwritten.ipset"), "ipmarks");
    expect(marks.options.markmask).toBe(0xffff);
    expect(stripSpans(member(marks, "192.168.1.1,0x00000063").parts[1])).toEqual({ kind: "mark", value: 0x63 });
    const macs = set(fixture("hash-mac.handwritten.ipset"), "macs");
    expect(macs.family).toBeUndefined();
    expect(member(macs, "AA:BB:CC:DD:EE:FF").comment).toBe("laptop");
    const ipmacs6 = set(fixture("hash-ip-mac.handwritten.ipset"), "ipmacs6");
    expect(ipmacs6.family).toBe("ipv6");
    expect(member(ipmacs6, "fe80::1,00:00:5E:00:53:01").parts.map((p) => p.kind)).toEqual(["ip", "mac"]);
  });
});

describe("restore input that is not in canonical form", () => {
  const first = (text: string): IpsetPart[] => [...(parseOk(text).sets[0]?.members[0]?.parts ?? [])].map((p) => stripSpans(p) as IpsetPart);

  it("reads defaults, service names, aliases and C numbers, and prints them canonically", () => {
    const text = [
      "# a restore file written by hand",
      "",
      "create svc hash:ip,port",
      "add svc 10.0.0.1,ssh",
      "add svc 10.0.0.1,udp:[ntp]",
      "add svc 10.0.0.1,tcp:0x50-010",
      "create svc6 hash:ip,port family inet6",
      "add svc6 2001:DB8:0:0::1,icmpv6:ping",
      "   ",
    ].join("\n");
    expect(printIpsetSave(parseOk(text))).toBe(
      [
        "create svc hash:ip,port family inet",
        "add svc 10.0.0.1,tcp:22",
        "add svc 10.0.0.1,udp:123",
        "add svc 10.0.0.1,tcp:8-80",
        "create svc6 hash:ip,port family inet6",
        "add svc6 2001:db8::1,ipv6-icmp:echo-request",
        "",
      ].join("\n"),
    );
  });

  it("joins quoted runs inside a word as ipset's tokenizer does, and keeps backslashes", () => {
    const save = parseOk('create c hash:ip comment\nadd c 10.0.0.1 comment a"b c"d\nadd c 10.0.0.2 comment "ends in \\"\n');
    expect(save.sets[0]?.members.map((m) => m.comment)).toEqual(["ab cd", "ends in \\"]);
    expect(printIpsetSave(save)).toContain('add c 10.0.0.2 comment "ends in \\"\n');
  });

  it("stores what the kernel stores: host bits, netmask, markmask, swapped ranges, uppercase MACs", () => {
    expect(first("create n hash:net\nadd n 10.1.2.3/16\n")).toEqual([{ kind: "ip", address: { kind: "prefix", family: "ipv4", address: "10.1.0.0", length: 16 } }]);
    expect(first("create h hash:ip netmask 24\nadd h 10.1.2.3\n")).toEqual([{ kind: "ip", address: { kind: "prefix", family: "ipv4", address: "10.1.2.0", length: 32 } }]);
    expect(first("create m hash:ip,mark markmask 0xff\nadd m 10.0.0.1,0x1234\n")[1]).toEqual({ kind: "mark", value: 0x34 });
    expect(first("create r hash:ip\nadd r 10.0.0.9-10.0.0.1\n")).toEqual([{ kind: "ip-range", family: "ipv4", from: "10.0.0.1", to: "10.0.0.9" }]);
    expect(first("create p hash:net,port\nadd p 10.0.0.0/8,udp:90-80\n")[1]).toEqual({ kind: "port", protocol: "udp", from: 80, to: 90 });
    expect(first("create a hash:mac\nadd a a:b:c:d:e:f\n")).toEqual([{ kind: "mac", address: "0A:0B:0C:0D:0E:0F" }]);
    expect(first("create b bitmap:port range tcp:0-100\nadd b udp:53\n")).toEqual([{ kind: "port", from: 53, to: 53 }]);
  });

  it("keeps create flags ipset save drops (forceadd) and list positions", () => {
    const save = parseOk("create f hash:ip forceadd\ncreate a hash:ip\ncreate b hash:ip\ncreate l list:set\nadd l b\nadd l a before b\n");
    expect(set(save, "f").options.forceadd).toBe(true);
    expect(member(set(save, "l"), "a").position).toEqual({ relation: "before", set: "b" });
    const printed = printIpsetSave(save);
    expect(printed).toContain("create f hash:ip family inet forceadd\n");
    expect(printed).toContain("add l a before b\n");
    expect(stripSpans(parseOk(printed))).toEqual(stripSpans(save));
  });

  it("prints IPv6 as inet_ntop does (first of equal zero runs compressed)", () => {
    expect(["::", "::1", "::ffff:10.0.0.1", "::10.0.0.1", "2001:db8::", "2001:0:0:1::1", "1:0:0:2:0:0:0:3", "fe80::1:0:0:0"].map(formatIpsetAddress)).toEqual([
      "::",
      "::1",
      "::ffff:10.0.0.1",
      "::10.0.0.1",
      "2001:db8::",
      "2001:0:0:1::1",
      "1:0:0:2::3",
      "fe80::1:0:0:0",
    ]);
  });
});

describe("errors are located diagnostics", () => {
  const cases: readonly (readonly [what: string, text: string, code: DiagnosticCode, line: number, column: number, message: RegExp])[] = [
    ["add to an undeclared set", "create a hash:ip\nadd b 10.0.0.1\n", "undeclared-set", 2, 5, /set b is not created/],
    ["list:set member that does not exist", "create l list:set\nadd l nosuch\n", "undeclared-set", 2, 7, /set nosuch is not created/],
    ["duplicate create", "create a hash:ip\ncreate  a hash:net\n", "duplicate-set", 2, 9, /created twice \(first created on line 1\)/],
    ["IPv6 member of an inet set", "create a hash:ip\nadd a 2001:db8::1\n", "family-mismatch", 2, 7, /ipv6 address, but set a holds ipv4/],
    ["IPv4 part of an inet6 set", "create a hash:net,port family inet6\nadd a 2001:db8::/32,80\nadd a 10.0.0.0/8,80\n", "family-mismatch", 3, 7, /family inet6/],
    ["ICMP in an inet6 set", "create a hash:ip,port family inet6\nadd a ::1,icmp:ping\n", "family-mismatch", 2, 11, /ICMP can be used with family inet only/],
    ["wrong number of parts", "create p hash:ip,port\nadd p 10.0.0.1\n", "bad-value", 2, 7, /IP,\[PROTO:\]PORT/],
    ["port out of range", "create p hash:ip,port\nadd p 10.0.0.1,udp:65536\n", "bad-value", 2, 16, /port 65536 is out of range/],
    ["port range end out of range", "create p hash:ip,port\nadd p 10.0.0.1,1-99999\n", "bad-value", 2, 16, /port 99999 is out of range/],
    ["bitmap port outside the set's range", "create b bitmap:port range 10-20\nadd b 21\n", "bad-value", 2, 7, /outside the range 10-20/],
    ["bitmap address outside the set's range", "create b bitmap:ip range 10.0.0.0/24\nadd b 10.0.1.0\n", "bad-value", 2, 7, /outside the range 10.0.0.0-10.0.0.255/],
    ["prefix too long", "create n hash:net\nadd n 10.0.0.0/33\n", "bad-value", 2, 7, /prefix length 33 is out of range/],
    ["prefix that is not a number", "create n hash:net\nadd n 10.0.0.0/255.0.0.0\n", "bad-value", 2, 7, /not a prefix length/],
    ["zero prefix in hash:net", "create n hash:net\nadd n 0.0.0.0/0\n", "bad-value", 2, 7, /prefix length 0 cannot be stored/],
    ["IPv6 range", "create n hash:net family inet6\nadd n ::1-::5\n", "bad-value", 2, 7, /IPv4 only/],
    ["hostname", "create a hash:ip\nadd a example.org\n", "bad-value", 2, 7, /hostnames are not resolved/],
    ["pseudo port not 0", "create p hash:ip,port\nadd p 10.0.0.1,gre:1\n", "bad-value", 2, 16, /pseudo port value 0 only/],
    ["unknown protocol", "create p hash:ip,port\nadd p 10.0.0.1,nosuchproto:1\n", "bad-value", 2, 16, /not a protocol/],
    ["unknown service", "create p hash:ip,port\nadd p 10.0.0.1,nosuchservice\n", "bad-value", 2, 16, /not a port number or a known service/],
    ["bad MAC", "create m hash:mac\nadd m 01:02:03:04:05\n", "bad-value", 2, 7, /ethernet address/],
    ["interface name too long", "create i hash:net,iface\nadd i 10.0.0.0/8,abcdefghijklmnop\n", "bad-value", 2, 18, /longer than 15/],
    ["mark out of range", "create m hash:ip,mark\nadd m 10.0.0.1,0x100000000\n", "bad-value", 2, 16, /out of range/],
    ["timeout without timeout support", "create a hash:ip\nadd a 10.0.0.1 timeout 5\n", "conflicting-options", 2, 16, /needs a set created with timeout/],
    ["counters without counters", "create a hash:ip\nadd a 10.0.0.1 packets 1\n", "conflicting-options", 2, 16, /counters/],
    ["nomatch where the type has none", "create a hash:ip\nadd a 10.0.0.1 nomatch\n", "unknown-option", 2, 16, /nomatch is not an option of hash:ip members/],
    ["unknown add option", "create a hash:ip\nadd a 10.0.0.1 frobnicate\n", "unknown-option", 2, 16, /unknown add option frobnicate/],
    ["option without its value", "create a hash:ip comment\nadd a 10.0.0.1 comment\n", "missing-argument", 2, 16, /comment needs a value/],
    ["option given twice", "create a hash:ip timeout 5 timeout 6\n", "duplicate-option", 1, 28, /given twice/],
    ["create option the type lacks", "create a hash:ip markmask 0xff\n", "unknown-option", 1, 18, /markmask is not an option of hash:ip sets/],
    ["netmask out of range", "create a hash:ip netmask 33\n", "bad-value", 1, 26, /netmask 33 is out of range \(1-32\)/],
    ["netmask and bitmask", "create a hash:ip netmask 24 bitmask 255.0.0.0\n", "conflicting-options", 1, 18, /mutually exclusive/],
    ["bitmap without range", "create b bitmap:ip\n", "missing-option", 1, 10, /need a range/],
    ["bitmap range too big", "create b bitmap:ip range 10.0.0.0/8\n", "bad-value", 1, 26, /at most 65536/],
    ["unknown type", "create x hash:ip,foo\n", "bad-value", 1, 10, /foo is not a data type/],
    ["type combination ipset lacks", "create x bitmap:net\n", "bad-value", 1, 10, /unknown set type bitmap:net/],
    ["bad family", "create x hash:ip family inet5\n", "bad-value", 1, 25, /family must be inet or inet6/],
    ["timeout too large", "create x hash:ip timeout 2147484\n", "bad-value", 1, 26, /out of range \(0-2147483\)/],
    ["set name too long", "create abcdefghijklmnopqrstuvwxyz0123456789 hash:ip\n", "bad-value", 1, 8, /longer than 31/],
    ["list:set inside a list:set", "create l list:set\ncreate m list:set\nadd l m\n", "bad-value", 3, 7, /cannot hold another list:set/],
    ["comment too long", `create c hash:ip comment\nadd c 10.0.0.1 comment "${"x".repeat(256)}"\n`, "bad-value", 2, 24, /at most 255/],
  ];

  it.each(cases)("%s", (_what, text, code, line, column, message) => {
    const { value, diagnostics } = parseIpsetSave(text, { file: "sets.save" });
    expect(value).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    const d: Diagnostic = diagnostics[0]!;
    expect({ code: d.code, line: d.span.start.line, column: d.span.start.column, file: d.file }).toEqual({ code, line, column, file: "sets.save" });
    expect(d.message).toMatch(message);
  });

  it("reports every error in a file, and skips adds to a refused set", () => {
    const text = "create a hash:ip\nadd a ::1\ncreate b hash:nope\nadd b 10.0.0.1\nadd c 10.0.0.1\nadd a 10.0.0.1,80\n";
    const { diagnostics } = parseIpsetSave(text);
    expect(diagnostics.map((d) => [d.code, d.span.start.line])).toEqual([
      ["family-mismatch", 2],
      ["bad-value", 3],
      ["undeclared-set", 5],
      ["bad-value", 6],
    ]);
  });

  it("a missing closing quote is a syntax error at the end of the line", () => {
    const { value, diagnostics } = parseIpsetSave('create a hash:ip comment\nadd a 1.2.3.4 comment "unterminated\n', { file: "q.save" });
    expect(value).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: "syntax", file: "q.save", expected: ['"\\""'], found: "end of line", span: { start: { line: 2, column: 36 } } });
  });

  it("an unknown command is a syntax error listing what a line may start with", () => {
    const { diagnostics } = parseIpsetSave("create a hash:ip\nflush a\n");
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: "syntax", expected: ['"#"', '"add"', '"create"'], found: '"f"', span: { start: { line: 2, column: 1 } } });
  });

  it("a create line without a type is a syntax error after the name", () => {
    const { diagnostics } = parseIpsetSave("create a\n");
    expect(diagnostics[0]).toMatchObject({ code: "syntax", expected: ["whitespace"], span: { start: { line: 1, column: 9 } } });
  });
});

const kernelSkipReason = !canUseNetns() ? "needs root on Linux to create network namespaces" : !hasCommand("ipset") ? "needs the ipset tool" : undefined;

/** A save's lines, sorted, with the seconds left of ticking timeouts blanked (`timeout 0` is kept: permanent). */
function comparable(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.replace(/ timeout [1-9]\d*/, l.startsWith("add ") ? " timeout N" : "$&"))
    .sort();
}

describe.skipIf(kernelSkipReason !== undefined)(`canonical print in the kernel${kernelSkipReason === undefined ? "" : ` (skipped: ${kernelSkipReason})`}`, () => {
  it.each(kernelFixtures)("%s: ipset restore takes the print, and ipset save gives the fixture back", async (name) => {
    const text = readFileSync(join(fixtureDir, name), "utf8");
    const printed = printIpsetSave(parseOk(text, name));
    await withNetns("ipt2nft-ipset", (ns) => {
      const restored = ns.exec("ipset", ["restore"], printed);
      expect(restored.code, restored.stderr).toBe(0);
      const saved = ns.exec("ipset", ["save"]);
      expect(saved.code, saved.stderr).toBe(0);
      expect(comparable(saved.stdout)).toEqual(comparable(text));
    });
  });
});
