/**
 * Rulesets for the equivalence property: all five tables (raw, mangle, nat, filter, security) with their
 * built-in chains and a few user chains, rules that jump, go to and return, negate, and use every module
 * of test/arb/eq-modules.ts where the kernel allows it, with values from the shared vocabulary.
 *
 * The shape is fixed, so no `chain` is needed and everything shrinks: each table's user chains have fixed
 * names and fixed callers (which decide the hooks their rules run at, and so the targets they may use);
 * the generated part is each chain's rule list, each rule's options, matches and target, and the policies.
 * @module
 */
import fc from "fast-check";
import { noSpan } from "../../src/diagnostic/index.js";
import {
  type Chain,
  type Family,
  type Match,
  type OptionValue,
  type Rule,
  type Ruleset,
  type Table,
  type TableName,
  type Target,
  builtinChains,
  printRuleset,
  ruleSchema,
  tableNames,
} from "../../src/ast/index.js";
import type { Hook } from "../../src/eval/index.js";
import { type EqRuleContext, arbModuleNode, eqMatchBuilders, eqTargetBuilders } from "./eq-modules.js";
import { ruleAddresses, ruleInterfaces } from "./eq-vocabulary.js";

/** A user chain of a generated table, and the chains that may jump or go to it. */
interface UserChainPlan {
  readonly name: string;
  readonly callers: readonly string[];
}

/**
 * The user chains of each table. A chain's callers decide the hooks its rules run at: `NAT_DST` only
 * runs where DNAT is allowed, `MANGLE_PRE` only in PREROUTING (TPROXY), the others wherever their table
 * runs, so they use no `-i`/`-o` and only targets valid at every hook.
 */
const userChainPlans: Readonly<Record<TableName, readonly UserChainPlan[]>> = {
  raw: [{ name: "RAW_ANY", callers: ["PREROUTING", "OUTPUT"] }],
  mangle: [
    { name: "MANGLE_PRE", callers: ["PREROUTING"] },
    { name: "MANGLE_ANY", callers: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING", "MANGLE_PRE"] },
  ],
  nat: [
    { name: "NAT_DST", callers: ["PREROUTING", "OUTPUT"] },
    { name: "NAT_SRC", callers: ["POSTROUTING"] },
  ],
  filter: [
    { name: "FILTER_A", callers: ["INPUT", "FORWARD", "OUTPUT"] },
    { name: "FILTER_B", callers: ["FORWARD", "FILTER_A"] },
  ],
  security: [{ name: "SECURITY_ANY", callers: ["INPUT", "FORWARD", "OUTPUT"] }],
};

/** The hook of each built-in chain. */
const builtinHooks: Readonly<Partial<Record<string, Hook>>> = { PREROUTING: "prerouting", INPUT: "input", FORWARD: "forward", OUTPUT: "output", POSTROUTING: "postrouting" };

/** The hooks a chain runs at: a built-in chain's own, a user chain's callers' (transitively). */
function hooksOfChain(table: TableName, chain: string): readonly Hook[] {
  const own = builtinHooks[chain];
  if (own !== undefined && builtinChains[table].includes(chain)) return [own];
  const plan = userChainPlans[table].find((p) => p.name === chain);
  if (plan === undefined) throw new Error(`test/arb/eq-ruleset: no chain ${chain} in ${table}`);
  return [...new Set(plan.callers.flatMap((c) => hooksOfChain(table, c)))];
}

const plain = <T>(value: T): OptionValue<T> => ({ value, negated: false, span: noSpan });

/** `arb` one time in `1 + absent` (default: one in three), else undefined. */
const sometimes = <T>(arb: fc.Arbitrary<T>, absent = 2): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: absent + 1 });

/** One of the generic options' values (`-s`, `-i`...), parsed by the rule schema's codec, with a random `!`. */
function arbGeneric<K extends "source" | "destination" | "inInterface" | "outInterface">(key: K, words: readonly string[], cx: EqRuleContext): fc.Arbitrary<NonNullable<Rule[K]>> {
  return arbModuleNode(ruleSchema, cx, { required: { [key]: words } }).map((node) => {
    const v = node[key];
    if (v === undefined) throw new Error(`test/arb/eq-ruleset: ${key} missing`);
    return v as NonNullable<Rule[K]>;
  });
}

/** The protocols a rule may name (`-p`), and the one it names negated. */
type ProtocolChoice = { readonly kind: "none" } | { readonly kind: "positive"; readonly protocol: number } | { readonly kind: "negated"; readonly protocol: number };

