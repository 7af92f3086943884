/**
 * Option sets the `check`s of the part A match schemas (src/ast/matches/protocols.ts, packet.ts,
 * addresses.ts) accept, as `moduleConstraints` entries (test/arb/modules.ts) to spread into that table.
 * Their values come from ./matches-a-values.ts for part A's custom domains and from ./values.ts otherwise.
 * @module
 */
import fc from "fast-check";
import { noSpan } from "../../src/diagnostic/index.js";
import type { Domain, OptionValue } from "../../src/ast/schema.js";
import { matchesACustomArbitraries } from "./matches-a-values.js";
import type { AnyModuleSchema, ModuleConstraint, OptionFields } from "./modules.js";
import { type ValueContext, arbValueOf, customValueArbitraries } from "./values.js";

/** A value of the domain: part A's custom domains here, everything else as test/arb/values.ts makes it. */
function arbValue(domain: Domain, cx: ValueContext): fc.Arbitrary<unknown> {
  if (domain.type === "custom") {
    const make = matchesACustomArbitraries[domain.name] ?? customValueArbitraries[domain.name];
    if (make !== undefined) return make(cx);
  }
  return arbValueOf(domain, cx);
}

function optionValue(schema: AnyModuleSchema, key: string, cx: ValueContext): fc.Arbitrary<OptionValue<unknown>> {
  const spec = schema.options[key];
  if (spec === undefined) throw new Error(`test/arb: schema ${schema.name} has no option "${key}"`);
  return fc.tuple(arbValue(spec.codec.domain, cx), spec.negatable ? fc.boolean() : fc.constant(false)).map(([value, negated]) => ({ value, negated, span: noSpan }));
}

/** Options of `schema`: `required` present, `excluded` absent, the others at random. */
function arbOptions(schema: AnyModuleSchema, cx: ValueContext, required: readonly string[] = [], excluded: readonly string[] = []): fc.Arbitrary<OptionFields> {
  const model: Record<string, fc.Arbitrary<OptionValue<unknown>>> = {};
  for (const key of Object.keys(schema.options)) if (!excluded.includes(key)) model[key] = optionValue(schema, key, cx);
  return fc.record(model, { requiredKeys: [...required], noNullPrototype: true });
}

/** One plan per key of `keys`: that key present, the others at random (so at least one is present). */
function atLeastOne(schema: AnyModuleSchema, cx: ValueContext, keys: readonly string[], excluded: readonly string[] = []): fc.Arbitrary<OptionFields> {
  return fc.oneof(...keys.map((k) => arbOptions(schema, cx, [k], excluded)));
}

/** Exactly one of `keys` present, the other options at random. */
function exactlyOneOf(schema: AnyModuleSchema, cx: ValueContext, keys: readonly string[], required: readonly string[] = []): fc.Arbitrary<OptionFields> {
  return fc.oneof(...keys.map((k) => arbOptions(schema, cx, [...required, k], keys.filter((o) => o !== k))));
}

const custom = (arb: (schema: AnyModuleSchema, cx: ValueContext) => fc.Arbitrary<OptionFields>): ModuleConstraint => ({ type: "custom", arb });
const requires = (...keys: string[]): ModuleConstraint => custom((s, cx) => arbOptions(s, cx, keys));
const oneOf = (...keys: string[]): ModuleConstraint => custom((s, cx) => exactlyOneOf(s, cx, keys));

/** `-m cluster`: total nodes and seed, and a local node no higher than the total, or a node mask. */
function arbClusterOptions(schema: AnyModuleSchema, cx: ValueContext): fc.Arbitrary<OptionFields> {
  const withMask = arbOptions(schema, cx, ["totalNodes", "hashSeed", "localNodemask"], ["localNode"]);
  const withNode = fc.tuple(arbOptions(schema, cx, ["totalNodes", "hashSeed"], ["localNode", "localNodemask"]), fc.integer({ min: 1, max: 32 }), fc.boolean()).map(([fields, seed, negated]) => {
    const total = fields.totalNodes?.value as number;
    return { ...fields, localNode: { value: 1 + (seed % total), negated, span: noSpan } };
  });
  return fc.oneof(withMask, withNode);
}

/** `-m rt`: the type 0 options only with `--rt-type 0`, `--rt-0-not-strict` only with `--rt-0-addrs`. */
function arbRtOptions(schema: AnyModuleSchema, cx: ValueContext): fc.Arbitrary<OptionFields> {
  const plain = arbOptions(schema, cx, [], ["rt0Res", "rt0Addrs", "rt0NotStrict"]);
  const type0 = fc.tuple(arbOptions(schema, cx, [], ["rtType", "rt0NotStrict"]), fc.boolean()).map(([fields, notStrict]) => ({
    ...fields,
    rtType: { value: 0, negated: false, span: noSpan },
    ...(notStrict && fields.rt0Addrs !== undefined ? { rt0NotStrict: { value: true, negated: false, span: noSpan } } : {}),
  }));
  return fc.oneof(plain, type0);
}

