/**
 * Arbitraries for match and target modules, built from the schemas in `matchSchemas` / `targetSchemas`:
 * a random subset of each schema's options, each with a value from its codec's domain and a random `!`
 * where the option is negatable.
 *
 * A schema's `check` may reject some combinations. Those schemas have an entry in
 * {@link moduleConstraints} that generates only accepted combinations (required options, exactly-one and
 * at-most-one groups, or a hand-written generator). Nothing is filtered: a generated node that its
 * schema's check still rejects throws, naming the schema, so a new schema with a check gets an entry.
 * @module
 */
import fc from "fast-check";
import { noSpan } from "../../src/diagnostic/index.js";
import { type KnownMatch, type KnownTarget, type Match, type Target, matchSchemas, targetSchemas } from "../../src/ast/index.js";
import type { AnyOptionSpec, ModuleSchema, OptionSpecs, OptionValue } from "../../src/ast/schema.js";
import { type ValueContext, arbCharOf, arbFreeText, arbUint, arbValueOf } from "./values.js";

/** Any module schema, seen without its literal types. */
export type AnyModuleSchema = ModuleSchema<string, OptionSpecs>;

/** A module's options as the AST holds them, keyed by field name. */
export type OptionFields = Readonly<Record<string, OptionValue<unknown>>>;

/** Which option combinations a schema's `check` accepts, as data the generic generator follows. */
export interface OptionConstraint {
  /** Options that must be present. */
  readonly required?: readonly string[];
  /** Groups of which exactly one option is present. */
  readonly exactlyOne?: readonly (readonly string[])[];
  /** Groups of which at most one option is present. */
  readonly atMostOne?: readonly (readonly string[])[];
}

/** How to generate a schema's options: by constraint data, or by a generator written for it. */
export type ModuleConstraint = { readonly type: "options"; readonly constraint: OptionConstraint } | { readonly type: "custom"; readonly arb: (schema: AnyModuleSchema, cx: ValueContext) => fc.Arbitrary<OptionFields> };

/** One option's value: a value of its domain, negated at random when the option allows `!`. */
export function arbOptionValue(spec: AnyOptionSpec, cx: ValueContext): fc.Arbitrary<OptionValue<unknown>> {
  const negated = spec.negatable ? fc.boolean() : fc.constant(false);
  return fc.tuple(arbValueOf(spec.codec.domain, cx), negated).map(([value, neg]) => ({ value, negated: neg, span: noSpan }));
}

function specOf(schema: AnyModuleSchema, key: string): AnyOptionSpec {
  const spec = schema.options[key];
  if (spec === undefined) throw new Error(`test/arb: schema ${schema.name} has no option "${key}" (fix moduleConstraints in test/arb/modules.ts)`);
  return spec;
}

/** `-m statistic`: `--mode random --probability P`, or `--mode nth --every N [--packet P]` with P below N. */
function arbStatisticOptions(schema: AnyModuleSchema, cx: ValueContext): fc.Arbitrary<OptionFields> {
  const mode = (m: string): OptionValue<unknown> => ({ value: m, negated: false, span: noSpan });
  const random = arbOptionValue(specOf(schema, "probability"), cx).map((probability) => ({ mode: mode("random"), probability }));
  const nth = fc
    .tuple(arbUint(1, 0xffffffff), fc.boolean(), fc.option(arbUint(0, 0xffffffff), { nil: undefined }))
    .map(([every, negated, packetSeed]) => ({
      mode: mode("nth"),
      every: { value: every, negated, span: noSpan },
      ...(packetSeed === undefined ? {} : { packet: { value: packetSeed % every, negated: false, span: noSpan } }),
    }));
  return fc.oneof(random, nth);
}

/**
 * Schemas whose `check` rejects some option combinations, and how to generate only accepted ones. Every
 * schema with a `check` needs an entry (a schema whose check accepts every combination may have none).
 */
export const moduleConstraints: Readonly<Record<string, ModuleConstraint>> = {
  // Matches.
  comment: { type: "options", constraint: { required: ["comment"] } },
  mark: { type: "options", constraint: { required: ["mark"] } },
  state: { type: "options", constraint: { required: ["state"] } },
  statistic: { type: "custom", arb: arbStatisticOptions },
  tcp: { type: "options", constraint: { atMostOne: [["syn", "tcpFlags"]] } },
  // Targets.
  MARK: { type: "options", constraint: { exactlyOne: [["setXmark", "setMark", "andMark", "orMark", "xorMark"]] } },
  CONNMARK: { type: "options", constraint: { exactlyOne: [["setXmark", "setMark", "andMark", "orMark", "xorMark", "saveMark", "restoreMark"]] } },
  DNAT: { type: "options", constraint: { required: ["toDestination"] } },
  SNAT: { type: "options", constraint: { required: ["toSource"] } },
};

/** A choice of which options must be present and which must be absent; the rest are optional. */
interface OptionPlan {
  readonly required: ReadonlySet<string>;
  readonly excluded: ReadonlySet<string>;
}

/** Every plan a constraint allows: one per way of satisfying its exactly-one and at-most-one groups. */
function plansOf(constraint: OptionConstraint): OptionPlan[] {
  let plans: OptionPlan[] = [{ required: new Set(constraint.required ?? []), excluded: new Set() }];
  const pickOne = (group: readonly string[], allowNone: boolean): void => {
    const next: OptionPlan[] = [];
    for (const p of plans) {
      if (allowNone) next.push({ required: p.required, excluded: new Set([...p.excluded, ...group]) });
      for (const k of group) next.push({ required: new Set([...p.required, k]), excluded: new Set([...p.excluded, ...group.filter((g) => g !== k)]) });
    }
    plans = next;
  };
  for (const g of constraint.exactlyOne ?? []) pickOne(g, false);
  for (const g of constraint.atMostOne ?? []) pickOne(g, true);
  return plans;
}

