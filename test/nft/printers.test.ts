/**
 * Unit tests of both nft printers: every expression and statement kind in text and JSON (test/nft/cases.ts),
 * then the ruleset-level layout: tables, chains, sets, objects, counters, comments, names, preamble.
 */
import { describe, expect, it } from "vitest";
import {
  isNftIdentifier,
  isNftQuotable,
  printNftExpr,
  printNftJson,
  printNftJsonExpr,
  printNftJsonStatement,
  printNftJsonText,
  printNftName,
  printNftPriority,
  printNftRule,
  printNftStatement,
  printNftText,
  quoteNftString,
  ruleStatements,
  stringifyNftJson,
  type NftExpr,
  type NftRuleset,
  type NftStatement,
  type NftTable,
} from "../../src/nft/index.js";
import { match, meta, num, payload, rule, str, sym } from "./build.js";
import { exprCases, statementCases } from "./cases.js";

/** Every kind, so a kind added to the model without a case fails here (and a missing key fails to compile). */
const exprKinds: Record<NftExpr["kind"], true> = {
  payload: true, "raw payload": true, exthdr: true, "tcp option": true, "ip option": true, meta: true, ct: true, fib: true,
  socket: true, numgen: true, jhash: true, symhash: true, rt: true, ipsec: true, number: true, string: true, symbol: true,
  boolean: true, prefix: true, range: true, list: true, set: true, mapping: true, elem: true, "set reference": true,
  concat: true, binop: true, map: true, accept: true, drop: true, continue: true, return: true, jump: true, goto: true,
};
const statementKinds: Record<NftStatement["kind"], true> = {
  match: true, accept: true, drop: true, continue: true, return: true, jump: true, goto: true, counter: true, objref: true,
  mangle: true, log: true, reject: true, limit: true, quota: true, "ct count": true, set: true, meter: true, snat: true,
  dnat: true, masquerade: true, redirect: true, tproxy: true, queue: true, dup: true, synproxy: true, notrack: true,
  vmap: true, raw: true,
};

describe("expressions", () => {
  it("have a case for every kind", () => {
    expect(new Set(exprCases.map(([, e]) => e.kind))).toEqual(new Set(Object.keys(exprKinds)));
  });
  it.each(exprCases)("%s", (_name, expr, text, json) => {
    expect(printNftExpr(expr)).toBe(text);
    expect(printNftJsonExpr(expr)).toEqual(json);
  });
});

describe("statements", () => {
  it("have a case for every kind", () => {
    expect(new Set(statementCases.map(([, s]) => s.kind))).toEqual(new Set(Object.keys(statementKinds)));
  });
  it.each(statementCases)("%s", (_name, stmt, text, json) => {
    expect(printNftStatement(stmt)).toBe(text);
    expect(printNftJsonStatement(stmt)).toEqual(json);
  });
});

describe("quoting and names", () => {
  it("quotes strings in double quotes and refuses what nft cannot represent", () => {
    expect(quoteNftString("a b")).toBe('"a b"');
    expect(isNftQuotable('say "hi"')).toBe(false);
    expect(isNftQuotable("two\nlines")).toBe(false);
    expect(() => quoteNftString('say "hi"')).toThrow(/double quotes/);
  });
  it("writes identifiers bare and quotes keywords and odd names", () => {
    expect(isNftIdentifier("KUBE-SVC-ABC_1.x")).toBe(true);
    expect(isNftIdentifier("input")).toBe(true);
    expect(isNftIdentifier("fwd")).toBe(false);
    expect(isNftIdentifier("log")).toBe(false);
    expect(isNftIdentifier("1abc")).toBe(false);
    expect(isNftIdentifier("my chain")).toBe(false);
    expect(isNftIdentifier("")).toBe(false);
    expect(printNftName("INPUT")).toBe("INPUT");
    expect(printNftName("counter")).toBe('"counter"');
    expect(printNftStatement({ kind: "jump", target: "my chain" })).toBe('jump "my chain"');
  });
});