const policyElement = ["reqid", "spi", "proto", "mode", "tunnelDst", "tunnelSrc"];

/**
 * `-m policy`: `--dir` always; with `--pol none` no element options and no `--strict`; `--strict` with at
 * least one element option; tunnel addresses only in tunnel mode (`--mode tunnel` or `! --mode transport`).
 */
function arbPolicyOptions(schema: AnyModuleSchema, cx: ValueContext): fc.Arbitrary<OptionFields> {
  const flagValue = (value: unknown, negated = false): OptionValue<unknown> => ({ value, negated, span: noSpan });
  const none = arbOptions(schema, cx, ["dir"], ["pol", "strict", ...policyElement]).map((f) => ({ ...f, pol: flagValue("none") }));
  const noTunnel = ["pol", "strict", "mode", "tunnelDst", "tunnelSrc"];
  const ipsecPlain = fc
    .tuple(arbOptions(schema, cx, ["dir"], noTunnel), fc.option(fc.boolean(), { nil: undefined }), fc.boolean())
    .map(([f, pol, strict]) => ({ ...f, ...(pol === undefined ? {} : { pol: flagValue("ipsec") }), ...(strict && Object.keys(f).some((k) => policyElement.includes(k)) ? { strict: flagValue(true) } : {}) }));
  const tunnelMode = fc.constantFrom(flagValue("tunnel"), flagValue("transport", true));
  const ipsecTunnel = fc
    .tuple(atLeastOne(schema, cx, ["tunnelDst", "tunnelSrc"], ["pol", "strict", "mode"]), tunnelMode, fc.boolean())
    .map(([f, mode, strict]) => ({ ...f, mode, pol: flagValue("ipsec"), ...(strict ? { strict: flagValue(true) } : {}) }));
  const transport = fc.tuple(arbOptions(schema, cx, ["dir"], noTunnel), fc.boolean()).map(([f, negated]) => ({ ...f, mode: flagValue(negated ? "tunnel" : "transport", negated) }));
  return fc.oneof(none, ipsecPlain, ipsecTunnel.chain((f) => optionValue(schema, "dir", cx).map((dir) => ({ ...f, dir }))), transport);
}

/** Option sets part A's schemas accept, by module name. */
export const matchesAConstraints: Readonly<Record<string, ModuleConstraint>> = {
  icmp: requires("icmpType"),
  icmp6: requires("icmpv6Type"),
  // --ahlen and --ahres exist only in ip6tables' ah.
  ah: custom((s, cx) => arbOptions(s, cx, [], cx.family === "ipv4" ? ["ahlen", "ahres"] : [])),
  length: requires("length"),
  ttl: oneOf("ttlEq", "ttlLt", "ttlGt"),
  hl: oneOf("hlEq", "hlLt", "hlGt"),
  dscp: requires("dscp"),
  tos: requires("tos"),
  ecn: custom((s, cx) => atLeastOne(s, cx, ["ecnTcpEce", "ecnTcpCwr", "ecnIpEct"])),
  pkttype: requires("pktType"),
  tcpmss: requires("mss"),
  mac: requires("macSource"),
  realm: requires("realm"),
  devgroup: custom((s, cx) => atLeastOne(s, cx, ["srcGroup", "dstGroup"])),
  cpu: requires("cpu"),
  cgroup: oneOf("path", "cgroup"),
  cluster: custom(arbClusterOptions),
  frag: custom((s, cx) => fc.oneof(arbOptions(s, cx, [], ["fragmore"]), arbOptions(s, cx, [], ["fraglast"]))),
  rt: custom(arbRtOptions),
  ipv6header: requires("header"),
  addrtype: custom((s, cx) => fc.oneof(atLeastOne(s, cx, ["srcType", "dstType"], ["limitIfaceOut"]), atLeastOne(s, cx, ["srcType", "dstType"], ["limitIfaceIn"]))),
  iprange: custom((s, cx) => atLeastOne(s, cx, ["srcRange", "dstRange"])),
  multiport: oneOf("sports", "dports", "ports"),
  policy: custom(arbPolicyOptions),
};

/** For tests: a generated value set for one of part A's schemas, checked against the schema's `check`. */
export function arbMatchesAOptions(schema: AnyModuleSchema, cx: ValueContext): fc.Arbitrary<OptionFields> {
  const entry = matchesAConstraints[schema.name];
  const arb = entry === undefined ? arbOptions(schema, cx) : entry.type === "custom" ? entry.arb(schema, cx) : arbOptions(schema, cx, entry.constraint.required ?? []);
  return arb.map((fields) => {
    const issues = schema.check?.(fields, { protocol: cx.protocol, family: cx.family }) ?? [];
    // Warnings (a rule the kernel would refuse, such as ports without -p) still parse and print.
    if (issues.some((i) => i.severity !== "warning")) throw new Error(`test/arb: generated ${schema.name} options its check rejects: ${issues.map((i) => i.message).join("; ")}`);
    return fields;
  });
}
