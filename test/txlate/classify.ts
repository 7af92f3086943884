/**
 * Classifies netfilter's `iptables-translate` test cases against ipt2nft's translation, with the real nft as
 * the judge of meaning. Each case and each side (netfilter's expected text, our translation) is loaded into its
 * own table of a throwaway network namespace, all in one batch; nft then dumps what the kernel holds
 * (`nft --debug=netlink list ruleset`: the listing and each rule's bytecode) and the two sides are compared.
 *
 * The bytecode is compared, not only the listing, because nft's listing hides dependencies it would add itself:
 * `meta l4proto tcp tcp option 23 missing` lists as `tcp option 23 missing`, yet only the first is false for a
 * UDP packet. The comparison drops counters, renames generated names, treats `ip protocol` and `meta l4proto` as
 * the same load in an `ip` table, and sorts the leading pure conditions (see {@link canonicalRuleBytecode}).
 * @module
 */
import { builtinChains, type Family, type TableName, tableNames } from "../../src/ast/index.js";
import { hasErrors } from "../../src/diagnostic/index.js";
import { type NftChain, type NftRule, type NftTable, printNftChain, printNftObject, printNftRule, printNftSet, printNftText } from "../../src/nft/index.js";
import { parseCommand, parseRuleset } from "../../src/parse/index.js";
import { translate } from "../../src/translate/index.js";
import type { ExecResult, Netns } from "../helpers/netns.js";
import type { TxlateCase } from "../helpers/txlate.js";
import { differences } from "./differences.js";

/**
 * What a case is:
 * - `same`: our rule text is netfilter's (counters and spacing aside), and the kernel holds the same rule;
 * - `same-meaning`: the texts differ, the kernel holds the same rule for both;
 * - `different-on-purpose`: the kernel holds different rules, or netfilter's text does not load; the reason
 *   (from differences.ts, or nft's error) says why;
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
  /** How nft lists each side and their bytecode, in the compared form (see {@link canonicalTable}); for messages. */
  readonly listings?: { readonly expected: string; readonly ours: string; readonly expectedBytecode: string; readonly oursBytecode: string };
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

/**
 * Runs nft in the namespace with TZ=UTC: nft reads `meta hour "12:00:00"` in the local time zone, and
 * netfilter's times (like xt_time's default) are UTC; fixing the zone also keeps the results the same on every
 * machine.
 */
function runNft(ns: Netns, args: readonly string[], input: string): ExecResult {
  return ns.exec("env", ["TZ=UTC", "nft", ...args], input);
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
    const r = runNft(ns, ["-f", "-"], text);
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
      const alone = remaining.map((ch) => [ch, runNft(ns, ["-c", "-f", "-"], ch.text + "\n")] as const).filter(([, a]) => a.code !== 0);
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
    const r = runNft(ns, ["-c", "-f", "-"], `table ip probe {\n\tchain c {\n\t\t${f.probe}\n\t}\n}\n`);
    if (r.code !== 0) missing.set(f, errorMessages(r.stderr).join("; "));
  }
  return missing;
}

/** What nft shows of one loaded table: its listing, and the bytecode of its rules and set elements. */
interface TableDump {
  /** The table body as `nft list ruleset` prints it. */
  readonly listing: string;
  /** Each rule's bytecode lines (`[ payload load 2b @ transport header + 2 => reg 1 ]`), with its chain. */
  readonly rules: readonly { readonly chain: string; readonly lines: readonly string[] }[];
  /** Each set's elements as the bytecode dump shows them (anonymous sets included). */
  readonly setElements: ReadonlyMap<string, readonly string[]>;
}

/** A table's dump, or nft's error when it cannot list it (nft 1.0.6 aborts on some rules it loaded). */
type Dump = TableDump | { readonly error: string };

