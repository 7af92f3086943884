/**
 * Arbitraries for whole rules, tables and rulesets, valid by construction: every rule's chain is declared
 * in its table, jumps and gotos go to declared user chains, user chain names collide with no verdict,
 * target or built-in chain, and every address has the ruleset's family.
 *
 * Generated rulesets print as iptables-save text in fast-check's reports.
 * @module
 */
import fc from "fast-check";
import { noSpan } from "../../src/diagnostic/index.js";
import {
  type Chain,
  type CommentLine,
  type Counters,
  type Family,
  type Rule,
  type Ruleset,
  type Table,
  type TableName,
  type Target,
  builtinChains,
  printRuleset,
  ruleSchema,
  tableNames,
  targetSchemas,
} from "../../src/ast/index.js";
import { type AnyModuleSchema, arbKnownTarget, arbMatch, arbModuleOptions, arbUnknownTarget } from "./modules.js";
import { type ValueContext, arbCharOf, arbFreeText } from "./values.js";

/** What a rule arbitrary needs: the family, the table, and the chains declared in it. */
export interface RuleContext extends ValueContext {
  readonly table: TableName;
  /** Every chain of the table, built-in and user. */
  readonly chains: readonly string[];
  /** The user chains, which jumps and gotos may name. */
  readonly userChains: readonly string[];
}

const verdictNames = ["ACCEPT", "DROP", "RETURN", "QUEUE"] as const;

/** Names a user chain of `table` must not have: verdicts, target extensions, the table's built-in chains. */
function reservedChainNames(table: TableName): ReadonlySet<string> {
  const targets = Object.values(targetSchemas as unknown as Readonly<Record<string, AnyModuleSchema>>).flatMap((s) => [s.name, ...(s.aliases ?? [])]);
  return new Set<string>([...verdictNames, ...targets, ...builtinChains[table]]);
}

/**
 * A user chain name for `table`: at most 28 characters, shaped like the names real tools use, or random.
 * A name that would mean something else (`DROP`, `DNAT`, `INPUT` in filter) gets a `_` appended.
 */
export function arbUserChainName(table: TableName): fc.Arbitrary<string> {
  const reserved = reservedChainNames(table);
  const first = arbCharOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
  const rest = fc.string({ unit: arbCharOf("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-."), maxLength: 26 });
  const random = fc.tuple(first, rest).map(([f, r]) => f + r);
  const realistic = fc.constantFrom("DOCKER", "DOCKER-USER", "KUBE-SERVICES", "KUBE-SVC-ERIFXISQEP7F7OF4", "ufw-before-input", "f2b-sshd", "INPUT", "PREROUTING", "ACCEPT", "MARK", "LOG");
  return fc.oneof(random, realistic).map((n) => (reserved.has(n) ? `${n}_` : n));
}

/** Packet and byte counters, anywhere in 0..2^64-1. */
export function arbCounters(): fc.Arbitrary<Counters> {
  const u64 = fc.oneof(fc.constant(0n), fc.bigInt(0n, 0xffffffffn), fc.bigInt(0n, (1n << 64n) - 1n));
  return fc.record({ packets: u64, bytes: u64 });
}

/** A `#` comment line's text (anything but a line break). */
export function arbCommentLine(): fc.Arbitrary<CommentLine> {
  return arbFreeText(80).map((text) => ({ kind: "comment", text, span: noSpan }));
}

/** What a rule does: a verdict, a jump or goto to a user chain, a target extension (known or not). */
export function arbTarget(cx: RuleContext): fc.Arbitrary<Target> {
  const verdict = fc.constantFrom(...verdictNames).map((verdict): Target => ({ kind: "verdict", verdict, span: noSpan }));
  const arbs: fc.WeightedArbitrary<Target>[] = [
    { arbitrary: verdict, weight: 3 },
    { arbitrary: arbKnownTarget(cx), weight: 3 },
    { arbitrary: arbUnknownTarget(), weight: 1 },
  ];
  if (cx.userChains.length > 0) {
    const chainTarget = fc.tuple(fc.constantFrom("jump" as const, "goto" as const), fc.constantFrom(...cx.userChains)).map(([kind, chain]): Target => ({ kind, chain, span: noSpan }));
    arbs.push({ arbitrary: chainTarget, weight: 2 });
  }
  return fc.oneof(...arbs);
}

/** Protocols a generated rule may name, so that protocol modules (`-m tcp` needs `-p tcp`) come up often. */
const ruleProtocols = [6, 17, 132, 33, 1, 58, 50, 51, 108, 135, 136] as const;

/**
 * A rule of a declared chain: generic options, up to three matches, an optional target, optional counters.
 * Its `-p` is chosen first, so matches and targets that need a protocol get a rule that has it.
 */