function protocolChoices(family: Family): readonly ProtocolChoice[] {
  return [{ kind: "none" }, { kind: "positive", protocol: 6 }, { kind: "positive", protocol: 17 }, { kind: "positive", protocol: family === "ipv4" ? 1 : 58 }, { kind: "positive", protocol: 132 }, { kind: "negated", protocol: 17 }, ...ipsecChoices(family)];
}

/** `-p dccp`, `-p esp`, `-p ipcomp`, and `-p ah` in IPv4 (ip6tables' `-p` never sees AH: its header walk skips it), `-p mh` in IPv6. */
function ipsecChoices(family: Family): readonly ProtocolChoice[] {
  return [33, 50, 108, ...(family === "ipv4" ? [51] : [135])].map((protocol): ProtocolChoice => ({ kind: "positive", protocol }));
}

/** Where a chain is: table, name, hooks, and the user chains its rules may jump or go to. */
interface ChainContext {
  readonly family: Family;
  readonly table: TableName;
  readonly chain: string;
  readonly builtin: boolean;
  readonly jumps: readonly string[];
}

/** Targets a rule of this chain may have: verdicts, jumps and gotos to its callees, target extensions. */
function arbTarget(chain: ChainContext, cx: EqRuleContext): fc.Arbitrary<Target> {
  const verdicts = fc.constantFrom<"ACCEPT" | "DROP" | "RETURN" | "QUEUE">("ACCEPT", "DROP", "RETURN", "ACCEPT", "DROP", "QUEUE").map((verdict): Target => ({ kind: "verdict", verdict, span: noSpan }));
  const arbs: fc.WeightedArbitrary<Target>[] = [{ arbitrary: verdicts, weight: 4 }];
  if (chain.jumps.length > 0) {
    const jump = fc.record({ kind: fc.constantFrom<"jump" | "goto">("jump", "jump", "goto"), chain: fc.constantFrom(...chain.jumps), span: fc.constant(noSpan) });
    arbs.push({ arbitrary: jump, weight: 3 });
  }
  // NAT targets, the point of the nat table, get their own share there; other extensions share the rest.
  const natKinds: readonly string[] = ["DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP"];
  const extensions = (nat: boolean): fc.Arbitrary<Target>[] =>
    Object.entries(eqTargetBuilders).flatMap(([kind, build]) => {
      const arb = natKinds.includes(kind) === nat ? build(cx) : undefined;
      return arb === undefined ? [] : [arb];
    });
  for (const [group, weight] of [
    [extensions(false), 4],
    [extensions(true), 4],
  ] as const) {
    if (group.length > 0) arbs.push({ arbitrary: fc.oneof(...group), weight });
  }
  return fc.oneof(...arbs);
}

/** The module of each protocol's own header (`-p tcp -m tcp`). */
const protocolModules: ReadonlyMap<number, "tcp" | "udp" | "sctp" | "icmp" | "icmp6" | "esp" | "ipcomp" | "mh" | "dccp"> = new Map([
  [6, "tcp"],
  [17, "udp"],
  [132, "sctp"],
  [1, "icmp"],
  [58, "icmp6"],
  [50, "esp"],
  [108, "ipcomp"],
  [135, "mh"],
  [33, "dccp"],
] as const);

/** The matches a rule with this context may have: the protocol's own module often, others sometimes. */
function arbMatches(cx: EqRuleContext): fc.Arbitrary<readonly Match[]> {
  const ownKind = cx.protocol === undefined ? undefined : protocolModules.get(cx.protocol);
  const own = ownKind === undefined ? undefined : eqMatchBuilders[ownKind]?.(cx);
  const others = Object.entries(eqMatchBuilders).flatMap(([kind, build]) => {
    if ([...protocolModules.values()].some((k) => k === kind)) return [];
    const arb = build(cx);
    return arb === undefined ? [] : [arb];
  });
  const first: fc.Arbitrary<Match | undefined> = own === undefined ? fc.constant(undefined) : sometimes(own, 1);
  // Each further match narrows what the rule hits: one half of the time, a second one a quarter.
  const other = fc.oneof(...others);
  return fc.tuple(first, sometimes(other, 1), sometimes(other, 3)).map(([...ms]): readonly Match[] => ms.filter((m): m is Match => m !== undefined));
}