/** Splits `nft --debug=netlink list ruleset` output into one dump per table. */
function splitDumps(stdout: string): Map<string, TableDump> {
  const listings = new Map<string, string[]>();
  const rules = new Map<string, { chain: string; lines: string[] }[]>();
  const sets = new Map<string, Map<string, string[]>>();
  let listed: string[] | undefined;
  let table = "";
  let rule: string[] | undefined;
  let elements: string[] | undefined;
  for (const l of stdout.split("\n")) {
    const tableHead = /^table (?:ip6?|inet) (\S+) \{$/.exec(l);
    const setHead = /^(?:ip6?|inet) (\S+) @(\S+)$/.exec(l);
    const ruleHead = /^(?:ip6?|inet) (\S+) (\S+)(?: \d+)+$/.exec(l);
    if (tableHead?.[1] !== undefined) {
      listed = [];
      table = tableHead[1];
    } else if (listed !== undefined) {
      // Only a closed block counts: nft may abort in the middle of one.
      if (l === "}") {
        listings.set(table, listed);
        listed = undefined;
      } else listed.push(l);
    } else if (setHead?.[1] !== undefined && setHead[2] !== undefined) {
      rule = undefined;
      elements = [];
      const byName = sets.get(setHead[1]) ?? new Map<string, string[]>();
      byName.set(setHead[2], elements);
      sets.set(setHead[1], byName);
    } else if (ruleHead?.[1] !== undefined && ruleHead[2] !== undefined) {
      elements = undefined;
      rule = [];
      rules.set(ruleHead[1], [...(rules.get(ruleHead[1]) ?? []), { chain: ruleHead[2], lines: rule }]);
    } else if (/^\s+\[ .* \]$/.test(l)) rule?.push(l.trim());
    else if (/^\s+element /.test(l)) elements?.push(l.trim());
  }
  return new Map([...listings].map(([table, body]) => [table, { listing: body.join("\n"), rules: rules.get(table) ?? [], setElements: sets.get(table) ?? new Map() }]));
}

/**
 * Loads the chunks and dumps each table back. nft 1.0.6 loads a few rules it cannot list (its delinearizer
 * aborts, and then even `nft list ruleset` fails), so each table is listed on its own, by one interactive nft
 * that reads the `list table` commands from stdin with its output line-buffered: when it aborts, the tables
 * listed so far are kept, the one it was listing gets the error, and a new nft lists the rest.
 */
function loadAndDump(ns: Netns, chunks: readonly Chunk[]): { failed: Map<Chunk, string>; dumps: Map<Chunk, Dump> } {
  const failed = loadChunks(ns, chunks);
  const dumps = new Map<Chunk, Dump>();
  let remaining = chunks.filter((ch) => !failed.has(ch));
  while (remaining.length > 0) {
    const commands = remaining.map((ch) => `list table ${ch.family} ${ch.table}`).join("\n") + "\n";
    const r = ns.exec("env", ["TZ=UTC", "stdbuf", "-oL", "nft", "--debug=netlink", "-i"], commands);
    const byTable = splitDumps(r.stdout);
    const listed = remaining.filter((ch) => byTable.has(ch.table));
    for (const ch of listed) dumps.set(ch, byTable.get(ch.table) ?? { error: "" });
    const rest = remaining.filter((ch) => !byTable.has(ch.table));
    const [culprit] = rest;
    if (r.code === 0 || culprit === undefined) {
      for (const ch of rest) dumps.set(ch, { error: "nft did not list the table" });
      break;
    }
    dumps.set(culprit, { error: r.stderr.trim().split("\n").map((l) => l.replace(/^nft: \S+:\d+: /, "")).join("; ") });
    remaining = rest.slice(1);
  }
  return { failed, dumps };
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

/** The first line of a top-level block that declares something named: `\tset NAME {`. */
const declaration = /^\t(set|map|chain|counter|quota|limit|ct helper|ct timeout|ct expectation|synproxy|secmark) (\S+) \{$/;

/**
 * A name where it is used as one: after `@`, in quotes, after `->` (bytecode jumps) or after a word that
 * introduces a name (`set`, `jump`, `name`, …); never as a keyword that happens to be spelled the same (a set
 * named `connlimit` next to the `connlimit` expression).
 */
function namePattern(name: string, flags = ""): RegExp {
  const before = String.raw`(?<=(?:@|"|-> |\b(?:set|map|chain|jump|goto|counter|quota|limit|helper|timeout|expectation|synproxy|secmark|name) ))`;
  return new RegExp(`${before}${escapeRegExp(name)}(?![\\w.-])`, flags);
}

/**
 * The bytecode of one rule, in a form where equal lines mean the same rule:
 * - counters are dropped (statistics; netfilter writes one on every rule, ours keeps the iptables position);
 * - in an `ip` table, loading the IPv4 protocol byte is written as loading `meta l4proto`: nft sets l4proto from
 *   exactly that byte in this family (nft_set_pktinfo_ipv4), so `ip protocol tcp` and `meta l4proto tcp` test
 *   the same thing;
 * - the leading side-effect-free conditions (loads, bitwise operations, then one comparison or set lookup) are
 *   sorted and repeated ones dropped: a rule matches only when all of them hold, in whatever order.
 */
export function canonicalRuleBytecode(lines: readonly string[], family: "ip" | "ip6"): string[] {
  const kept = lines
    .filter((l) => !/^\[ counter pkts \d+ bytes \d+ \]$/.test(l))
    .map((l) => (family === "ip" ? l.replace(/^\[ payload load 1b @ network header \+ 9 => reg (\d+) \]$/, "[ meta load l4proto => reg $1 ]") : l));
  const pure = /^\[ (payload load|meta load|ct load|exthdr load|fib |socket load|rt load|ipsec load|bitwise|byteorder|cmp|range|lookup) /;
  const ends = (l: string): boolean => /^\[ (cmp|range) /.test(l) || (l.startsWith("[ lookup ") && !l.includes(" dreg "));
  const groups: string[][] = [];
  let current: string[] = [];
  let at = 0;
  for (const [i, l] of kept.entries()) {
    if (!pure.test(l)) break;
    const last = groups.at(-1);
    if (ends(l) && current.length === 0 && last !== undefined) {
      // A second comparison of the same register (`cmp gte` then `cmp lte` for a range) belongs to its load.
      last.push(l);
      at = i + 1;
      continue;
    }
    current.push(l);
    if (ends(l)) {
      groups.push(current);
      current = [];
      at = i + 1;
    }
  }
  return [...[...new Set(groups.map((g) => g.join("\n")))].sort(), ...kept.slice(at)];
}

/** The two compared forms of one side of a case. */
interface CanonicalTable {
  /** nft's listing, counters dropped, names numbered, blocks sorted: for people to read. */
  readonly listing: string;
  /** Definitions as listed, then each chain's rule bytecode and each set's elements: what is compared. */
  readonly bytecode: string;
}

/**
 * One side of a case in the forms that are compared. Each side names its sets, objects and helper chains its own
 * way (and nft numbers anonymous sets per table), so every such name is replaced by its order of first use in
 * the case's rule. Set elements are sorted: a set has no order.
 */
export function canonicalTable(dump: TableDump, family: "ip" | "ip6"): CanonicalTable {
  const blocks = tableBlocks(dump.listing.replace(/ counter packets \d+ bytes \d+/g, "").replace(/(^|\s)counter(?=\s|$)/g, "$1").replace(/[ \t]+$/gm, ""));
  const declared = blocks.map((b) => declaration.exec(b[0] ?? "")?.[2]).filter((n): n is string => n !== undefined && n !== caseChain);
  const names = [...new Set([...declared, ...dump.setElements.keys()])];
  const caseText = [
    ...dump.rules.filter((r) => r.chain === caseChain).flatMap((r) => r.lines),
    ...(blocks.find((b) => b[0] === `\tchain ${caseChain} {`) ?? []),
  ].join("\n");
  const firstUse = (name: string): number => namePattern(name).exec(caseText)?.index ?? Number.MAX_SAFE_INTEGER;
  const order = names.sort((a, b) => firstUse(a) - firstUse(b) || (a < b ? -1 : a > b ? 1 : 0));
  const rename = (text: string): string => order.reduce((t, name, i) => t.replace(namePattern(name, "g"), `$${i + 1}`), text);
  const blockText = (b: readonly string[]): string => rename(b.map((l) => l.trim().replace(/\s+/g, " ")).join("\n"));
  const definitions = blocks.filter((b) => declaration.exec(b[0] ?? "")?.[1] !== "chain").map(blockText);
  const chains = blocks
    .map((b) => declaration.exec(b[0] ?? ""))
    .filter((m) => m?.[1] === "chain" && m[2] !== undefined)
    .map((m) => {
      const name = m?.[2] ?? "";
      const rules = dump.rules.filter((r) => r.chain === name).map((r) => canonicalRuleBytecode(r.lines, family).join("\n"));
      return rename([`chain ${name}:`, ...rules].join("\n--\n"));
    });
  const elements = [...dump.setElements].map(([name, els]) => rename([`elements of set ${name}:`, ...[...els].sort()].join("\n")));
  return {
    listing: blocks.map(blockText).sort().join("\n\n"),
    bytecode: [...definitions.sort(), ...chains.sort(), ...elements.sort()].join("\n\n"),
  };
}

function featureFor(text: string, error: string, missing: ReadonlyMap<KernelFeature, string>): string | undefined {
  for (const [f, probeError] of missing) if (f.uses.test(text) && error.split("; ").every((e) => probeError.includes(e))) return f.name;
  return undefined;
}

/**
 * Classifies every case: translates each, loads both sides of all cases into the namespace in one batch (tables
 * `eN` and `oN`), and compares what the kernel holds. `ns` must be a fresh namespace; it is left holding the
 * tables.
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
  const { failed, dumps } = loadAndDump(ns, chunks);
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
    const dumpOf = (side: Chunk["side"]): Dump | undefined => {
      const chunk = chunks.find((ch) => ch.index === index && ch.side === side);
      return chunk === undefined ? undefined : dumps.get(chunk);
    };
    const expectedDump = dumpOf("expected");
    const oursDump = dumpOf("ours");
    if (oursDump === undefined || "error" in oursDump) return { ...withOurs, class: "broken", reason: `nft cannot list our translation back: ${oursDump?.error ?? "not listed"}` };
    if (expectedDump === undefined || "error" in expectedDump) {
      return { ...withOurs, class: "different-on-purpose", reason: differences[key] ?? `nft cannot list netfilter's form back: ${expectedDump?.error ?? "not listed"}` };
    }
    const family = caseFamily(c) === "ipv6" ? "ip6" : "ip";
    const [e, o] = [canonicalTable(expectedDump, family), canonicalTable(oursDump, family)];
    const listings = { expected: e.listing, ours: o.listing, expectedBytecode: e.bytecode, oursBytecode: o.bytecode };
    if (e.bytecode !== o.bytecode) {
      // The one systematic difference: IPv4 rules in rulesets without conntrack keep later fragments away
      // from transport tests, as xt's protocol matches do (src/translate/protocols.ts).
      const guarded = o.listing.includes(fragmentGuardListing) && o.listing.replaceAll(fragmentGuardListing, "") === e.listing;
      return { ...withOurs, listings, class: "different-on-purpose", reason: differences[key] ?? (guarded ? fragmentGuardReason : undefined) };
    }
    const sameText = expected.rule !== undefined && normaliseRuleText(expected.rule) === normaliseRuleText(ours.rule);
    return { ...withOurs, listings, class: sameText ? "same" : "same-meaning", reason: undefined };
  });
}

/** How nft lists the later-fragment guard ipt2nft adds to IPv4 rules in rulesets without conntrack. */
const fragmentGuardListing = "ip frag-off & 8191 == 0 ";

/** Why a case differs only by that guard. */
const fragmentGuardReason =
  "ours adds `ip frag-off & 0x1fff == 0`: xt's protocol matches never match a later IPv4 fragment, while nft's transport payload would read the fragment's data as the header (checked with crafted packets); a ruleset that uses conntrack gets no guard, since the kernel then reassembles fragments before any rule";
