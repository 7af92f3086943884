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

/** Packet and byte counters, as `[pkts:bytes]` or `-c pkts bytes` give them. */
export interface Counters {
  readonly packets: bigint;
  readonly bytes: bigint;
}

/** A match module the parser does not know: its name and its argument words, kept verbatim. */
export interface UnknownMatch {
  readonly kind: "unknown";
  readonly name: string;
  /** The words after `-m NAME`, `!` included, as written (unquoted). */
  readonly args: readonly string[];
  readonly span: Span;
}

/** Any match: a known module with typed options, or an unknown one kept verbatim. */
export type Match = KnownMatch | UnknownMatch;

/** The standard verdicts. */
export type Verdict = "ACCEPT" | "DROP" | "RETURN" | "QUEUE";

/** `-j ACCEPT` and the other standard verdicts. */
export interface VerdictTarget {
  readonly kind: "verdict";
  readonly verdict: Verdict;
  readonly span: Span;
}

/** `-j CHAIN` (jump, come back on RETURN) or `-g CHAIN` (goto, do not come back). */
export interface ChainTarget {
  readonly kind: "jump" | "goto";
  readonly chain: string;
  readonly span: Span;
}

/** A target extension the parser does not know, kept verbatim. */
export interface UnknownTarget {
  readonly kind: "unknown";
  readonly name: string;
  readonly args: readonly string[];
  readonly span: Span;
}

/** What a rule does when it matches. */
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

/** One rule: generic options, matches in order, and a target (absent when the rule only counts). */
export interface Rule extends RuleOptions {
  readonly kind: "rule";
  readonly chain: string;
  readonly counters?: Counters;
  readonly matches: readonly Match[];
  readonly target?: Target;
  readonly span: Span;
}

/** A chain: built-in (with policy) or user-defined. */
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

/** A `#` comment line, kept so nothing in the input is lost. */
export interface CommentLine {
  readonly kind: "comment";
  readonly text: string;
  readonly span: Span;
}

/** The iptables tables. */
export type TableName = "filter" | "nat" | "mangle" | "raw" | "security";

/** A `*table` block: its chains and its rules, in order. */
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

/** A whole ruleset, as one `iptables-save` or `ip6tables-save` run prints it. */
export interface Ruleset {
  readonly kind: "ruleset";
  readonly family: Family;
  readonly tables: readonly Table[];
  /** Comments after the last table. */
  readonly trailingComments: readonly CommentLine[];
  readonly span: Span;
}

/** The built-in chains of each table, in the order iptables-save prints them. */
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
