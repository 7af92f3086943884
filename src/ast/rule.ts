/**
 * The iptables AST: rulesets, tables, chains, rules, matches and targets.
 * @module
 */
import type { Span } from "../diagnostic/index.js";
import type { AddressMatch, Family } from "./address.js";
import { addressMatch, flag, interfaceName, type InterfaceName } from "./codecs.js";
import type { KnownMatch } from "./matches/index.js";
import { protocolCodec } from "./protocol.js";
import { type NodeOf, type OptionValue, moduleSchema, option } from "./schema.js";
import type { KnownTarget } from "./targets/index.js";

/**
 * Packet and byte counters, as `[pkts:bytes]` or `-c pkts bytes` give them.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset("*filter\n[5:300] -A INPUT -j ACCEPT\nCOMMIT\n");
 * const counters: Counters | undefined = value?.tables[0]?.rules[0]?.counters; // { packets: 5n, bytes: 300n }
 * ```
 */
export interface Counters {
  readonly packets: bigint;
  readonly bytes: bigint;
}

/**
 * A match module the parser does not know: its name and its argument words, kept verbatim.
 *
 * @example
 * ```ts
 * const { value } = parseCommand("-A INPUT -m foo --bar 1 -j DROP");
 * const m = value?.rule?.matches[0];
 * if (m?.kind === "unknown") m satisfies UnknownMatch; // { kind: "unknown", name: "foo", args: ["--bar", "1"], span }
 * ```
 */
export interface UnknownMatch {
  readonly kind: "unknown";
  readonly name: string;
  /** The words after `-m NAME`, `!` included, as written (unquoted). */
  readonly args: readonly string[];
  readonly span: Span;
}

/**
 * Any match: a known module with typed options, or an unknown one kept verbatim.
 *
 * @example
 * ```ts
 * const ports = (m: Match): string =>
 *   m.kind === "tcp" && m.dport ? `${m.dport.value.from}-${m.dport.value.to}` : printMatch(m);
 * ```
 */
export type Match = KnownMatch | UnknownMatch;

/**
 * The standard verdicts.
 *
 * @example
 * ```ts
 * const terminal = (v: Verdict): boolean => v === "ACCEPT" || v === "DROP";
 * ```
 */
export type Verdict = "ACCEPT" | "DROP" | "RETURN" | "QUEUE";

/**
 * `-j ACCEPT` and the other standard verdicts.
 *
 * @example
 * ```ts
 * const { value } = parseCommand("-A INPUT -j ACCEPT");
 * const t = value?.rule?.target;
 * if (t?.kind === "verdict") t satisfies VerdictTarget; // { kind: "verdict", verdict: "ACCEPT", span }
 * ```
 */
export interface VerdictTarget {
  readonly kind: "verdict";
  readonly verdict: Verdict;
  readonly span: Span;
}

/**
 * `-j CHAIN` (jump, come back on RETURN) or `-g CHAIN` (goto, do not come back).
 *
 * @example
 * ```ts
 * const { value } = parseCommand("-A INPUT -g LOGDROP");
 * const t = value?.rule?.target;
 * if (t?.kind === "jump" || t?.kind === "goto") t satisfies ChainTarget; // { kind: "goto", chain: "LOGDROP", span }
 * ```
 */
export interface ChainTarget {
  readonly kind: "jump" | "goto";
  readonly chain: string;
  readonly span: Span;
}

/**
 * A target extension the parser does not know, kept verbatim.
 *
 * @example
 * ```ts
 * const { value } = parseCommand("-A INPUT -j FOOBAR --x 1");
 * const t = value?.rule?.target;
 * if (t?.kind === "unknown") t satisfies UnknownTarget; // { kind: "unknown", name: "FOOBAR", args: ["--x", "1"], span }
 * ```
 */
export interface UnknownTarget {
  readonly kind: "unknown";
  readonly name: string;
  readonly args: readonly string[];
  readonly span: Span;
}

/**
 * What a rule does when it matches.
 *
 * @example
 * ```ts
 * const jumpsTo = (t: Target | undefined): string | undefined =>
 *   t?.kind === "jump" || t?.kind === "goto" ? t.chain : undefined;
 * ```
 */
export type Target = VerdictTarget | ChainTarget | KnownTarget | UnknownTarget;

/** The generic options every rule may have: `-p -s -d -i -o -f`. */
export const ruleSchema = moduleSchema({
  name: "rule",
  options: {
    source: option(["-s", "--source", "--src"], addressMatch, "negatable"),
    destination: option(["-d", "--destination", "--dst"], addressMatch, "negatable"),
    inInterface: option(["-i", "--in-interface"], interfaceName, "negatable"),
    outInterface: option(["-o", "--out-interface"], interfaceName, "negatable"),
    protocol: option(["-p", "--protocol"], protocolCodec, "negatable"),
    fragment: option(["-f", "--fragment"], flag, "negatable"),
  },
});

