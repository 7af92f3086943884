/**
 * What a match or target translator sees, and what it returns: statements, or a refusal that says why the
 * construct has no nft equivalent.
 * @module
 */
import type { Family, Rule, Ruleset, TableName } from "../ast/index.js";
import type { IpsetSet } from "../ast/ipset.js";
import type { Span } from "../diagnostic/index.js";
import type { NftChain, NftIpFamily, NftObject, NftSet, NftStatement } from "../nft/index.js";
import type { SetUse } from "./sets.js";

/**
 * A construct with no nft equivalent, and why.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset(text);
 * const translated = value && translate(value, { allowUntranslated: true }).value;
 * const refusals: readonly Refusal[] = translated?.untranslated.flatMap((u) => u.reasons) ?? [];
 * for (const r of refusals) console.error(`${r.span.start.line}:${r.span.start.column}: ${r.refused}`);
 * ```
 */
export interface Refusal {
  readonly refused: string;
  readonly span: Span;
}

/**
 * Packets for which a translation does not mean what the iptables rule means, when that is better than
 * refusing the rule (a difference only martian or spoofed packets can show). The user is told, in a warning
 * and in a `#` line above the nft rule.
 *
 * @example
 * ```ts
 * const caveats = (t: TranslatedRuleset): string[] => t.approximations.map((a: Approximation) => `line ${a.line}: ${a.caveat.differs}`);
 * ```
 */
export interface Caveat {
  /** Which packets differ, and how. */
  readonly differs: string;
  /** Whether the nft rule matches more or fewer of those packets than the iptables rule. */
  readonly nftMatches: "more" | "fewer";
  /** The input drops those packets outright, whatever the rule's target (an xt match's hotdrop). */
  readonly inputDrops?: boolean;
  readonly span: Span;
}

/** What a translator returns: statements to put in the rule (with any caveats), or a refusal. */
export type Translation = { readonly stmts: readonly NftStatement[]; readonly caveats?: readonly Caveat[] } | Refusal;

/** Statements for the rule. */
export function ok(...stmts: readonly NftStatement[]): Translation {
  return { stmts };
}

/** Statements for the rule that differ from it for the packets `caveat` names. */
export function approximately(caveat: Caveat, ...stmts: readonly NftStatement[]): Translation {
  return { stmts, caveats: [caveat] };
}

/** No nft equivalent: `reason` says why, `span` points at the construct. */
export function refuse(reason: string, span: Span): Refusal {
  return { refused: reason, span };
}

/** True when a translation is a refusal. */
export function isRefusal(t: TranslatorResult): t is Refusal {
  return "refused" in t;
}

/**
 * A condition that holds when any one of several statement lists holds, for what nft cannot say in one rule
 * (`! --ctstate RELATED,ESTABLISHED,DNAT`: no connection, or a connection in state NEW without the DNAT bit,
 * where nft's `ct status` stops the rule for packets without a connection). The rule that contains it
 * becomes one nft rule per alternative (see src/translate/rule.ts), which means the same as the iptables
 * rule only when each packet runs the rule's target at most once and nothing else in the rule has state.
 */
export interface Alternatives {
  /** Each list is one way for the condition to hold. */
  readonly alternatives: readonly (readonly NftStatement[])[];
  /**
   * True when no packet satisfies two of the lists, so that the rules never both run the target for one
   * packet whatever the target does. When false, splitting is exact only for a target that ends the
   * packet's evaluation in the chain (accept, drop, return, goto, ...).
   */
  readonly disjoint: boolean;
  /** Why one nft rule cannot say it, for the refusal when the rule cannot be split either. */
  readonly why: string;
  readonly span: Span;
}

/**
 * What a match or target translator returns: statements, a refusal, or {@link Alternatives}. Code that
 * combines translations of its own parts handles {@link Translation}; only the rule translator expands
 * alternatives.
 */
export type TranslatorResult = Translation | Alternatives;