/** A random subset of a schema's options that its constraint allows. */
function arbConstrainedOptions(schema: AnyModuleSchema, constraint: OptionConstraint, cx: ValueContext): fc.Arbitrary<OptionFields> {
  const arbs = plansOf(constraint).map((plan) => {
    const model: Record<string, fc.Arbitrary<OptionValue<unknown>>> = {};
    for (const [key, spec] of Object.entries(schema.options)) if (!plan.excluded.has(key)) model[key] = arbOptionValue(spec, cx);
    for (const key of plan.required) specOf(schema, key);
    return fc.record(model, { requiredKeys: [...plan.required], noNullPrototype: true });
  });
  return fc.oneof(...arbs);
}

/** The options of a schema's node: generated by its constraint entry, checked by its own `check`. */
export function arbModuleOptions(schema: AnyModuleSchema, cx: ValueContext): fc.Arbitrary<OptionFields> {
  const entry = moduleConstraints[schema.name];
  const arb = entry === undefined ? arbConstrainedOptions(schema, {}, cx) : entry.type === "custom" ? entry.arb(schema, cx) : arbConstrainedOptions(schema, entry.constraint, cx);
  return arb.map((fields) => {
    const issues = schema.check?.(fields) ?? [];
    if (issues.length > 0) {
      const why = issues.map((i) => i.message).join("; ");
      throw new Error(`test/arb: generated ${schema.name} options that its check rejects (${why}); add or fix its entry in moduleConstraints in test/arb/modules.ts`);
    }
    return fields;
  });
}

/** Schemas usable in a ruleset of the context's family (family-restricted ones only in theirs). */
function schemasFor(schemas: Readonly<Record<string, AnyModuleSchema>>, cx: ValueContext): AnyModuleSchema[] {
  return Object.values(schemas).filter((s) => s.family === undefined || s.family === cx.family);
}

const knownMatchSchemas = matchSchemas as unknown as Readonly<Record<string, AnyModuleSchema>>;
const knownTargetSchemas = targetSchemas as unknown as Readonly<Record<string, AnyModuleSchema>>;

/** A known match module node, `{ kind, ...options, span }`. */
export function arbKnownMatch(cx: ValueContext): fc.Arbitrary<KnownMatch> {
  return fc.oneof(...schemasFor(knownMatchSchemas, cx).map((s) => arbModuleOptions(s, cx).map((fields) => ({ kind: s.name, ...fields, span: noSpan }) as unknown as KnownMatch)));
}

/** A known target extension node, `{ kind, ...options, span }`. */
export function arbKnownTarget(cx: ValueContext): fc.Arbitrary<KnownTarget> {
  return fc.oneof(...schemasFor(knownTargetSchemas, cx).map((s) => arbModuleOptions(s, cx).map((fields) => ({ kind: s.name, ...fields, span: noSpan }) as unknown as KnownTarget)));
}

/**
 * Argument words of an unknown module: option groups `[!] --unk-NAME [VALUE...]`. Option names carry a
 * prefix no schema uses, so no known module claims them. Values are any word but `!` (which the printer
 * cannot tell from a negation) and never contain line breaks.
 */
export function arbUnknownArgs(minGroups: number): fc.Arbitrary<readonly string[]> {
  const optionName = fc.string({ unit: arbCharOf("abcdefghijklmnopqrstuvwxyz0123456789-"), minLength: 1, maxLength: 10 }).map((s) => `--unk-${s}`);
  const value = arbFreeText(40).map((v) => (v === "!" ? "!!" : v));
  const group = fc.tuple(fc.boolean(), optionName, fc.array(value, { maxLength: 2 })).map(([neg, name, values]) => [...(neg ? ["!"] : []), name, ...values]);
  return fc.array(group, { minLength: minGroups, maxLength: 3 }).map((gs) => gs.flat());
}

/** A match module no schema knows, kept verbatim. */
export function arbUnknownMatch(): fc.Arbitrary<Match> {
  const name = fc.string({ unit: arbCharOf("abcdefghijklmnopqrstuvwxyz0123456789_"), minLength: 1, maxLength: 8 }).map((s) => `unk${s}`);
  return fc.tuple(name, arbUnknownArgs(0)).map(([n, args]): Match => ({ kind: "unknown", name: n, args, span: noSpan }));
}

/**
 * A target extension no schema knows. It has at least one option: `-j NAME` alone is a jump to a chain.
 */
export function arbUnknownTarget(): fc.Arbitrary<Target> {
  const name = fc.string({ unit: arbCharOf("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"), minLength: 1, maxLength: 8 }).map((s) => `UNK${s}`);
  return fc.tuple(name, arbUnknownArgs(1)).map(([n, args]): Target => ({ kind: "unknown", name: n, args, span: noSpan }));
}

/** Any match: mostly known modules, sometimes an unknown one. */
export function arbMatch(cx: ValueContext): fc.Arbitrary<Match> {
  return fc.oneof({ arbitrary: arbKnownMatch(cx), weight: 6 }, { arbitrary: arbUnknownMatch(), weight: 1 });
}