/** A rule of one chain, for one protocol choice. */
function arbRuleWith(chain: ChainContext, choice: ProtocolChoice): fc.Arbitrary<Rule> {
  const hooks = hooksOfChain(chain.table, chain.chain);
  const cx: EqRuleContext = { family: chain.family, table: chain.table, hooks, userChain: !chain.builtin, ...(choice.kind === "positive" ? { protocol: choice.protocol } : {}) };
  // -i only where every hook of the chain has an input device, -o only where every one has an output device.
  const canIn = hooks.every((h) => h === "prerouting" || h === "input" || h === "forward");
  const canOut = hooks.every((h) => h === "forward" || h === "output" || h === "postrouting");
  return fc
    .record({
      source: sometimes(arbGeneric("source", ruleAddresses, cx)),
      destination: sometimes(arbGeneric("destination", ruleAddresses, cx)),
      inInterface: canIn ? sometimes(arbGeneric("inInterface", ruleInterfaces, cx)) : fc.constant(undefined),
      outInterface: canOut ? sometimes(arbGeneric("outInterface", ruleInterfaces, cx)) : fc.constant(undefined),
      matches: arbMatches(cx),
      target: fc.option(arbTarget(chain, cx), { nil: undefined, freq: 8 }),
    })
    .map(({ source, destination, inInterface, outInterface, matches, target }): Rule => ({
      kind: "rule",
      chain: chain.chain,
      ...(source === undefined ? {} : { source }),
      ...(destination === undefined ? {} : { destination }),
      ...(inInterface === undefined ? {} : { inInterface }),
      ...(outInterface === undefined ? {} : { outInterface }),
      ...(choice.kind === "none" ? {} : { protocol: { ...plain(choice.protocol), negated: choice.kind === "negated" } }),
      matches,
      ...(target === undefined ? {} : { target }),
      span: noSpan,
    }));
}

/** A rule of one chain: no protocol half the time, else tcp, udp, icmp, sctp or `! -p udp`. */
function arbRule(chain: ChainContext): fc.Arbitrary<Rule> {
  const [none, ...others] = protocolChoices(chain.family).map((choice) => arbRuleWith(chain, choice));
  if (none === undefined) throw new Error("unreachable: no protocol choices");
  return fc.oneof({ arbitrary: none, weight: others.length }, ...others.map((arbitrary) => ({ arbitrary, weight: 1 })));
}

/** A table with all its built-in chains and its user chains, and rules in each. */
function arbTable(family: Family, table: TableName): fc.Arbitrary<Table> {
  const users = userChainPlans[table];
  const chainNames = [...builtinChains[table], ...users.map((u) => u.name)];
  const contexts: ChainContext[] = chainNames.map((chain) => ({
    family,
    table,
    chain,
    builtin: builtinChains[table].includes(chain),
    jumps: users.filter((u) => u.callers.includes(chain)).map((u) => u.name),
  }));
  // The kernel refuses a DROP policy in nat. Elsewhere DROP is rare outside filter: a packet dropped by the
  // policy of an early table (raw, mangle) never reaches the later ones, whose rules would go untested.
  const ratio = table === "filter" ? 2 : 9;
  const policy = table === "nat" ? fc.constant<"ACCEPT" | "DROP">("ACCEPT") : fc.oneof({ arbitrary: fc.constant<"ACCEPT" | "DROP">("ACCEPT"), weight: ratio }, { arbitrary: fc.constant<"ACCEPT" | "DROP">("DROP"), weight: 1 });
  return fc
    .record({
      policies: fc.tuple(...builtinChains[table].map(() => policy)),
      rules: fc.tuple(...contexts.map((c) => fc.array(arbRule(c), { maxLength: c.builtin ? 3 : 2 }))),
    })
    .map(({ policies, rules }): Table => {
      const chains: Chain[] = [
        ...builtinChains[table].map((name, i): Chain => ({ kind: "chain", name, policy: policies[i] ?? "ACCEPT", builtin: true, span: noSpan })),
        ...users.map((u): Chain => ({ kind: "chain", name: u.name, builtin: false, span: noSpan })),
      ];
      return { kind: "table", name: table, chains, rules: rules.flat(), leadingComments: [], comments: [], span: noSpan };
    });
}

/**
 * A ruleset of `family` with all five tables, printed as iptables-save text in fast-check's reports. Rules
 * may name the ipsets of {@link arbIpsets} (test/arb/eq-ipsets.ts); generate both together.
 */
export function arbEqRuleset(family: Family): fc.Arbitrary<Ruleset> {
  return fc.tuple(...tableNames.map((t) => arbTable(family, t))).map((tables) => {
    const ruleset: Ruleset = { kind: "ruleset", family, tables, trailingComments: [], span: noSpan };
    Object.defineProperty(ruleset, fc.toStringMethod, { enumerable: false, value: (): string => `iptables-save (${family}):\n${printRuleset(ruleset)}` });
    return ruleset;
  });
}