/** The generic part of a rule. */
export type RuleOptions = Omit<NodeOf<typeof ruleSchema>, "kind" | "span">;

/**
 * One rule: generic options, matches in order, and a target (absent when the rule only counts).
 *
 * @example
 * ```ts
 * const { value } = parseRuleset("*filter\n-A INPUT -s 10.0.0.0/8 ! -i lo -p tcp --dport 22 -j ACCEPT\nCOMMIT\n");
 * const rule: Rule | undefined = value?.tables[0]?.rules[0];
 * rule?.chain; // "INPUT"
 * rule?.inInterface; // { value: { name: "lo", wildcard: false }, negated: true, span }
 * rule?.matches[0]?.kind; // "tcp": the match -p tcp loads implicitly for --dport
 * if (rule) printRule(rule); // "-A INPUT -s 10.0.0.0/8 ! -i lo -p tcp -m tcp --dport 22 -j ACCEPT"
 * ```
 */
export interface Rule extends RuleOptions {
  readonly kind: "rule";
  readonly chain: string;
  readonly counters?: Counters;
  readonly matches: readonly Match[];
  readonly target?: Target;
  readonly span: Span;
}

/**
 * A chain: built-in (with policy) or user-defined.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset("*filter\n:INPUT DROP [10:600]\n:LOGDROP - [0:0]\nCOMMIT\n");
 * const chains: readonly Chain[] = value?.tables[0]?.chains ?? [];
 * chains.map((c) => [c.name, c.policy, c.builtin]);
 * // [["INPUT", "DROP", true], ["FORWARD", "ACCEPT", true], ["OUTPUT", "ACCEPT", true], ["LOGDROP", undefined, false]]
 * ```
 */
export interface Chain {
  readonly kind: "chain";
  readonly name: string;
  /** ACCEPT or DROP for built-in chains; absent for user chains (`-` in the save format). */
  readonly policy?: "ACCEPT" | "DROP";
  readonly counters?: Counters;
  /** Whether the chain is one of the table's built-in chains. */
  readonly builtin: boolean;
  readonly span: Span;
}

/**
 * A `#` comment line, kept so nothing in the input is lost.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset("*filter\n# keep me\nCOMMIT\n");
 * const comments: readonly CommentLine[] = value?.tables[0]?.comments ?? []; // [{ kind: "comment", text: " keep me", span }]
 * ```
 */
export interface CommentLine {
  readonly kind: "comment";
  readonly text: string;
  readonly span: Span;
}

/**
 * The iptables tables.
 *
 * @example
 * ```ts
 * const table: TableName = "nat";
 * builtinChains[table]; // ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]
 * ```
 */
export type TableName = "filter" | "nat" | "mangle" | "raw" | "security";

/**
 * A `*table` block: its chains and its rules, in order.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset(text);
 * for (const table of value?.tables ?? []) console.log(table.name, table.chains.length, table.rules.length);
 * ```
 */
export interface Table {
  readonly kind: "table";
  readonly name: TableName;
  readonly chains: readonly Chain[];
  readonly rules: readonly Rule[];
  /** Comments written before `*table`. */
  readonly leadingComments: readonly CommentLine[];
  /** Comments written inside the block. */
  readonly comments: readonly CommentLine[];
  readonly span: Span;
}

/**
 * A whole ruleset, as one `iptables-save` or `ip6tables-save` run prints it.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset(text);
 * const ruleset: Ruleset | undefined = value;
 * if (ruleset) console.log(ruleset.family, ruleset.tables.map((t) => t.name)); // "ipv4" ["nat", "filter"]
 * ```
 */
export interface Ruleset {
  readonly kind: "ruleset";
  readonly family: Family;
  readonly tables: readonly Table[];
  /** Comments after the last table. */
  readonly trailingComments: readonly CommentLine[];
  readonly span: Span;
}

/**
 * The built-in chains of each table, in the order iptables-save prints them.
 *
 * @example
 * ```ts
 * builtinChains.filter; // ["INPUT", "FORWARD", "OUTPUT"]
 * const isBuiltin = (table: TableName, chain: string): boolean => builtinChains[table].includes(chain);
 * ```
 */
export const builtinChains: Readonly<Record<TableName, readonly string[]>> = {
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  security: ["INPUT", "FORWARD", "OUTPUT"],
};

/** The tables in the order iptables-save prints them. */
export const tableNames: readonly TableName[] = ["raw", "mangle", "nat", "filter", "security"];

export type { AddressMatch, InterfaceName, OptionValue };