describe("priorities", () => {
  it("uses the standard name valid on the hook, the number otherwise", () => {
    expect(printNftPriority(-100, "prerouting")).toBe("dstnat");
    expect(printNftPriority(-100, "output")).toBe("-100");
    expect(printNftPriority(100, "postrouting")).toBe("srcnat");
    expect(printNftPriority(100, "input")).toBe("100");
    expect(printNftPriority(-300, "output")).toBe("raw");
    expect(printNftPriority(-150, "forward")).toBe("mangle");
    expect(printNftPriority(0, "input")).toBe("filter");
    expect(printNftPriority(50, "input")).toBe("security");
    expect(printNftPriority(-5, "forward")).toBe("-5");
  });
});

describe("rules", () => {
  const accept: NftStatement = { kind: "accept" };
  const dport = match(payload("tcp", "dport"), num(22));

  it("puts the rule counter after the last condition", () => {
    const r = { ...rule(dport, { kind: "limit", rate: 1, per: "second", unit: "packets" }, { kind: "log" }, accept), counter: { packets: 3n, bytes: 180n } };
    expect(printNftRule(r)).toBe("tcp dport 22 limit rate 1/second counter packets 3 bytes 180 log accept");
    expect(ruleStatements(r).map((s) => s.kind)).toEqual(["match", "limit", "counter", "log", "accept"]);
  });
  it("puts the counter first when the rule has no condition, and prints zero counts as plain counter", () => {
    expect(printNftRule({ ...rule(accept), counter: { packets: 0n, bytes: 0n } })).toBe("counter accept");
  });
  it("counts after named limits and quotas but not after named counters", () => {
    const r = { ...rule({ kind: "objref", type: "quota", name: "q" }, { kind: "objref", type: "counter", name: "c" }, accept), counter: { packets: 0n, bytes: 0n } };
    expect(printNftRule(r)).toBe('quota name "q" counter counter name "c" accept');
  });
  it("prints the comment last and leading comments above", () => {
    const r = { ...rule(dport, accept), comment: "ssh", leadingComments: ["UNTRACKED: -m foo", "second\nthird", ""] };
    expect(printNftRule(r, "\t")).toBe('\t# UNTRACKED: -m foo\n\t# second\n\t# third\n\t#\n\ttcp dport 22 accept comment "ssh"');
    expect(printNftJsonRule(r)).toEqual({
      rule: {
        family: "ip",
        table: "t",
        chain: "c",
        comment: "ssh",
        expr: [{ match: { op: "==", left: { payload: { protocol: "tcp", field: "dport" } }, right: 22 } }, { accept: null }],
      },
    });
  });
});

function printNftJsonRule(r: ReturnType<typeof rule>): unknown {
  const doc = printNftJson({
    kind: "ruleset",
    tables: [{ kind: "table", family: "ip", name: "t", objects: [], sets: [], maps: [], chains: [{ kind: "chain", name: "c", rules: [r] }] }],
  });
  return doc.nftables.at(-1);
}

