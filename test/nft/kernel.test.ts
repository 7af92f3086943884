/**
 * The kernel is the judge of both printers: a ruleset using every node kind (test/nft/kernel-ruleset.ts) is
 * printed as text and as JSON, each is checked (`nft -c -f`, `nft -j -c -f`) and really loaded in a throwaway
 * network namespace, and what nft lists back (`nft -j list ruleset`) must be the same for both forms.
 * `nft -c` alone is not enough: it skips the commit-time validation that refuses, e.g., `rt mtu` in prerouting.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printNftJson, printNftJsonText, printNftStatement, printNftJsonStatement, printNftText, type NftStatement } from "../../src/nft/index.js";
import { canUseNetns, createNetns, hasCommand, type ExecResult, type Netns } from "../helpers/netns.js";
import { num } from "./build.js";
import { kernelRuleset, usedKinds } from "./kernel-ruleset.js";

const skipReason = !canUseNetns() ? "needs root and ip netns" : !hasCommand("nft") ? "needs nft" : undefined;
const suffix = skipReason === undefined ? "" : ` (skipped: ${skipReason})`;

let ns: Netns | undefined;
let dir = "";

beforeAll(() => {
  if (skipReason !== undefined) return;
  ns = createNetns("ipt2nft-nfttest");
  dir = mkdtempSync(join(tmpdir(), "ipt2nft-nft-"));
});

afterAll(() => {
  ns?.destroy();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

/** Runs nft in the namespace and fails with its stderr when it does not exit 0. */
function nft(...args: string[]): ExecResult {
  if (ns === undefined) throw new Error("no namespace");
  const r = ns.exec("nft", args);
  if (r.code !== 0) throw new Error(`nft ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
  return r;
}

/** Writes a file into the test's temporary directory. */
function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/**
 * `nft -j list ruleset` without what legitimately differs between two loads of the same ruleset: handles and
 * the seconds left on timed-out elements. `jsonLosses` also removes what nft 1.0.6's JSON parser drops from
 * input that its text parser keeps (documented on the model): set and map comments, and the `l3proto` and
 * `policy` of ct timeout objects. Table and chain comments need no scrubbing: its JSON listing omits them.
 */
function listing(jsonLosses: "keep" | "scrub"): unknown[] {
  const doc = JSON.parse(nft("-j", "list", "ruleset").stdout) as { nftables: Record<string, unknown>[] };
  const scrub = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(scrub);
    if (value === null || typeof value !== "object") return value;
    const entries = Object.entries(value).filter(([k]) => k !== "handle" && k !== "expires");
    return Object.fromEntries(entries.map(([k, v]) => [k, scrub(v)]));
  };
  const dropKeys = (object: unknown, keys: readonly string[]): unknown =>
    Object.fromEntries(Object.entries(object as Record<string, unknown>).filter(([k]) => !keys.includes(k)));
  const lossless = (o: Record<string, unknown>): Record<string, unknown> => {
    if (jsonLosses === "keep") return o;
    if ("set" in o) return { set: dropKeys(o.set, ["comment"]) };
    if ("map" in o) return { map: dropKeys(o.map, ["comment"]) };
    if ("ct timeout" in o) return { "ct timeout": dropKeys(o["ct timeout"], ["l3proto", "policy"]) };
    return o;
  };
  return doc.nftables
    .filter((o) => !("metainfo" in o))
    .map(lossless)
    .map(scrub);
}

describe("nft kernel check", () => {
  it("the kernel ruleset uses every statement kind but queue, and every expression kind", () => {
    const { statements, exprs } = usedKinds(kernelRuleset);
    const allStatements: NftStatement["kind"][] = [
      "match", "accept", "drop", "continue", "return", "jump", "goto", "counter", "objref", "mangle", "log", "reject", "limit",
      "quota", "ct count", "set", "meter", "snat", "dnat", "masquerade", "redirect", "tproxy", "dup", "synproxy", "notrack",
      "vmap", "raw",
    ];
    expect([...statements].sort()).toEqual([...allStatements].sort());
    const allExprs = [
      "payload", "raw payload", "exthdr", "tcp option", "ip option", "meta", "ct", "fib", "socket", "numgen", "jhash", "symhash",
      "rt", "ipsec", "number", "string", "symbol", "boolean", "prefix", "range", "list", "set", "mapping", "elem",
      "set reference", "concat", "binop", "map", "accept", "drop", "jump", "goto",
    ];
    expect([...exprs].sort()).toEqual([...allExprs].sort());
  });

  it.skipIf(skipReason !== undefined)(`text and JSON both load and list back the same ruleset${suffix}`, () => {
    const textFile = write("ruleset.nft", printNftText(kernelRuleset));
    const jsonText = printNftJsonText(kernelRuleset, { indent: "  " });
    // nft -j -f silently falls back to the text parser on input that is not JSON, so prove it is JSON first.
    expect(JSON.parse(jsonText)).toEqual(JSON.parse(JSON.stringify(printNftJson(kernelRuleset), (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v))));
    const jsonFile = write("ruleset.json", jsonText);

    nft("flush", "ruleset");
    nft("-c", "-f", textFile);
    nft("-f", textFile);
    const fromText = listing("scrub");
    const textListing = nft("list", "ruleset").stdout;

    nft("flush", "ruleset");
    nft("-j", "-c", "-f", jsonFile);
    nft("-j", "-f", jsonFile);
    const fromJson = listing("scrub");

    expect(fromJson).toEqual(fromText);
    // Spot checks that the text survived as written: comments, counters, priorities, quoting.
    expect(textListing).toContain('comment "every node kind"');
    expect(textListing).toContain('counter packets 5 bytes 300 accept comment "web and ssh"');
    expect(textListing).toContain("type nat hook prerouting priority dstnat; policy accept;");
    expect(textListing).toContain("type filter hook forward priority filter - 5; policy drop;");
    expect(textListing).toContain("policy = { established : 100 }");
    expect(fromText.length).toBeGreaterThan(100);
  });

  it.skipIf(skipReason !== undefined)(`the replace-tables preamble makes loading idempotent, in text and JSON${suffix}`, () => {
    const textFile = write("replace.nft", printNftText(kernelRuleset, { preamble: "replace-tables" }));
    const jsonFile = write("replace.json", printNftJsonText(kernelRuleset, { preamble: "replace-tables" }));
    nft("flush", "ruleset");
    nft("add", "table", "ip", "unrelated");
    nft("-f", textFile);
    const once = listing("keep");
    const onceWithoutJsonLosses = listing("scrub");
    nft("-f", textFile);
    expect(listing("keep")).toEqual(once);
    nft("-j", "-f", jsonFile);
    expect(listing("scrub")).toEqual(onceWithoutJsonLosses);
    nft("-f", textFile);
    expect(listing("keep")).toEqual(once);
    // The table the file does not define is left alone.
    expect(once).toContainEqual({ table: { family: "ip", name: "unrelated" } });
  });

  it(`queue: shape only, because this kernel has no NFQUEUE support and refuses any queue rule${suffix}`, () => {
    const queue: NftStatement = { kind: "queue", num: { kind: "range", low: num(1), high: num(3) }, flags: ["bypass", "fanout"] };
    expect(printNftStatement(queue)).toBe("queue flags bypass,fanout to 1-3");
    expect(printNftJsonStatement(queue)).toEqual({ queue: { num: { range: [1, 3] }, flags: ["bypass", "fanout"] } });
  });
});
