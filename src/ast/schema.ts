/**
 * Typed schemas for iptables match and target modules.
 *
 * A module schema lists the module's options: their spellings, whether `!` may precede them, and a codec
 * that turns the option's argument words into a typed value and back. The AST node type of each module is
 * derived from its schema, so the parser, the printer and the types cannot drift apart.
 * @module
 */
import type { Span } from "../diagnostic/index.js";
import type { Family } from "./address.js";

/** Why an option's arguments were rejected, and which argument (0-based) was at fault. */
export class CodecError {
  constructor(
    readonly message: string,
    readonly argIndex = 0,
  ) {}
}

/** What a codec knows about its surroundings while parsing. */
export interface CodecContext {
  /** Family of the ruleset being parsed, when known. */
  readonly family: Family | undefined;
}

/**
 * The set of values a codec accepts, described as data so that tests can generate values from it
 * without copying the codec. `custom` names a value space that test/arb knows by that name.
 */
export type Domain =
  | { readonly type: "flag" }
  | { readonly type: "uint"; readonly min: number; readonly max: number }
  | { readonly type: "range"; readonly min: number; readonly max: number }
  | { readonly type: "list"; readonly item: Domain; readonly maxItems: number }
  | { readonly type: "keyword"; readonly words: readonly string[] }
  | { readonly type: "keywordList"; readonly words: readonly string[] }
  | { readonly type: "text"; readonly maxLength: number }
  | { readonly type: "name"; readonly maxLength: number }
  | { readonly type: "pair"; readonly first: Domain; readonly second: Domain }
  | { readonly type: "custom"; readonly name: string };

/** Converts an option's argument words to a typed value and back, for one kind of value. */
export interface Codec<T> {
  /** The values it accepts, for generating test values. */
  readonly domain: Domain;
  /** How many argument words the option takes. */
  readonly arity: number;
  /** What the arguments should look like, for error messages ("port or port range"). */
  readonly expected: string;
  /** Parses exactly `arity` words. */
  readonly parse: (args: readonly string[], cx: CodecContext) => T | CodecError;
  /** Prints a value as the words iptables-save writes; `parse(print(v))` equals `v`. */
  readonly print: (value: T) => readonly string[];
}

/** One option of a module. */
export interface OptionSpec<T> {
  /** Spellings, the canonical one (the one iptables-save prints) first. */
  readonly names: readonly [string, ...string[]];
  readonly codec: Codec<T>;
  /** Whether `! --option` is allowed. */
  readonly negatable: boolean;
}

/**
 * An option as it appears in the AST: its value, whether it was negated, and where it was written.
 *
 * @example
 * ```ts
 * const { value } = parseCommand("-A INPUT -p tcp ! --dport 22 -j DROP");
 * const m = value?.rule?.matches[0];
 * const dport: OptionValue<{ from: number; to: number }> | undefined = m?.kind === "tcp" ? m.dport : undefined;
 * // { value: { from: 22, to: 22 }, negated: true, span }
 * ```
 */
export interface OptionValue<T> {
  readonly value: T;
  readonly negated: boolean;
  readonly span: Span;
}

/** Any option spec; used where the value type does not matter. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOptionSpec = OptionSpec<any>;

/** A record of option specs keyed by the AST field name. */
export type OptionSpecs = Readonly<Record<string, AnyOptionSpec>>;

/** The typed option fields a schema gives its AST node. */
export type OptionsOf<O extends OptionSpecs> = {
  readonly [K in keyof O]?: O[K] extends OptionSpec<infer T> ? OptionValue<T> : never;
};

/** A problem a schema's cross-option check found: which option it concerns (if one) and why. */
export interface SchemaIssue {
  readonly option?: string;
  readonly message: string;
  /**
   * `warning` for a rule the syntax allows but the kernel refuses to load (`-m tcp` without `-p tcp`): such a
   * rule never comes from iptables-save, but a hand-written command may have it, and it still parses.
   */
  readonly severity?: "warning";
}

/** What a module's check may know about the rule around it. */
export interface RuleFacts {
  /** The rule's `-p` protocol number, when given without `!` (and not `all`). */
  readonly protocol: number | undefined;
  readonly family: Family | undefined;
}

/** Protocols a NAT port mapping accepts (iptables: "Need TCP, UDP, SCTP or DCCP with port specification"; ICMP ids map too). */
export const natPortProtocols: readonly number[] = [6, 17, 132, 33, 136, 1, 58];

/** The issue a NAT target reports when it maps ports but the rule has no protocol with ports. */
export function natPortsNeedProtocol(option: string, hasPorts: boolean, rule: RuleFacts): SchemaIssue[] {
  if (!hasPorts || (rule.protocol !== undefined && natPortProtocols.includes(rule.protocol))) return [];
  return [{ option, message: "a port mapping needs -p tcp, udp, sctp or dccp (iptables: Need TCP, UDP, SCTP or DCCP with port specification)", severity: "warning" }];
}

/** The schema of one match or target module. */
export interface ModuleSchema<Name extends string, O extends OptionSpecs> {
  /** The module's name as `-m`/`-j` takes it, which is also the AST node's `kind`. */
  readonly name: Name;
  /** Other names iptables accepts for the module (`-m icmpv6` for `icmp6`). */
  readonly aliases?: readonly string[];
  /** Only in this family (`icmp` is IPv4 only). */
  readonly family?: Family;
  readonly options: O;
  /** Cross-option rules (required options, exclusive options). */
  readonly check?: (node: OptionsOf<O>, rule: RuleFacts) => readonly SchemaIssue[];
  /**
   * The rule must say `-p` with one of these protocol numbers (not negated), as the kernel requires for
   * modules that read a transport header (`-m tcp` needs `-p tcp`). Checked by the parser.
   */
  readonly protocols?: readonly number[];
}

/** The AST node of a module: its `kind`, its typed options and its span. */
export type ModuleNode<Name extends string, O extends OptionSpecs> = { readonly kind: Name; readonly span: Span } & OptionsOf<O>;

/** The AST node type described by a schema value. */
export type NodeOf<S> = S extends ModuleSchema<infer N, infer O> ? ModuleNode<N, O> : never;

/** Declares an option. */
export function option<T>(names: readonly [string, ...string[]], codec: Codec<T>, negatable: "negatable" | "plain" = "plain"): OptionSpec<T> {
  return { names, codec, negatable: negatable === "negatable" };
}

/** Declares a module schema (an identity function that keeps the literal types). */
export function moduleSchema<const Name extends string, const O extends OptionSpecs>(schema: ModuleSchema<Name, O>): ModuleSchema<Name, O> {
  return schema;
}

/** Checks that at most one of `keys` is present. */
export function atMostOne(node: Readonly<Record<string, unknown>>, keys: readonly string[]): SchemaIssue[] {
  const present = keys.filter((k) => node[k] !== undefined);
  return present.length > 1 ? [{ option: present[1], message: `options ${present.map((k) => k).join(" and ")} cannot be combined` }] : [];
}

/** Checks that exactly one of `keys` is present. */
export function exactlyOne(node: Readonly<Record<string, unknown>>, keys: readonly string[], what: string): SchemaIssue[] {
  const present = keys.filter((k) => node[k] !== undefined);
  if (present.length === 0) return [{ message: `${what} is required` }];
  return atMostOne(node, keys);
}