const table: NftTable = {
  kind: "table",
  family: "inet",
  name: "filter",
  comment: "made by a test",
  leadingComments: ["generated"],
  objects: [
    { kind: "ct helper", name: "ftp-std", type: "ftp", protocol: "tcp", l3proto: "inet" },
    { kind: "counter", name: "c1", packets: 1n, bytes: 2n, comment: "acct" },
    { kind: "quota", name: "q1", bytes: 104857600n, over: true },
    { kind: "limit", name: "l1", rate: 10, per: "second", unit: "packets", burst: 5 },
    { kind: "ct timeout", name: "t1", protocol: "tcp", l3proto: "ip", policy: { established: 100, close: 10 } },
  ],
  sets: [
    {
      kind: "set",
      name: "s4",
      type: ["ipv4_addr"],
      flags: ["interval"],
      comment: "four",
      elements: [{ kind: "prefix", addr: "10.0.0.0", len: 8 }, sym("192.168.1.1")],
    },
    { kind: "set", name: "dyn", type: ["ipv4_addr"], flags: ["dynamic", "timeout"], timeout: 60, size: 65535, counter: true },
  ],
  maps: [
    {
      kind: "map",
      name: "vm",
      type: ["inet_service"],
      map: "verdict",
      elements: [{ kind: "mapping", key: num(22), value: { kind: "accept" } }],
    },
    { kind: "map", name: "mm", type: ["ipv4_addr", "inet_service"], map: "ipv4_addr" },
  ],
  chains: [
    {
      kind: "chain",
      name: "input",
      comment: "in",
      base: { type: "filter", hook: "input", priority: 0, policy: "drop" },
      rules: [rule(match(meta("iifname"), str("lo")), { kind: "accept" }), rule({ kind: "jump", target: "other" })],
    },
    { kind: "chain", name: "other", leadingComments: ["user chain"], rules: [] },
  ],
};
const ruleset: NftRuleset = { kind: "ruleset", tables: [table] };