export function arbRule(cx: RuleContext): fc.Arbitrary<Rule> {
  const chosen = fc.option(fc.constantFrom(...ruleProtocols), { nil: undefined, freq: 3 });
  return fc
    .tuple(chosen, arbModuleOptions(ruleSchema as unknown as AnyModuleSchema, cx))
    .chain(([proto, generated]) => {
      const generic: Record<string, unknown> = { ...generated };
      if (proto !== undefined) generic.protocol = { value: proto, negated: false, span: noSpan };
      const p = generic.protocol as { readonly value: number; readonly negated: boolean } | undefined;
      const protocol = p === undefined || p.negated || p.value === 0 ? undefined : p.value;
      const rcx: RuleContext = protocol === undefined ? cx : { ...cx, protocol };
      return fc.record({
        chain: fc.constantFrom(...cx.chains),
        counters: fc.option(arbCounters(), { nil: undefined }),
        generic: fc.constant(generic),
        matches: fc.array(arbMatch(rcx), { maxLength: 3 }),
        target: fc.option(arbTarget(rcx), { nil: undefined, freq: 6 }),
      });
    })
    .map(({ chain, counters, generic, matches, target }): Rule => ({
      kind: "rule",
      chain,
      ...(counters === undefined ? {} : { counters }),
      ...generic,
      matches,
      ...(target === undefined ? {} : { target }),
      span: noSpan,
    }));
}

/** A built-in chain with its policy and, sometimes, counters. */
function arbBuiltinChain(name: string): fc.Arbitrary<Chain> {
  return fc.tuple(fc.constantFrom("ACCEPT" as const, "DROP" as const), fc.option(arbCounters(), { nil: undefined })).map(([policy, counters]): Chain => ({
    kind: "chain",
    name,
    policy,
    ...(counters === undefined ? {} : { counters }),
    builtin: true,
    span: noSpan,
  }));
}

/** A user chain, sometimes with counters. */
function arbUserChain(name: string): fc.Arbitrary<Chain> {
  return fc.option(arbCounters(), { nil: undefined, freq: 2 }).map((counters): Chain => ({ kind: "chain", name, ...(counters === undefined ? {} : { counters }), builtin: false, span: noSpan }));
}

/**
 * A `*table` block: all built-in chains (in iptables-save's order, as the parser lists them), up to four
 * user chains, up to eight rules, and comments before and inside it.
 */
export function arbTable(table: TableName, cx: ValueContext): fc.Arbitrary<Table> {
  return fc.uniqueArray(arbUserChainName(table), { maxLength: 4 }).chain((userNames) => {
    const chainNames = [...builtinChains[table], ...userNames];
    const rcx: RuleContext = { family: cx.family, table, chains: chainNames, userChains: userNames };
    return fc
      .record({
        builtin: fc.tuple(...builtinChains[table].map(arbBuiltinChain)),
        user: fc.tuple(...userNames.map(arbUserChain)),
        rules: fc.array(arbRule(rcx), { maxLength: 8 }),
        leadingComments: fc.array(arbCommentLine(), { maxLength: 2 }),
        comments: fc.array(arbCommentLine(), { maxLength: 2 }),
      })
      .map(({ builtin, user, rules, leadingComments, comments }): Table => ({
        kind: "table",
        name: table,
        chains: [...builtin, ...user],
        rules,
        leadingComments,
        comments,
        span: noSpan,
      }));
  });
}

/** Gives a generated ruleset its iptables-save text as the string fast-check reports it by. */
function describedAsSaveText(r: Ruleset): Ruleset {
  Object.defineProperty(r, fc.toStringMethod, {
    enumerable: false,
    value: (): string => {
      try {
        return `(${r.family}) iptables-save text:\n${printRuleset(r)}`;
      } catch (e) {
        return `(unprintable: ${String(e)}) ${JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))}`;
      }
    },
  });
  return r;
}

/**
 * A whole ruleset of one family: distinct tables in any order, each valid on its own, and comments after
 * the last table. Pass a family to fix it; by default either.
 */
export function arbRuleset(family?: Family): fc.Arbitrary<Ruleset> {
  const families: fc.Arbitrary<Family> = family === undefined ? fc.constantFrom("ipv4", "ipv6") : fc.constant(family);
  return families
    .chain((f) =>
      fc.record({
        family: fc.constant(f),
        tables: fc.shuffledSubarray([...tableNames], { maxLength: 3 }).chain((names) => fc.tuple(...names.map((n) => arbTable(n, { family: f })))),
        trailingComments: fc.array(arbCommentLine(), { maxLength: 2 }),
      }),
    )
    .map(({ family: f, tables, trailingComments }): Ruleset => describedAsSaveText({ kind: "ruleset", family: f, tables, trailingComments, span: noSpan }));
}