/** True when a translator's result is a list of alternatives. */
export function isAlternatives(t: TranslatorResult): t is Alternatives {
  return "alternatives" in t;
}

/**
 * The named things a table collects while its rules are translated: sets (recent, ipset), stateful objects
 * (nfacct counters, ct helpers) and helper chains. Adding the same definition twice is fine; adding a
 * different one under a used name is reported by the caller.
 */
export class TableObjects {
  readonly sets = new Map<string, NftSet>();
  readonly objects = new Map<string, NftObject>();
  readonly chains = new Map<string, NftChain>();
  /**
   * What each named set stands for (`recent NAME`, `ipset NAME` → its nft name and how the rules translated so
   * far use it), so that rules which constrain each other (one xt_recent list checked with two windows) are
   * caught, and two different iptables objects never share a set name. Kept by src/translate/sets.ts.
   */
  readonly setUses = new Map<string, SetUse>();

  /** Adds a set, or checks that an existing one of that name is the same. Returns false on a conflict. */
  addSet(set: NftSet): boolean {
    const old = this.sets.get(set.name);
    if (old === undefined) {
      this.sets.set(set.name, set);
      return true;
    }
    return sameDefinition(old, set);
  }

  /** Adds a named object, or checks that an existing one is the same. Returns false on a conflict. */
  addObject(object: NftObject): boolean {
    const key = `${object.kind} ${object.name}`;
    const old = this.objects.get(key);
    if (old === undefined) {
      this.objects.set(key, object);
      return true;
    }
    return sameDefinition(old, object);
  }

  /** Adds a helper chain (a chain the translation needs that the input did not have). */
  addChain(chain: NftChain): void {
    this.chains.set(chain.name, chain);
  }
}

function sameDefinition(a: object, b: object): boolean {
  const replacer = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? v.toString() : v);
  return JSON.stringify({ ...a, span: undefined }, replacer) === JSON.stringify({ ...b, span: undefined }, replacer);
}

/** A translator for one node kind. */
export type Translator<N> = (node: N, cx: RuleContext) => TranslatorResult;

/** One translator per kind of a union: a missing kind does not compile. */
export type ByKind<U extends { readonly kind: string }> = { readonly [K in U["kind"]]: Translator<Extract<U, { readonly kind: K }>> };

/** Everything a translator may consult about the rule it translates. */
export interface RuleContext {
  readonly family: Family;
  /** The nft family of the table (`ip` or `ip6`). */
  readonly nftFamily: NftIpFamily;
  readonly table: TableName;
  /** The iptables chain the rule is in. */
  readonly chain: string;
  readonly rule: Rule;
  /** The rule's `-p` protocol number when given without `!` (0 = all is never stored). */
  readonly protocol: number | undefined;
  /** Named sets, objects and helper chains of the table being built. */
  readonly objects: TableObjects;
  /** The name the translated ruleset uses for an iptables chain (chains nft cannot name are renamed). */
  readonly chainName: (iptablesName: string) => string;
  /** A name for a helper chain that is unique in the table, derived from `hint`. */
  readonly freshChainName: (hint: string) => string;
  /**
   * The ruleset uses connection tracking (a nat table, a conntrack-based match or target), so the kernel
   * reassembles IPv4 fragments before any table sees them (conntrack enables defragmentation for the
   * namespace), in iptables and in the translated nft alike: no rule ever meets a later fragment.
   */
  readonly reassembled?: boolean;
  /** ipset definitions, when given (`--ipset FILE`). */
  readonly ipsets: IpsetLookup | undefined;
  /**
   * The whole ruleset being translated, for the state that iptables shares between tables: an xt_recent list or
   * an ipset named in two tables is one object in the kernel but one nft set per table. Without it, that check
   * is skipped.
   */
  readonly ruleset?: Ruleset;
}

/** Looks up an ipset definition by name (filled from `ipset save` output). */
export type IpsetLookup = (name: string) => IpsetSet | undefined;