describe("tables", () => {
  it("lays out a table as nft list does", () => {
    expect(printNftText(ruleset)).toBe(
      [
        "# generated",
        "table inet filter {",
        '\tcomment "made by a test"',
        "\tct helper ftp-std {",
        '\t\ttype "ftp" protocol tcp',
        "\t\tl3proto inet",
        "\t}",
        "",
        "\tcounter c1 {",
        '\t\tcomment "acct"',
        "\t\tpackets 1 bytes 2",
        "\t}",
        "",
        "\tquota q1 {",
        "\t\tover 104857600 bytes",
        "\t}",
        "",
        "\tlimit l1 {",
        "\t\trate 10/second burst 5 packets",
        "\t}",
        "",
        "\tct timeout t1 {",
        "\t\tprotocol tcp",
        "\t\tl3proto ip",
        "\t\tpolicy = { close : 10, established : 100 }",
        "\t}",
        "",
        "\tset s4 {",
        "\t\ttype ipv4_addr",
        "\t\tflags interval",
        '\t\tcomment "four"',
        "\t\telements = { 10.0.0.0/8, 192.168.1.1 }",
        "\t}",
        "",
        "\tset dyn {",
        "\t\ttype ipv4_addr",
        "\t\tsize 65535",
        "\t\tflags dynamic,timeout",
        "\t\ttimeout 60s",
        "\t\tcounter",
        "\t}",
        "",
        "\tmap vm {",
        "\t\ttype inet_service : verdict",
        "\t\telements = { 22 : accept }",
        "\t}",
        "",
        "\tmap mm {",
        "\t\ttype ipv4_addr . inet_service : ipv4_addr",
        "\t}",
        "",
        "\tchain input {",
        '\t\tcomment "in"',
        "\t\ttype filter hook input priority filter; policy drop;",
        '\t\tiifname "lo" accept',
        "\t\tjump other",
        "\t}",
        "",
        "\t# user chain",
        "\tchain other {",
        "\t}",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("prints the same table as JSON objects: table, objects, sets, chains, maps, then rules", () => {
    const where = { family: "inet", table: "filter" };
    expect(printNftJson(ruleset)).toEqual({
      nftables: [
        { metainfo: { json_schema_version: 1 } },
        { table: { family: "inet", name: "filter", comment: "made by a test" } },
        { "ct helper": { ...where, name: "ftp-std", type: "ftp", protocol: "tcp", l3proto: "inet" } },
        { counter: { ...where, name: "c1", comment: "acct", packets: 1, bytes: 2 } },
        { quota: { ...where, name: "q1", bytes: 104857600, inv: true } },
        { limit: { ...where, name: "l1", rate: 10, per: "second", burst: 5, unit: "packets" } },
        { "ct timeout": { ...where, name: "t1", protocol: "tcp", l3proto: "ip", policy: { close: 10, established: 100 } } },
        {
          set: {
            ...where,
            name: "s4",
            type: "ipv4_addr",
            flags: ["interval"],
            comment: "four",
            elem: [{ prefix: { addr: "10.0.0.0", len: 8 } }, "192.168.1.1"],
          },
        },
        { set: { ...where, name: "dyn", type: "ipv4_addr", flags: ["timeout"], timeout: 60, size: 65535, stmt: [{ counter: null }] } },
        { chain: { ...where, name: "input", comment: "in", type: "filter", hook: "input", prio: 0, policy: "drop" } },
        { chain: { ...where, name: "other" } },
        { map: { ...where, name: "vm", type: "inet_service", map: "verdict", elem: [[22, { accept: null }]] } },
        { map: { ...where, name: "mm", type: ["ipv4_addr", "inet_service"], map: "ipv4_addr" } },
        { rule: { ...where, chain: "input", expr: [{ match: { op: "==", left: { meta: { key: "iifname" } }, right: "lo" } }, { accept: null }] } },
        { rule: { ...where, chain: "input", expr: [{ jump: { target: "other" } }] } },
      ],
    });
  });

  it("prints an empty ruleset as nothing", () => {
    expect(printNftText({ kind: "ruleset", tables: [] })).toBe("");
    expect(printNftJson({ kind: "ruleset", tables: [] })).toEqual({ nftables: [{ metainfo: { json_schema_version: 1 } }] });
  });

  it("can replace exactly its own tables", () => {
    const small: NftRuleset = { kind: "ruleset", tables: [{ kind: "table", family: "ip", name: "nat", objects: [], sets: [], maps: [], chains: [] }] };
    expect(printNftText(small, { preamble: "replace-tables" })).toBe("table ip nat {\n}\ndelete table ip nat\ntable ip nat {\n}\n");
    expect(printNftJson(small, { preamble: "replace-tables" }).nftables).toEqual([
      { metainfo: { json_schema_version: 1 } },
      { add: { table: { family: "ip", name: "nat" } } },
      { delete: { table: { family: "ip", name: "nat" } } },
      { table: { family: "ip", name: "nat" } },
    ]);
  });

  it("is deterministic: sorted records, given order elsewhere", () => {
    const reordered: NftTable = {
      ...table,
      objects: [{ kind: "ct timeout", name: "t1", protocol: "tcp", policy: { established: 100, close: 10 } }],
    };
    const other: NftTable = { ...reordered, objects: [{ kind: "ct timeout", name: "t1", protocol: "tcp", policy: { close: 10, established: 100 } }] };
    expect(printNftText({ kind: "ruleset", tables: [reordered] })).toBe(printNftText({ kind: "ruleset", tables: [other] }));
    expect(printNftJsonText({ kind: "ruleset", tables: [reordered] })).toBe(printNftJsonText({ kind: "ruleset", tables: [other] }));
  });
});

describe("JSON text", () => {
  it("writes bigints exactly and parses back with JSON.parse", () => {
    const text = stringifyNftJson({ a: [1, 18446744073709551615n, "x", null, true], b: {} });
    expect(text).toBe('{"a":[1,18446744073709551615,"x",null,true],"b":{}}');
    expect(JSON.parse(stringifyNftJson({ a: [1, { b: "c" }] }, "  "))).toEqual({ a: [1, { b: "c" }] });
  });
  it("indents like JSON.stringify when asked", () => {
    const value = { a: [1, { b: "c" }], d: [] };
    expect(stringifyNftJson(value, "  ")).toBe(JSON.stringify(value, null, 2));
  });
  it("prints a whole document", () => {
    const json = printNftJsonText(ruleset);
    expect(json.endsWith("\n")).toBe(true);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(printNftJson(ruleset))));
  });
});
