/**
 * Classifies netfilter's `iptables-translate` test cases against ipt2nft's translation, with the real nft as
 * the judge of meaning. Each case and each side (netfilter's expected text, our translation) is loaded into its
 * own table of a throwaway network namespace, in one batch per run; nft then lists both, and the two listings
 * are compared with counters and generated names taken out. A rule text can differ and still mean the same:
 * nft lists `ip protocol tcp tcp dport 80` and `tcp dport 80` alike.
 * @module
 */
import { builtinChains, type Family, type TableName, tableNames } from "../../src/ast/index.js";
import { hasErrors } from "../../src/diagnostic/index.js";
import { type NftChain, type NftRule, type NftTable, printNftChain, printNftObject, printNftRule, printNftSet, printNftText } from "../../src/nft/index.js";
import { parseCommand, parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import type { Netns } from "../helpers/netns.js";
import type { TxlateCase } from "../helpers/txlate.js";
import { differences } from "./differences.js";

/**
 * What a case is:
 * - `same`: our rule text is netfilter's (counters and spacing aside), and nft lists both alike;
 * - `same-meaning`: the texts differ, nft lists both alike;
 * - `different-on-purpose`: nft lists them differently, or netfilter's text does not load; the reason says why;
 * - `refused`: ipt2nft refuses the rule, with its reason;
 * - `not-loadable-here`: this kernel lacks a feature the rule needs, so nft cannot judge it here;
 * - `broken`: our translator threw, or its output does not load for a reason other than a missing kernel
 *   feature. The conformance test fails on these.
 */
export type TxlateClass = "same" | "same-meaning" | "different-on-purpose" | "refused" | "not-loadable-here" | "broken";

/** The classes in the order the report lists them. */
export const txlateClasses: readonly TxlateClass[] = ["same", "same-meaning", "different-on-purpose", "refused", "not-loadable-here", "broken"];

/** Whether one side of a case loaded into the kernel, and nft's error when it did not. */
export type LoadOutcome =
  | { readonly loads: true }
  | { readonly loads: false; readonly error: string; /** The kernel feature whose absence explains the error. */ readonly missingFeature?: string };

/** One case with its verdict. */
export interface ClassifiedCase {
  /** `file:line` of the case in netfilter's txlate files; the key of differences.ts. */
  readonly key: string;
  readonly txlate: TxlateCase;
  /** netfilter's expected lines, rule lines without their `add rule FAMILY TABLE CHAIN` prefix. */
  readonly expected: readonly string[];
  /** Our rule (without counter), then the sets, objects and chains it needs; undefined when refused or broken. */
  readonly ours: readonly string[] | undefined;
  readonly class: TxlateClass;
  /** Why the case is not `same` or `same-meaning` (undefined for those, and for an unexplained difference). */
  readonly reason: string | undefined;
  /** Whether our translation loaded (undefined when there is none). */
  readonly oursLoad: LoadOutcome | undefined;
  /** Whether netfilter's expected text loaded (undefined when it is not a rule, e.g. `flush table ip nat`). */
  readonly expectedLoad: LoadOutcome | undefined;
  /** How nft lists each side, in the compared form (see {@link canonicalListing}); for messages. */
  readonly listings?: { readonly expected: string; readonly ours: string };
}

/**
 * A kernel feature some cases need, with the smallest rule that uses it: when that rule does not load here, a
 * case whose text matches `uses` and fails with the same error is `not-loadable-here` rather than wrong.
 */
interface KernelFeature {
  readonly name: string;
  readonly uses: RegExp;
  readonly probe: string;
}

const kernelFeatures: readonly KernelFeature[] = [
  { name: "nft queue (nft_queue, for NFQUEUE)", uses: /\bqueue\b/, probe: "queue num 0" },
  { name: "bridge port metadata (meta ibrname/obrname, for physdev)", uses: /\bmeta (ibrname|obrname|ibriport|obriport)\b/, probe: 'meta ibrname "br0"' },
  { name: "nft osf (nfnetlink_osf)", uses: /\bosf\b/, probe: 'osf name "Linux"' },
  { name: "nft synproxy (nft_synproxy)", uses: /\bsynproxy\b/, probe: "tcp flags syn synproxy mss 1460" },
  { name: "nft tproxy (nft_tproxy)", uses: /\btproxy\b/, probe: "meta l4proto tcp tproxy to :80" },
  { name: "nft dup (nft_dup_ipv4)", uses: /\bdup to\b/, probe: "dup to 1.2.3.4" },
];

/** The regular chain each case's rule is put in (a name no translation produces). */
const caseChain = "txlate_case";

/** One side of one case as a piece of an `nft -f` file. */
interface Chunk {
  readonly index: number;
  readonly side: "expected" | "ours";
  readonly family: "ip" | "ip6";
  readonly table: string;
  readonly text: string;
}

/** Our side of a case before loading. */
type Ours =
  | { readonly kind: "translated"; readonly rule: string; readonly display: readonly string[]; readonly table: NftTable }
  | { readonly kind: "refused"; readonly reason: string }
  | { readonly kind: "broken"; readonly reason: string };

/** netfilter's side of a case before loading. */
interface Expected {
  readonly display: readonly string[];
  /** The rule body when the expected text is one rule (with its definitions); undefined when it is no rule. */
  readonly rule: string | undefined;
  /** The expected lines with the table and chain renamed, or undefined when they are not a loadable rule. */
  readonly lines: ((table: string) => readonly string[]) | undefined;
  /** Chains the rule jumps to, which must exist for it to load. */
  readonly userChains: readonly string[];
}

/** The family of a case. */
export function caseFamily(c: TxlateCase): Family {
  return c.tool === "ip6tables" ? "ipv6" : "ipv4";
}

function isTableName(name: string): name is TableName {
  return (tableNames as readonly string[]).includes(name);
}

/** Translates one case: a one-rule ruleset around the command, declaring every chain that is not built into its table. */
function translateCase(c: TxlateCase): { ours: Ours; userChains: readonly string[] } {
  const family = caseFamily(c);
  const parsed = parseCommand(c.command, { family });
  const command = parsed.value;
  if (command === undefined || hasErrors(parsed.diagnostics)) {
    return { ours: { kind: "broken", reason: `does not parse: ${parsed.diagnostics.map((d) => d.message).join("; ")}` }, userChains: [] };
  }
  if (command.rule === undefined) {
    return {
      ours: { kind: "refused", reason: `\`${command.command}\` is a command, not a rule: ipt2nft translates iptables-save rulesets, which hold rules and chain declarations only` },
      userChains: [],
    };
  }
  const table = command.table ?? "filter";
  if (!isTableName(table)) return { ours: { kind: "broken", reason: `unknown table ${table}` }, userChains: [] };
  const rule = command.rule;
  const jumps = rule.target?.kind === "jump" || rule.target?.kind === "goto" ? [rule.target.chain] : [];
  const userChains = [...new Set([rule.chain, ...jumps])].filter((name) => !builtinChains[table].includes(name));
  const save = [`*${table}`, ...userChains.map((name) => `:${name} - [0:0]`), c.command.replace(/(^|\s)-t\s+\S+/, ""), "COMMIT", ""].join("\n");
  const ruleset = parseRuleset(save, { family });
  if (ruleset.value === undefined) return { ours: { kind: "broken", reason: `does not parse as a ruleset: ${ruleset.diagnostics.map((d) => d.message).join("; ")}` }, userChains };
  try {
    const { value, diagnostics } = translate(ruleset.value);
    if (value === undefined || hasErrors(diagnostics)) {
      return { ours: { kind: "refused", reason: diagnostics.filter((d) => d.severity === "error").map((d) => d.message.replace(/^table \S+, chain \S+: /, "")).join("; ") }, userChains };
    }
    const nftTable = value.nft.tables[0];
    const ruleChainName = value.renamedChains.find(([t, from]) => t === table && from === rule.chain)?.[2] ?? rule.chain;
    const ruleChain = nftTable?.chains.find((ch) => ch.name === ruleChainName);
    const nftRule = ruleChain?.rules[0];
    if (nftTable === undefined || nftRule === undefined) return { ours: { kind: "broken", reason: "the translation has no rule" }, userChains };
    const otherChains = nftTable.chains.filter((ch) => ch.name !== ruleChainName && ch.base === undefined);
    const caseTable: NftTable = {
      ...nftTable,
      leadingComments: [],
      chains: [...otherChains, { kind: "chain", name: caseChain, rules: [nftRule] } satisfies NftChain],
    };
    const withoutCounter: NftRule = { ...nftRule, counter: undefined, leadingComments: [] };
    const definitions = [...nftTable.objects.map((o) => printNftObject(o, "")), ...nftTable.sets.map((s) => printNftSet(s, "")), ...nftTable.maps.map((m) => printNftSet(m, "")), ...otherChains.map((ch) => printNftChain(ch, ""))];
    const display = [printNftRule({ ...nftRule, counter: undefined }), ...definitions].flatMap((d) => d.split("\n")).map((l) => l.replace(/^\t+/, ""));
    return { ours: { kind: "translated", rule: printNftRule(withoutCounter), display, table: caseTable }, userChains };
  } catch (e) {
    return { ours: { kind: "broken", reason: `the translator threw: ${e instanceof Error ? e.message : String(e)}` }, userChains };
  }
}

const ruleLine = /^(?:add|insert) rule (ip6?) (\S+) (\S+) (.*)$/;
const objectLine = /^add (set|map|counter|quota|limit|ct helper|ct timeout|ct expectation|chain) (ip6?) (\S+) (.*)$/;

/** Reads netfilter's expected lines: the rule body for display and comparison, and the lines to load. */
function readExpected(c: TxlateCase, userChains: readonly string[]): Expected {
  const display = c.expected.map((l) => ruleLine.exec(l)?.[4] ?? l);
  const rules = c.expected.map((l) => ruleLine.exec(l)).filter((m) => m !== null);
  const loadable = c.expected.every((l) => ruleLine.test(l) || objectLine.test(l)) && rules.length === 1;
  const rule = rules[0]?.[4];
  if (!loadable || rule === undefined) return { display, rule: undefined, lines: undefined, userChains };
  const family = caseFamily(c) === "ipv6" ? "ip6" : "ip";
  const lines = (table: string): readonly string[] => [
    `add table ${family} ${table}`,
    `add chain ${family} ${table} ${caseChain}`,
    ...userChains.filter((name) => name !== rules[0]?.[3]).map((name) => `add chain ${family} ${table} ${name}`),
    ...c.expected.map((l) => {
      const r = ruleLine.exec(l);
      if (r !== null) return `add rule ${family} ${table} ${caseChain} ${r[4] ?? ""}`;
      const o = objectLine.exec(l);
      return o === null ? l : `add ${o[1] ?? ""} ${family} ${table} ${o[4] ?? ""}`;
    }),
  ];
  return { display, rule, lines, userChains };
}

/** Rule text for the `same` comparison: no counter, single spaces. */
export function normaliseRuleText(text: string): string {
  return text
    .replace(/(^|\s)counter(?=\s|$)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** nft's error output as messages without file locations (they depend on the batch), one per error. */
function errorMessages(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((l) => /^\S+:\d+:\d+(?:-\d+)?: Error: (.*)$/.exec(l)?.[1])
    .filter((m) => m !== undefined);
}

/**
 * Loads the chunks in one `nft -f` run; when nft rejects the batch, the chunks its error lines point into are
 * dropped and the rest retried, until the batch loads. Returns nft's errors for each dropped chunk.
 */
function loadChunks(ns: Netns, chunks: readonly Chunk[]): Map<Chunk, string> {
  const failed = new Map<Chunk, string>();
  let remaining = [...chunks];
  for (;;) {
    const starts: number[] = [];
    let line = 1;
    for (const ch of remaining) {
      starts.push(line);
      line += ch.text.split("\n").length;
    }
    const text = remaining.map((ch) => ch.text).join("\n") + "\n";
    const r = ns.exec("nft", ["-f", "-"], text);
    if (r.code === 0) return failed;
    const culprits = new Map<Chunk, string[]>();
    for (const l of r.stderr.split("\n")) {
      const m = /^\S+:(\d+):\d+(?:-\d+)?: Error: (.*)$/.exec(l);
      if (m === null) continue;
      const at = Number(m[1]);
      let i = starts.length - 1;
      while (i > 0 && (starts[i] ?? 0) > at) i--;
      const ch = remaining[i];
      if (ch !== undefined) culprits.set(ch, [...(culprits.get(ch) ?? []), m[2] ?? ""]);
    }
    if (culprits.size === 0) {
      // No error points at a line: check each chunk on its own (slow, but only when nft's output is unusual).
      const alone = remaining.map((ch) => [ch, ns.exec("nft", ["-c", "-f", "-"], ch.text + "\n")] as const).filter(([, a]) => a.code !== 0);
      for (const [ch, a] of alone) culprits.set(ch, errorMessages(a.stderr).length > 0 ? errorMessages(a.stderr) : [a.stderr.trim()]);
      if (alone.length === 0) throw new Error(`nft rejects the batch but accepts each part: ${r.stderr}`);
    }
    for (const [ch, errors] of culprits) failed.set(ch, [...new Set(errors)].join("; "));
    remaining = remaining.filter((ch) => !culprits.has(ch));
  }
}

/** The features this kernel lacks, each with the error nft gives for its probe. */
function missingFeatures(ns: Netns): Map<KernelFeature, string> {
  const missing = new Map<KernelFeature, string>();
  for (const f of kernelFeatures) {
    const r = ns.exec("nft", ["-c", "-f", "-"], `table ip probe {\n\tchain c {\n\t\t${f.probe}\n\t}\n}\n`);
    if (r.code !== 0) missing.set(f, errorMessages(r.stderr).join("; "));
  }
  return missing;
}

/** A table's listing, or nft's error when it cannot list it (nft 1.0.6 aborts on some rules it loaded). */
type Listing = { readonly body: string } | { readonly error: string };

/** Splits `nft list` output into table bodies, keyed by table name. */
function splitTables(stdout: string): Map<string, string> {
  const tables = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  for (const l of stdout.split("\n")) {
    const head = /^table (?:ip6?|inet) (\S+) \{$/.exec(l);
    if (head !== null) {
      name = head[1];
      body = [];
    } else if (l === "}" && name !== undefined) {
      tables.set(name, body.join("\n"));
      name = undefined;
    } else if (name !== undefined) body.push(l);
  }
  return tables;
}

/**
 * Loads the chunks and lists them back. nft 1.0.6 loads a few rules it cannot list (its delinearizer aborts,
 * and then even `nft list tables` fails), so when the listing fails the loaded chunks are halved, each half
 * reloaded into an empty ruleset and listed, until each chunk nft cannot list is found alone.
 */
function loadAndList(ns: Netns, chunks: readonly Chunk[]): { failed: Map<Chunk, string>; listings: Map<Chunk, Listing> } {
  const failed = loadChunks(ns, chunks);
  const listings = new Map<Chunk, Listing>();
  const list = (group: readonly Chunk[], loaded: boolean): void => {
    if (group.length === 0) return;
    if (!loaded) {
      ns.exec("nft", ["flush", "ruleset"]);
      const again = loadChunks(ns, group);
      if (again.size > 0) throw new Error(`chunks that loaded before fail now: ${[...again.values()].join("; ")}`);
    }
    const r = ns.exec("nft", ["list", "ruleset"]);
    const [only] = group;
    if (r.code === 0) {
      const bodies = splitTables(r.stdout);
      for (const ch of group) listings.set(ch, { body: bodies.get(ch.table) ?? "" });
    } else if (group.length === 1 && only !== undefined) {
      listings.set(only, { error: r.stderr.trim().split("\n").map((l) => l.replace(/^nft: \S+:\d+: /, "")).join("; ") });
    } else {
      const half = Math.ceil(group.length / 2);
      list(group.slice(0, half), false);
      list(group.slice(half), false);
    }
  };
  list(chunks.filter((ch) => !failed.has(ch)), true);
  return { failed, listings };
}

/** Top-level blocks of a listed table (`\tchain x {` … `\t}`), each as its lines. */
function tableBlocks(body: string): string[][] {
  const blocks: string[][] = [];
  let current: string[] | undefined;
  for (const l of body.split("\n")) {
    if (l.trim() === "") continue;
    if (current === undefined) {
      current = [l];
      if (!l.endsWith("{")) {
        blocks.push(current);
        current = undefined;
      }
    } else {
      current.push(l);
      if (l === "\t}") {
        blocks.push(current);
        current = undefined;
      }
    }
  }
  if (current !== undefined) blocks.push(current);
  return blocks;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A listed table in a form where equal means "nft sees the same thing": counters dropped (they are statistics,
 * and netfilter writes one on every rule), the names of sets, objects and helper chains replaced by their order
 * of first use in the case's rule (each side names them its own way), blocks sorted.
 */
export function canonicalListing(body: string): string {
  const blocks = tableBlocks(body.replace(/ counter packets \d+ bytes \d+/g, "").replace(/(^|\s)counter(?=\s|$)/g, "$1").replace(/[ \t]+$/gm, ""));
  const caseBlock = blocks.find((b) => b[0] === `\tchain ${caseChain} {`)?.join("\n") ?? "";
  const declared = blocks
    .map((b) => /^\t(?:set|map|chain|counter|quota|limit|ct helper|ct timeout|ct expectation|synproxy|secmark) (\S+) \{$/.exec(b[0] ?? "")?.[1])
    .filter((n): n is string => n !== undefined && n !== caseChain);
  const firstUse = (name: string): number => {
    const m = new RegExp(`(?<![\\w.-])${escapeRegExp(name)}(?![\\w.-])`).exec(caseBlock);
    return m === null ? Number.MAX_SAFE_INTEGER : m.index;
  };
  const order = [...declared].sort((a, b) => firstUse(a) - firstUse(b) || (a < b ? -1 : a > b ? 1 : 0));
  let text = blocks.map((b) => b.map((l) => l.trim().replace(/\s+/g, " ")).join("\n")).sort().join("\n\n");
  order.forEach((name, i) => {
    text = text.replace(new RegExp(`(?<![\\w.-])${escapeRegExp(name)}(?![\\w.-])`, "g"), `$name${i + 1}`);
  });
  return text;
}

function featureFor(text: string, error: string, missing: ReadonlyMap<KernelFeature, string>): string | undefined {
  for (const [f, probeError] of missing) if (f.uses.test(text) && error.split("; ").every((e) => probeError.includes(e))) return f.name;
  return undefined;
}

/**
 * Classifies every case: translates each, loads both sides of all cases into the namespace in one batch (tables
 * `eN` and `oN`), and compares nft's listings. `ns` must be a fresh namespace; it is left holding the tables.
 */
export function classifyCases(cases: readonly TxlateCase[], ns: Netns): ClassifiedCase[] {
  const prepared = cases.map((c) => {
    const { ours, userChains } = translateCase(c);
    return { c, ours, expected: readExpected(c, userChains) };
  });
  const chunks: Chunk[] = [];
  prepared.forEach(({ c, ours, expected }, index) => {
    const family = caseFamily(c) === "ipv6" ? "ip6" : "ip";
    if (expected.lines !== undefined) chunks.push({ index, side: "expected", family, table: `e${index}`, text: expected.lines(`e${index}`).join("\n") });
    if (ours.kind === "translated") {
      const table = { ...ours.table, name: `o${index}` };
      chunks.push({ index, side: "ours", family, table: table.name, text: printNftText({ kind: "ruleset", tables: [table] }).trimEnd() });
    }
  });
  const missing = missingFeatures(ns);
  const { failed, listings } = loadAndList(ns, chunks);
  const outcome = (index: number, side: Chunk["side"], text: string): LoadOutcome | undefined => {
    const chunk = chunks.find((ch) => ch.index === index && ch.side === side);
    if (chunk === undefined) return undefined;
    const error = failed.get(chunk);
    if (error === undefined) return { loads: true };
    const feature = featureFor(text, error, missing);
    return feature === undefined ? { loads: false, error } : { loads: false, error, missingFeature: feature };
  };

  return prepared.map(({ c, ours, expected }, index): ClassifiedCase => {
    const key = `${c.file}:${c.line}`;
    const base = { key, txlate: c, expected: expected.display };
    const expectedLoad = outcome(index, "expected", c.expected.join("\n"));
    if (ours.kind !== "translated") {
      if (ours.kind === "refused" && expectedLoad?.loads === true && differences[key] !== undefined) {
        return { ...base, ours: undefined, class: "refused", reason: `${ours.reason} (netfilter's form loads, but: ${differences[key]})`, oursLoad: undefined, expectedLoad };
      }
      return { ...base, ours: undefined, class: ours.kind, reason: ours.reason, oursLoad: undefined, expectedLoad };
    }
    const oursLoad = outcome(index, "ours", ours.display.join("\n"));
    const withOurs = { ...base, ours: ours.display, oursLoad, expectedLoad };
    const lacking = (oursLoad?.loads === false ? oursLoad.missingFeature : undefined) ?? (expectedLoad?.loads === false ? expectedLoad.missingFeature : undefined);
    if (lacking !== undefined) return { ...withOurs, class: "not-loadable-here", reason: `this kernel lacks ${lacking}` };
    if (oursLoad?.loads !== true) return { ...withOurs, class: "broken", reason: `our translation does not load: ${oursLoad?.loads === false ? oursLoad.error : "not loaded"}` };
    if (expectedLoad?.loads !== true) {
      const why = expectedLoad === undefined ? `netfilter's text is not one rule` : `expected nft text does not load: ${expectedLoad.error}`;
      return { ...withOurs, class: "different-on-purpose", reason: differences[key] ?? why };
    }
    const listing = (side: Chunk["side"]): Listing | undefined => {
      const chunk = chunks.find((ch) => ch.index === index && ch.side === side);
      return chunk === undefined ? undefined : listings.get(chunk);
    };
    const expectedListing = listing("expected");
    const oursListing = listing("ours");
    if (oursListing === undefined || "error" in oursListing) return { ...withOurs, class: "broken", reason: `nft cannot list our translation back: ${oursListing?.error ?? "not listed"}` };
    if (expectedListing === undefined || "error" in expectedListing) {
      return { ...withOurs, class: "different-on-purpose", reason: differences[key] ?? `nft cannot list netfilter's form back: ${expectedListing?.error ?? "not listed"}` };
    }
    const compared = { expected: canonicalListing(expectedListing.body), ours: canonicalListing(oursListing.body) };
    if (compared.expected !== compared.ours) return { ...withOurs, listings: compared, class: "different-on-purpose", reason: differences[key] };
    const sameText = expected.rule !== undefined && normaliseRuleText(expected.rule) === normaliseRuleText(ours.rule);
    return { ...withOurs, class: sameText ? "same" : "same-meaning", reason: undefined };
  });
}

