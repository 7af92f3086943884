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
import { matchesAConstraints } from "./matches-a.js";
import { type ValueContext, arbCharOf, arbFreeText, arbUint, arbValueOf } from "./values.js";

/** Any module schema, seen without its literal types. */
export type AnyModuleSchema = ModuleSchema<string, OptionSpecs>;

/** A module's options as the AST holds them, keyed by field name. */
export type OptionFields = Readonly<Record<string, OptionValue<unknown>>>;

/**
 * Which option combinations a schema's `check` accepts, as data the generic generator follows. Every rule
 * is about presence only; rules about values need a custom generator.
 */
export interface OptionConstraint {
  /** Options that must be present. */
  readonly required?: readonly string[];
  /** Options left out (a custom step adds them, or they are never generated). */
  readonly excluded?: readonly string[];
  /** Groups of which exactly one option is present. */
  readonly exactlyOne?: readonly (readonly string[])[];
  /** Groups of which at most one option is present. */
  readonly atMostOne?: readonly (readonly string[])[];
  /** Groups of which at least one option is present. */
  readonly atLeastOne?: readonly (readonly string[])[];
  /** At least one of the schema's options is present. */
  readonly anyOption?: boolean;
  /** `[key, others]`: when `key` is present, all of `others` are. */
  readonly implies?: readonly (readonly [string, readonly string[]])[];
  /** `[key, others]`: when `key` is present, at least one of `others` is. */
  readonly impliesOneOf?: readonly (readonly [string, readonly string[]])[];
  /** `[key, others]`: when `key` is present, none of `others` is. */
  readonly forbids?: readonly (readonly [string, readonly string[]])[];
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

/** A choice of which options must be present and which must be absent; the rest are optional. */
interface OptionPlan {
  readonly required: ReadonlySet<string>;
  readonly excluded: ReadonlySet<string>;
}

/**
 * Every plan a constraint allows: one per way of satisfying each rule, combined, without the plans that
 * both require and exclude an option (those satisfy nothing). The union of the plans is exactly the set
 * of option combinations the constraint accepts.
 */
function plansOf(schema: AnyModuleSchema, constraint: OptionConstraint): OptionPlan[] {
  const keys = Object.keys(schema.options);
  for (const k of [
    ...(constraint.required ?? []),
    ...(constraint.excluded ?? []),
    ...[...(constraint.exactlyOne ?? []), ...(constraint.atMostOne ?? []), ...(constraint.atLeastOne ?? [])].flat(),
    ...[...(constraint.implies ?? []), ...(constraint.impliesOneOf ?? []), ...(constraint.forbids ?? [])].flatMap(([key, others]) => [key, ...others]),
  ])
    specOf(schema, k);
  let plans: OptionPlan[] = [{ required: new Set(constraint.required ?? []), excluded: new Set(constraint.excluded ?? []) }];
  /** Replaces each plan by its refinements: `[more required, more excluded]` pairs. */
  const refine = (ways: (p: OptionPlan) => (readonly [readonly string[], readonly string[]])[]): void => {
    const seen = new Set<string>();
    const next: OptionPlan[] = [];
    for (const p of plans) {
      for (const [req, exc] of ways(p)) {
        const plan = { required: new Set([...p.required, ...req]), excluded: new Set([...p.excluded, ...exc]) };
        if ([...plan.required].some((k) => plan.excluded.has(k))) continue;
        const id = `${[...plan.required].sort().join(",")}|${[...plan.excluded].sort().join(",")}`;
        if (seen.has(id)) continue;
        seen.add(id);
        next.push(plan);
      }
    }
    plans = next;
  };
  const others = (group: readonly string[], k: string): string[] => group.filter((g) => g !== k);
  for (const g of constraint.exactlyOne ?? []) refine(() => g.map((k) => [[k], others(g, k)] as const));
  for (const g of constraint.atMostOne ?? []) refine(() => [[[], g] as const, ...g.map((k) => [[k], others(g, k)] as const)]);
  for (const g of [...(constraint.atLeastOne ?? []), ...(constraint.anyOption === true ? [keys] : [])]) {
    refine((p) => (g.some((k) => p.required.has(k)) ? [[[], []] as const] : g.map((k) => [[k], []] as const)));
  }
  for (const [key, deps] of constraint.implies ?? []) refine(() => [[[], [key]] as const, [[key, ...deps], []] as const]);
  for (const [key, deps] of constraint.impliesOneOf ?? []) refine(() => [[[], [key]] as const, ...deps.map((d) => [[key, d], []] as const)]);
  for (const [key, banned] of constraint.forbids ?? []) refine(() => [[[], [key]] as const, [[key], banned] as const]);
  if (plans.length === 0) throw new Error(`test/arb: the constraint for ${schema.name} allows no option set`);
  return plans;
}

/** Options of `schema` with `required` present, `excluded` absent and the others at random. */
export function arbOptionsWith(schema: AnyModuleSchema, cx: ValueContext, required: Iterable<string> = [], excluded: Iterable<string> = []): fc.Arbitrary<OptionFields> {
  const out = new Set(excluded);
  const model: Record<string, fc.Arbitrary<OptionValue<unknown>>> = {};
  for (const [key, spec] of Object.entries(schema.options)) if (!out.has(key)) model[key] = arbOptionValue(spec, cx);
  return fc.record(model, { requiredKeys: [...required], noNullPrototype: true });
}

/** A random subset of a schema's options that its constraint allows. */
function arbConstrainedOptions(schema: AnyModuleSchema, constraint: OptionConstraint, cx: ValueContext): fc.Arbitrary<OptionFields> {
  return fc.oneof(...plansOf(schema, constraint).map((plan) => arbOptionsWith(schema, cx, plan.required, plan.excluded)));
}

/** Options by constraint, then changed by `adjust` (for rules about values: a burst that fits its rate). */
function adjusted<T>(constraint: OptionConstraint, extra: (cx: ValueContext) => fc.Arbitrary<T>, adjust: (fields: OptionFields, extra: T) => OptionFields): ModuleConstraint {
  return { type: "custom", arb: (schema, cx) => fc.tuple(arbConstrainedOptions(schema, constraint, cx), extra(cx)).map(([fields, x]) => adjust(fields, x)) };
}

const plain = (value: unknown): OptionValue<unknown> => ({ value, negated: false, span: noSpan });

/** `-m statistic`: `--mode random --probability P`, or `--mode nth --every N [--packet P]` with P below N. */
function arbStatisticOptions(schema: AnyModuleSchema, cx: ValueContext): fc.Arbitrary<OptionFields> {
  const random = arbOptionValue(specOf(schema, "probability"), cx).map((probability) => ({ mode: plain("random"), probability }));
  const nth = fc
    .tuple(arbUint(1, 0xffffffff), fc.boolean(), fc.option(arbUint(0, 0xffffffff), { nil: undefined }))
    .map(([every, negated, packetSeed]) => ({
      mode: plain("nth"),
      every: { value: every, negated, span: noSpan },
      ...(packetSeed === undefined ? {} : { packet: plain(packetSeed % every) }),
    }));
  return fc.oneof(random, nth);
}

/**
 * `-m hashlimit`: one of `--hashlimit-upto`/`--hashlimit-above`, a name, and a burst that fits the rate: at
 * most 1000000 packets for a packet rate; for a byte rate at least what the kernel keeps of the rate,
 * which is below twice the rate plus 32 bytes (16-byte units, rounded through a 32-bit cost).
 */
const hashlimitConstraint = adjusted(
  { required: ["name"], exactlyOne: [["upto", "above"]], excluded: ["burst"] },
  () => fc.option(fc.tuple(fc.constantFrom("", "b", "kb"), arbUint(0, 0xffffffff)), { nil: undefined }),
  (fields, burstSeed) => {
    const rate = (fields.upto ?? fields.above)?.value as { kind: "packets" } | { kind: "bytes"; count: number; scale: "b" | "kb" | "mb" } | undefined;
    if (burstSeed === undefined || rate === undefined) return fields;
    const [scale, seed] = burstSeed;
    if (rate.kind === "packets") {
      const max = scale === "kb" ? 976 : 1000000;
      return { ...fields, burst: plain({ count: 1 + (seed % max), scale }) };
    }
    const bytesPerSecond = rate.count * (rate.scale === "mb" ? 1048576 : rate.scale === "kb" ? 1024 : 1);
    const least = 2 * bytesPerSecond + 32;
    return { ...fields, burst: plain(scale === "kb" ? { count: Math.ceil(least / 1024) + (seed % 64), scale } : { count: least + (seed % 4096), scale: scale === "" ? "" : "b" }) };
  },
);

/** `-m time`: `--contiguous` only when the stop time is earlier than the start time (defaults 00:00:00 and 23:59:59). */
const timeConstraint = adjusted(
  { atMostOne: [["utc", "kerneltz"]], excluded: ["contiguous"] },
  () => fc.option(fc.tuple(fc.integer({ min: 0, max: 86399 }), fc.integer({ min: 0, max: 86399 })), { nil: undefined }),
  (fields, times) => (times === undefined ? fields : { ...fields, timestart: plain(Math.max(...times)), timestop: plain(Math.min(...times)), contiguous: plain(true) }),
);

/** `-m string`: `--from` no later than `--to`. */
const stringConstraint = adjusted(
  { required: ["algo"], exactlyOne: [["string", "hexString"]] },
  () => fc.constant(undefined),
  (fields) => {
    const from = fields.from?.value as number | undefined;
    const to = fields.to?.value as number | undefined;
    return from !== undefined && to !== undefined && from > to ? { ...fields, from: plain(to), to: plain(from) } : fields;
  },
);

/** HMARK selectors other than the tuple, with the tuple field that sets the same mask. */
const hmarkMaskOfField: Readonly<Record<string, string>> = { src: "hmarkSrcPrefix", dst: "hmarkDstPrefix", sport: "hmarkSportMask", dport: "hmarkDportMask", spi: "hmarkSpiMask", proto: "hmarkProtoMask" };

/**
 * `-j HMARK`: `--hmark-mod` and `--hmark-rnd`; a tuple field and the mask option it sets never both; the
 * SPI mask never with the port masks; and at least one selector (the tuple or a prefix, mask or value).
 */
function arbHmarkOptions(schema: AnyModuleSchema, cx: ValueContext): fc.Arbitrary<OptionFields> {
  const world = (spi: boolean): fc.Arbitrary<OptionFields> => {
    const fields = ["src", "dst", "proto", "ct", ...(spi ? ["spi"] : ["sport", "dport"])];
    const banned = spi ? ["hmarkSportMask", "hmarkDportMask"] : ["hmarkSpiMask"];
    const withTuple = fc
      .subarray(fields, { minLength: 1 })
      .chain((tuple) =>
        arbOptionsWith(schema, cx, ["hmarkMod", "hmarkRnd"], [...banned, "hmarkTuple", ...tuple.map((f) => hmarkMaskOfField[f] ?? "")].filter((k) => k !== "")).map((f) => ({
          ...f,
          hmarkTuple: plain(["src", "dst", "sport", "dport", "spi", "proto", "ct"].filter((x) => tuple.includes(x))),
        })),
      );
    const selectors = ["hmarkSrcPrefix", "hmarkDstPrefix", "hmarkSportMask", "hmarkDportMask", "hmarkSpiMask", "hmarkSport", "hmarkDport", "hmarkSpi", "hmarkProtoMask"].filter((k) => !banned.includes(k));
    const withoutTuple = fc.oneof(...selectors.map((k) => arbOptionsWith(schema, cx, ["hmarkMod", "hmarkRnd", k], [...banned, "hmarkTuple"])));
    return fc.oneof(withTuple, withoutTuple);
  };
  return fc.oneof(world(false), world(true));
}

const options = (constraint: OptionConstraint): ModuleConstraint => ({ type: "options", constraint });
const custom = (arb: (schema: AnyModuleSchema, cx: ValueContext) => fc.Arbitrary<OptionFields>): ModuleConstraint => ({ type: "custom", arb });
const requires = (...keys: string[]): ModuleConstraint => options({ required: keys });
const oneOf = (...keys: string[]): ModuleConstraint => options({ exactlyOne: [keys] });

/**
 * Schemas whose `check` rejects some option combinations, and how to generate only accepted ones. Every
 * schema with a `check` needs an entry (a schema whose check accepts every combination may have none).
 */
export const moduleConstraints: Readonly<Record<string, ModuleConstraint>> = {
  // Matches (src/ast/matches: conntrack, rates, meta, sets, marks; protocols' tcp).
  comment: requires("comment"),
  conntrack: options({ anyOption: true }),
  state: requires("state"),
  helper: requires("helper"),
  connbytes: requires("connbytes", "mode", "dir"),
  connlabel: requires("label"),
  connlimit: options({ exactlyOne: [["upto", "above"]], atMostOne: [["saddr", "daddr"]] }),
  mark: requires("mark"),
  connmark: requires("mark"),
  statistic: custom(arbStatisticOptions),
  hashlimit: hashlimitConstraint,
  quota: requires("quota"),
  recent: options({
    exactlyOne: [["set", "rcheck", "update", "remove"]],
    atMostOne: [["rsource", "rdest"]],
    implies: [["reap", ["seconds"]]],
    forbids: [
      ["set", ["seconds", "hitcount", "rttl"]],
      ["remove", ["seconds", "hitcount", "rttl"]],
    ],
  }),
  owner: options({ atLeastOne: [["socketExists", "uidOwner", "gidOwner"]], implies: [["supplGroups", ["gidOwner"]]] }),
  time: timeConstraint,
  nfacct: requires("nfacctName"),
  physdev: options({ anyOption: true }),
  u32: requires("u32"),
  string: stringConstraint,
  bpf: oneOf("bytecode", "objectPinned"),
  set: options({ required: ["matchSet"], atMostOne: [["packetsEq", "packetsLt", "packetsGt"], ["bytesEq", "bytesLt", "bytesGt"]] }),
  tcp: options({ atMostOne: [["syn", "tcpFlags"]] }),
  // Targets (src/ast/targets).
  MARK: oneOf("setXmark", "setMark", "andMark", "orMark", "xorMark"),
  CONNMARK: options({
    exactlyOne: [["setXmark", "setMark", "andMark", "orMark", "xorMark", "saveMark", "restoreMark"]],
    impliesOneOf: [
      ["nfmask", ["saveMark", "restoreMark"]],
      ["ctmask", ["saveMark", "restoreMark"]],
      ["mask", ["saveMark", "restoreMark"]],
    ],
    forbids: [["mask", ["nfmask", "ctmask"]]],
    atMostOne: [["leftShiftMark", "rightShiftMark"]],
  }),
  HMARK: custom(arbHmarkOptions),
  DNAT: requires("toDestination"),
  SNAT: requires("toSource"),
  NETMAP: requires("to"),
  SNPT: requires("srcPfx", "dstPfx"),
  DNPT: requires("srcPfx", "dstPfx"),
  AUDIT: requires("type"),
  NFLOG: options({ atMostOne: [["nflogSize", "nflogRange"]] }),
  NFQUEUE: options({ atMostOne: [["queueNum", "queueBalance"]], implies: [["queueCpuFanout", ["queueBalance"]]] }),
  CT: options({ atMostOne: [["zone", "zoneOrig", "zoneReply"]] }),
  TPROXY: requires("onPort"),
  TEE: requires("gateway"),
  SET: options({
    atLeastOne: [["addSet", "delSet", "mapSet"]],
    implies: [
      ["exist", ["addSet"]],
      ["timeout", ["addSet"]],
      ["mapMark", ["mapSet"]],
      ["mapPrio", ["mapSet"]],
      ["mapQueue", ["mapSet"]],
    ],
    impliesOneOf: [["mapSet", ["mapMark", "mapPrio", "mapQueue"]]],
  }),
  IDLETIMER: requires("timeout", "label"),
  LED: requires("ledTriggerId"),
  TCPMSS: oneOf("setMss", "clampMssToPmtu"),
  TTL: oneOf("ttlSet", "ttlDec", "ttlInc"),
  HL: oneOf("hlSet", "hlDec", "hlInc"),
  DSCP: oneOf("setDscp", "setDscpClass"),
  TOS: oneOf("setTos", "andTos", "orTos", "xorTos"),
  ECN: options({ atLeastOne: [["ecnTcpRemove", "ecnTcpEce", "ecnTcpCwr", "ecnIpEct"]], forbids: [["ecnTcpRemove", ["ecnTcpEce", "ecnTcpCwr"]]] }),
  CHECKSUM: requires("checksumFill"),
  CLASSIFY: requires("setClass"),
  CONNSECMARK: oneOf("save", "restore"),
  SECMARK: requires("selctx"),
  // Packet header matches (part A: protocols, packet, addresses).
  ...matchesAConstraints,
};

/** The options of a schema's node: generated by its constraint entry, checked by its own `check`. */
export function arbModuleOptions(schema: AnyModuleSchema, cx: ValueContext): fc.Arbitrary<OptionFields> {
  const entry = moduleConstraints[schema.name];
  const arb = entry === undefined ? arbConstrainedOptions(schema, {}, cx) : entry.type === "custom" ? entry.arb(schema, cx) : arbConstrainedOptions(schema, entry.constraint, cx);
  return arb.map((fields) => {
    const issues = schema.check?.(fields, { protocol: cx.protocol, family: cx.family }) ?? [];
    // Warnings (a rule the kernel would refuse, such as ports without -p) still parse and print.
    if (issues.some((i) => i.severity !== "warning")) {
      const why = issues.map((i) => i.message).join("; ");
      throw new Error(`test/arb: generated ${schema.name} options that its check rejects (${why}); add or fix its entry in moduleConstraints in test/arb/modules.ts`);
    }
    return fields;
  });
}

/** Schemas usable in a ruleset of the context's family (family-restricted ones only in theirs). */
function schemasFor(schemas: Readonly<Record<string, AnyModuleSchema>>, cx: ValueContext): AnyModuleSchema[] {
  return Object.values(schemas).filter(
    (s) => (s.family === undefined || s.family === cx.family) && (s.protocols === undefined || (cx.protocol !== undefined && s.protocols.includes(cx.protocol))),
  );
}

const knownMatchSchemas = matchSchemas as unknown as Readonly<Record<string, AnyModuleSchema>>;
const knownTargetSchemas = targetSchemas as unknown as Readonly<Record<string, AnyModuleSchema>>;

const knownMatchByFamily = new Map<string, fc.Arbitrary<KnownMatch>>();
const knownTargetByFamily = new Map<string, fc.Arbitrary<KnownTarget>>();

/** Builds an arbitrary once per family: rulesets build their rules inside `chain`, once per table. */
function memoByFamily<T>(memo: Map<string, T>, cx: ValueContext, build: () => T): T {
  const key = `${cx.family} ${String(cx.protocol)}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const made = build();
  memo.set(key, made);
  return made;
}

/** A known match module node, `{ kind, ...options, span }`. */
export function arbKnownMatch(cx: ValueContext): fc.Arbitrary<KnownMatch> {
  return memoByFamily(knownMatchByFamily, cx, () => fc.oneof(...schemasFor(knownMatchSchemas, cx).map((s) => arbModuleOptions(s, cx).map((fields) => ({ kind: s.name, ...fields, span: noSpan }) as unknown as KnownMatch))),
  );
}

/** A known target extension node, `{ kind, ...options, span }`. */
export function arbKnownTarget(cx: ValueContext): fc.Arbitrary<KnownTarget> {
  return memoByFamily(knownTargetByFamily, cx, () => fc.oneof(...schemasFor(knownTargetSchemas, cx).map((s) => arbModuleOptions(s, cx).map((fields) => ({ kind: s.name, ...fields, span: noSpan }) as unknown as KnownTarget))),
  );
}

/**
 * Argument words of an unknown module: option groups `[!] --unk-NAME [VALUE...]`. Option names carry a
 * prefix no schema uses, so no known module claims them. Values never contain line breaks, and are
 * neither `!` nor shaped like an option (`-A`, `--x`): the AST keeps an unknown module's words as one flat
 * list, so the printer writes such words bare, as the options they usually are, and they would re-parse
 * as a negation, a command or a generic option (see test/parse/regressions.test.ts).
 */
export function arbUnknownArgs(minGroups: number): fc.Arbitrary<readonly string[]> {
  const optionName = fc.string({ unit: arbCharOf("abcdefghijklmnopqrstuvwxyz0123456789-"), minLength: 1, maxLength: 10 }).map((s) => `--unk-${s}`);
  const value = arbFreeText(40).map((v) => (v === "!" || /^--?[a-zA-Z][a-zA-Z0-9_-]*$/.test(v) ? `x${v}` : v));
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
