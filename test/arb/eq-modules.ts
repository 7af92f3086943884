/**
 * Match and target modules for the equivalence property, as typed AST nodes whose option values come from
 * the shared vocabulary (test/arb/eq-vocabulary.ts): values packets actually hit, not the whole domain of
 * each codec (test/arb/modules.ts covers that, for the parse round trip).
 *
 * Each module is described by variants: which options a node has (always, or sometimes) and the words
 * each option's value is parsed from, once, by the option's own codec. A node is a record of those
 * options, so fast-check shrinks it by dropping optional options, clearing negations and picking earlier
 * words. A node its schema's check rejects throws, naming the module: the vocabulary is wrong then.
 *
 * Where a module goes depends on the rule around it ({@link EqRuleContext}): its table and the hooks its
 * chain runs at (the kernel's own restrictions, as `-j DNAT` only in nat PREROUTING/OUTPUT) and its `-p`.
 * @module
 */
import fc from "fast-check";
import { noSpan } from "../../src/diagnostic/index.js";
import { CodecError, type Family, type KnownMatch, type KnownTarget, type Match, type ModuleSchema, type OptionSpecs, type OptionValue, type TableName, type Target, matchSchemas, targetSchemas } from "../../src/ast/index.js";
import type { ModuleNode, OptionsOf } from "../../src/ast/schema.js";
import type { Hook } from "../../src/eval/index.js";
import { forFamily, ruleAddresses, ruleInterfaces, ruleMarks, rulePorts, ruleRanges } from "./eq-vocabulary.js";

/** Where a generated rule sits: its table, the hooks its chain runs at, and its `-p` (when positive). */
export interface EqRuleContext {
  readonly family: Family;
  readonly table: TableName;
  /** Every hook the chain may run at (a user chain: those of all its callers). */
  readonly hooks: readonly Hook[];
  readonly protocol?: number;
  /** Whether the chain is a user chain (reached by jumps from chains at possibly different hooks). */
  readonly userChain: boolean;
}

/** The option words of one way to write a module: options always present, and options sometimes present. */
export interface ModuleVariant<O extends OptionSpecs> {
  /** Each option's values, as the words after the option name (split at spaces; `""` for a flag). */
  readonly required?: { readonly [K in keyof O]?: readonly string[] };
  readonly optional?: { readonly [K in keyof O]?: readonly string[] };
  /** Negatable options never negated here (their negation is refused or not modelled). */
  readonly plain?: readonly (keyof O & string)[];
}

/** One option's values parsed by its codec, each with or without `!`. */
function arbOption(schema: ModuleSchema<string, OptionSpecs>, key: string, words: readonly string[], family: Family, plain: boolean): fc.Arbitrary<OptionValue<unknown>> {
  const spec = schema.options[key];
  if (spec === undefined) throw new Error(`test/arb/eq-modules: ${schema.name} has no option ${key}`);
  const values = words.map((w) => {
    const args = spec.codec.arity === 0 ? [] : forFamily(family, w).split(" ");
    const v: unknown = spec.codec.parse(args, { family });
    if (v instanceof CodecError) throw new Error(`test/arb/eq-modules: ${schema.name} ${spec.names[0]} ${w}: ${v.message}`);
    return v;
  });
  const negated = spec.negatable && !plain ? fc.boolean() : fc.constant(false);
  return fc.record({ value: fc.constantFrom(...values), negated, span: fc.constant(noSpan) });
}

/** A node of `schema` written one of the `variants` ways, checked by the schema's own check. */
export function arbModuleNode<N extends string, O extends OptionSpecs>(schema: ModuleSchema<N, O>, cx: EqRuleContext, ...variants: readonly ModuleVariant<O>[]): fc.Arbitrary<ModuleNode<N, O>> {
  const generic = schema as unknown as ModuleSchema<string, OptionSpecs>;
  const arbs = variants.map((variant) => {
    const model: Record<string, fc.Arbitrary<OptionValue<unknown>>> = {};
    const plain = new Set<string>(variant.plain ?? []);
    const required: string[] = [];
    for (const [key, words] of Object.entries(variant.required ?? {}) as [string, readonly string[]][]) {
      model[key] = arbOption(generic, key, words, cx.family, plain.has(key));
      required.push(key);
    }
    for (const [key, words] of Object.entries(variant.optional ?? {}) as [string, readonly string[]][]) model[key] = arbOption(generic, key, words, cx.family, plain.has(key));
    return fc.record(model, { requiredKeys: required, noNullPrototype: true });
  });
  const arb = arbs.length === 1 && arbs[0] !== undefined ? arbs[0] : fc.oneof(...arbs);
  return arb.map((fields) => {
    const options = fields as OptionsOf<O>;
    const issues = (schema.check?.(options, { protocol: cx.protocol, family: cx.family }) ?? []).filter((i) => i.severity !== "warning");
    if (issues.length > 0) throw new Error(`test/arb/eq-modules: generated ${schema.name} that its check rejects: ${issues.map((i) => i.message).join("; ")}`);
    const node: ModuleNode<N, O> = { kind: schema.name, span: noSpan, ...options };
    return node;
  });
}

/**
 * A hashlimit name for these settings: xt_hashlimit shares one table among rules of one name (with the
 * first rule's settings), which the translator refuses, so rules with other settings get other names.
 */
function hashlimitName(table: TableName, m: ModuleNode<"hashlimit", (typeof matchSchemas.hashlimit)["options"]>): string {
  const settings = JSON.stringify([m.upto?.value, m.above?.value, m.burst?.value, m.mode?.value]);
  let hash = 0;
  for (const ch of settings) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `${table}_${hash.toString(36)}`;
}

const hooksWithInput: readonly Hook[] = ["prerouting", "input", "forward"];
const hooksWithOutput: readonly Hook[] = ["forward", "output", "postrouting"];
const within = (cx: EqRuleContext, allowed: readonly Hook[]): boolean => cx.hooks.every((h) => allowed.includes(h));
const transport = (cx: EqRuleContext): boolean => cx.protocol === 6 || cx.protocol === 17 || cx.protocol === 132;

// ---------------------------------------------------------------- matches

/**
 * How to generate each match module that both evaluators model and the translator translates, or undefined
 * where the module cannot go in this context. Modules not listed here are left out of the equivalence
 * property, each for the reason test/eval/equivalence.property.test.ts gives.
 */
export const eqMatchBuilders: { readonly [K in KnownMatch["kind"]]?: (cx: EqRuleContext) => fc.Arbitrary<Match> | undefined } = {
  tcp: (cx) =>
    cx.protocol !== 6
      ? undefined
      : arbModuleNode(
          matchSchemas.tcp,
          cx,
          { optional: { sport: rulePorts, dport: rulePorts, tcpOption: ["2", "3"] } },
          { required: { tcpFlags: ["SYN,RST,ACK,FIN SYN", "SYN,ACK SYN,ACK", "ALL ACK", "FIN,ACK FIN,ACK", "RST RST"] }, optional: { dport: rulePorts } },
          { required: { syn: [""] }, optional: { dport: rulePorts } },
        ),
  udp: (cx) => (cx.protocol !== 17 ? undefined : arbModuleNode(matchSchemas.udp, cx, { optional: { sport: rulePorts, dport: rulePorts } })),
  sctp: (cx) => (cx.protocol !== 132 ? undefined : arbModuleNode(matchSchemas.sctp, cx, { optional: { sport: rulePorts, dport: rulePorts } })),
  icmp: (cx) => (cx.protocol !== 1 || cx.family !== "ipv4" ? undefined : arbModuleNode(matchSchemas.icmp, cx, { required: { icmpType: ["8", "0", "3/3", "3", "any"] } })),
  icmp6: (cx) => (cx.protocol !== 58 || cx.family !== "ipv6" ? undefined : arbModuleNode(matchSchemas.icmp6, cx, { required: { icmpv6Type: ["128", "129", "1/4", "1", "133"] } })),
  multiport: (cx) =>
    !transport(cx)
      ? undefined
      : arbModuleNode(matchSchemas.multiport, cx, { required: { dports: ["22,80:90,8080", "53,1000:2000"] } }, { required: { sports: ["53,1000:2000", "22"] } }, { required: { ports: ["80,8080", "1000:2000"] } }),
  iprange: (cx) => arbModuleNode(matchSchemas.iprange, cx, { optional: { srcRange: ruleRanges }, required: { dstRange: ruleRanges } }, { required: { srcRange: ruleRanges } }),
  addrtype: (cx) => {
    const types = cx.family === "ipv4" ? ["LOCAL", "UNICAST", "BROADCAST", "MULTICAST", "LOCAL,BROADCAST", "UNSPEC"] : ["LOCAL", "UNICAST", "MULTICAST", "UNSPEC"];
    // In IPv6 an interface-bound lookup is refused by the translator (xt_addrtype and nft's fib differ there).
    const iface = cx.family === "ipv6" ? {} : within(cx, hooksWithInput) ? { limitIfaceIn: [""] } : within(cx, hooksWithOutput) ? { limitIfaceOut: [""] } : {};
    return arbModuleNode(matchSchemas.addrtype, cx, { required: { dstType: types }, optional: { srcType: types, ...iface } }, { required: { srcType: types }, optional: iface });
  },
  mark: (cx) => arbModuleNode(matchSchemas.mark, cx, { required: { mark: ruleMarks } }),
  connmark: (cx) => arbModuleNode(matchSchemas.connmark, cx, { required: { mark: ruleMarks } }),
  state: (cx) => arbModuleNode(matchSchemas.state, cx, { required: { state: ["NEW", "ESTABLISHED", "RELATED,ESTABLISHED", "INVALID", "UNTRACKED", "NEW,ESTABLISHED"] } }),
  conntrack: (cx) =>
    arbModuleNode(
      matchSchemas.conntrack,
      cx,
      { required: { ctstate: ["NEW", "ESTABLISHED", "RELATED,ESTABLISHED", "INVALID", "UNTRACKED", "NEW,UNTRACKED"] } },
      // `! --ctstate DNAT` also matches packets without a connection: refused by the translator.
      { required: { ctstate: ["DNAT", "SNAT"] }, plain: ["ctstate"] },
      { required: { ctstatus: ["CONFIRMED", "ASSURED", "SEEN_REPLY", "EXPECTED", "NONE"] } },
      { required: { ctdir: ["ORIGINAL", "REPLY"] } },
      { required: { ctproto: ["6", "17"] } },
      { required: { ctorigdst: ruleAddresses } },
      { required: { ctorigsrc: ruleAddresses } },
      { required: { ctreplsrc: ruleAddresses } },
      { required: { ctrepldst: ruleAddresses } },
      // nft reads ct proto-src/proto-dst only after a protocol match.
      { required: { ctproto: ["6", "17"], ctorigdstport: rulePorts }, optional: { ctorigdst: ruleAddresses }, plain: ["ctproto"] },
      { required: { ctproto: ["6", "17"], ctorigsrcport: rulePorts }, plain: ["ctproto"] },
      { required: { ctproto: ["6", "17"], ctreplsrcport: rulePorts }, optional: { ctrepldstport: rulePorts }, plain: ["ctproto"] },
      { required: { ctexpire: ["0:60", "100:200"] } },
    ),
  helper: (cx) => arbModuleNode(matchSchemas.helper, cx, { required: { helper: ["ftp", "sip"] }, plain: ["helper"] }),
  connbytes: (cx) => arbModuleNode(matchSchemas.connbytes, cx, { required: { connbytes: ["0:1", "2", "10:100", "100:1000"], mode: ["packets", "bytes", "avgpkt"], dir: ["original", "reply", "both"] } }),
  connlabel: (cx) => arbModuleNode(matchSchemas.connlabel, cx, { required: { label: ["3", "5"] }, plain: ["label"] }),
  length: (cx) => arbModuleNode(matchSchemas.length, cx, { required: { length: ["100:500", "60", "1000:65535"] } }),
  ttl: (cx) => (cx.family !== "ipv4" ? undefined : arbModuleNode(matchSchemas.ttl, cx, { required: { ttlEq: ["64", "1"] } }, { required: { ttlGt: ["64"] } }, { required: { ttlLt: ["2", "65"] } })),
  hl: (cx) => (cx.family !== "ipv6" ? undefined : arbModuleNode(matchSchemas.hl, cx, { required: { hlEq: ["64", "1"] } }, { required: { hlGt: ["64"] } }, { required: { hlLt: ["2", "65"] } })),
  tos: (cx) => (cx.family !== "ipv4" ? undefined : arbModuleNode(matchSchemas.tos, cx, { required: { tos: ["0x10/0x3f", "0x00/0xff", "0x28/0xfc"] } })),
  dscp: (cx) => arbModuleNode(matchSchemas.dscp, cx, { required: { dscp: ["0x0a", "0x00", "0x2e"] } }),
  ecn: (cx) => arbModuleNode(matchSchemas.ecn, cx, { required: { ecnIpEct: ["0", "1", "3"] } }),
  pkttype: (cx) => arbModuleNode(matchSchemas.pkttype, cx, { required: { pktType: ["unicast", "broadcast", "multicast"] } }),
  cpu: (cx) => arbModuleNode(matchSchemas.cpu, cx, { required: { cpu: ["0", "1"] } }),
  mac: (cx) => (!within(cx, ["prerouting", "input", "forward"]) ? undefined : arbModuleNode(matchSchemas.mac, cx, { required: { macSource: ["00:11:22:33:44:55"] } })),
  tcpmss: (cx) => (cx.protocol !== 6 ? undefined : arbModuleNode(matchSchemas.tcpmss, cx, { required: { mss: ["1000:1500", "536"] }, plain: ["mss"] })),
  owner: (cx) =>
    !within(cx, ["output", "postrouting"])
      ? undefined
      : // Only negated owner options also match packets without a socket: refused by the translator; so is --socket-exists.
        arbModuleNode(matchSchemas.owner, cx, { required: { uidOwner: ["0", "1000", "0-999"] }, optional: { gidOwner: ["0", "100"] }, plain: ["uidOwner"] }, { required: { gidOwner: ["0", "100"] }, plain: ["gidOwner"] }),
  socket: (cx) => (!within(cx, ["prerouting", "input"]) ? undefined : arbModuleNode(matchSchemas.socket, cx, { required: { nowildcard: [""] }, optional: { transparent: [""] } })),
  comment: (cx) => arbModuleNode(matchSchemas.comment, cx, { required: { comment: ["generated rule", "x"] } }),
  nfacct: (cx) => arbModuleNode(matchSchemas.nfacct, cx, { required: { nfacctName: ["acct1", "acct2"] } }),
  statistic: (cx) =>
    arbModuleNode(
      matchSchemas.statistic,
      cx,
      { required: { mode: ["random"], probability: ["0.25000000000", "0.50000000000", "0.33333333349", "0.10000000009", "0.99999999953"] } },
      { required: { mode: ["nth"], every: ["2"] }, optional: { packet: ["0", "1"] } },
      { required: { mode: ["nth"], every: ["3"] }, optional: { packet: ["0", "2"] } },
    ),
  limit: (cx) => arbModuleNode(matchSchemas.limit, cx, { required: { limit: ["1/sec", "5/sec", "2/min", "10/hour"] }, optional: { burst: ["1", "2", "5"] } }),
  hashlimit: (cx) => {
    // Port modes only after a protocol with ports (the translator refuses them otherwise).
    const modes = transport(cx) ? ["srcip", "dstip", "srcip,dstport", "dstport"] : ["srcip", "dstip", "srcip,dstip"];
    return arbModuleNode(
      matchSchemas.hashlimit,
      cx,
      { required: { upto: ["1/sec", "5/sec", "2/min"], name: ["h"] }, optional: { burst: ["1", "3"], mode: modes }, plain: ["upto"] },
      { required: { above: ["1/sec", "5/sec", "2/min"], name: ["h"] }, optional: { burst: ["1", "3"], mode: modes }, plain: ["above"] },
    ).map((m) => ({ ...m, ...(m.name === undefined ? {} : { name: { ...m.name, value: hashlimitName(cx.table, m) } }) }));
  },
  quota: (cx) => arbModuleNode(matchSchemas.quota, cx, { required: { quota: ["200", "1000", "5000"] } }),
  connlimit: (cx) => {
    const masks = cx.family === "ipv4" ? ["32", "24", "0"] : ["128", "64", "0"];
    return arbModuleNode(
      matchSchemas.connlimit,
      cx,
      { required: { above: ["0", "1", "2"] }, optional: { mask: masks, daddr: [""] } },
      { required: { upto: ["0", "1", "2"] }, optional: { mask: masks, saddr: [""] } },
    );
  },
  recent: (cx) => {
    // xt_recent has one list per name for all tables, nft sets belong to one table: lists per table. An nft
    // set has one timeout, so each list is always checked with the same --seconds (r1: 2, r2: 10), and the list that
    // --remove empties (r3) with none (the translator refuses the other combinations).
    const [r1, r2, r3] = [`${cx.table}r1`, `${cx.table}r2`, `${cx.table}r3`];
    const check = (name: string, seconds: string): ModuleVariant<(typeof matchSchemas.recent)["options"]>[] => [
      { required: { rcheck: [""], name: [name], seconds: [seconds] }, optional: { hitcount: ["1"], rdest: [""] } },
      // `! --update --seconds` refreshes old entries, which nft cannot: refused by the translator.
      { required: { update: [""], name: [name], seconds: [seconds] }, optional: { rdest: [""] }, plain: ["update"] },
    ];
    return arbModuleNode(
      matchSchemas.recent,
      cx,
      { required: { set: [""], name: [r1, r2, r3] }, optional: { rdest: [""] } },
      ...check(r1, "2"),
      ...check(r2, "10"),
      { required: { rcheck: [""], name: [r3] }, optional: { rdest: [""] } },
      { required: { remove: [""], name: [r3] }, plain: ["remove"] },
    );
  },
  set: (cx) =>
    arbModuleNode(
      matchSchemas.set,
      cx,
      { required: { matchSet: ["s_ip src", "s_ip dst", "s_net src", "s_net dst", "s_list src", "s_list dst", `dyn_${cx.table} src`, `dyn_${cx.table} dst`] }, optional: { updateCounters: [""] } },
      // Negated, sets with a port also match later fragments (no port): refused by the translator.
      { required: { matchSet: ["s_ipport src,dst", "s_ipport dst,dst", "s_netport src,src", "s_port dst"] }, optional: { updateCounters: [""] }, plain: ["matchSet"] },
    ),
  time: (cx) =>
    arbModuleNode(
      matchSchemas.time,
      cx,
      { required: { timestart: ["22:13:25", "22:00:00"] }, optional: { timestop: ["22:13:40", "23:00:00"], weekdays: ["Tue", "Wed", "Mon,Tue"], datestart: ["2023-11-14T22:13:30"], datestop: ["2023-11-14T22:13:50"] } },
      { required: { weekdays: ["Tue", "Wed", "Sat,Sun"] } },
      { required: { datestart: ["2023-11-14T22:13:30"] }, optional: { datestop: ["2023-11-14T22:13:50", "2024-01-01T00:00:00"] } },
    ),
  // The kernel allows rpfilter only in PREROUTING of raw and mangle; --accept-local is refused by the translator.
  rpfilter: (cx) =>
    (cx.table !== "raw" && cx.table !== "mangle") || !within(cx, ["prerouting"]) ? undefined : arbModuleNode(matchSchemas.rpfilter, cx, { optional: { loose: [""], validmark: [""], invert: [""] } }),
  rt: (cx) =>
    cx.family !== "ipv6"
      ? undefined
      : arbModuleNode(matchSchemas.rt, cx, { required: { rtType: ["0", "2"] }, optional: { rtSegsleft: ["1", "0:2"] } }, { required: { rtSegsleft: ["1", "2:10"] } }, { required: { rtLen: ["40", "24"] } }),
  esp: (cx) => (cx.protocol !== 50 ? undefined : arbModuleNode(matchSchemas.esp, cx, { optional: { espspi: ipsecSpis } })),
  ipcomp: (cx) => (cx.protocol !== 108 ? undefined : arbModuleNode(matchSchemas.ipcomp, cx, { optional: { ipcompspi: ["256", "100:300", "0"] } })),
  // ipt_ah needs -p ah; ip6tables' -p never sees AH (its header walk skips it), so ip6t_ah goes without -p.
  ah: (cx) =>
    cx.family === "ipv4"
      ? cx.protocol !== 51
        ? undefined
        : arbModuleNode(matchSchemas.ah, cx, { optional: { ahspi: ipsecSpis } })
      : cx.protocol !== undefined
        ? undefined
        : arbModuleNode(matchSchemas.ah, cx, { optional: { ahspi: ipsecSpis, ahlen: ["24", "16"], ahres: [""] } }),
  hbh: (cx) => (cx.family !== "ipv6" ? undefined : arbModuleNode(matchSchemas.hbh, cx, { optional: { hbhLen: ["8", "16", "12"] } })),
  dst: (cx) => (cx.family !== "ipv6" ? undefined : arbModuleNode(matchSchemas.dst, cx, { optional: { dstLen: ["8", "16"] } })),
  // Only tests the translator takes: exact lists (not negated), and --soft on the Fragment header alone.
  ipv6header: (cx) =>
    cx.family !== "ipv6"
      ? undefined
      : arbModuleNode(matchSchemas.ipv6header, cx, { required: { header: ["prot", "hop,prot", "dst,prot", "route,prot", "hop,dst,route,prot", "esp", "hop,esp", "auth"] }, plain: ["header"] }, { required: { header: ["frag"], soft: [""] } }),
  mh: (cx) => (cx.protocol !== 135 ? undefined : arbModuleNode(matchSchemas.mh, cx, { optional: { mhType: ["5", "binding-update", "0:4"] } })),
  dccp: (cx) => (cx.protocol !== 33 ? undefined : arbModuleNode(matchSchemas.dccp, cx, { optional: { sport: rulePorts, dport: rulePorts, dccpTypes: ["REQUEST", "DATA,ACK", "RESET,INVALID"] } })),
  // The kernel allows --src-group only where packets have an input device, --dst-group only where they have an output one.
  devgroup: (cx) => {
    const variants = [...(within(cx, hooksWithInput) ? [{ required: { srcGroup: ["1", "2/0x2"] } }] : []), ...(within(cx, hooksWithOutput) ? [{ required: { dstGroup: ["2", "1/0x1"] } }] : [])];
    return variants.length === 0 ? undefined : arbModuleNode(matchSchemas.devgroup, cx, ...variants);
  },
};

// ---------------------------------------------------------------- targets

const allMangleHooks = (cx: EqRuleContext): boolean => cx.table === "mangle";

/** SPI ranges of `--espspi` and `--ahspi`, around the SPIs packets carry (test/arb/eq-packets.ts). */
const ipsecSpis: readonly string[] = ["256", "100:300", "4294967295"];

/** Reject types per family (tcp-reset only after `-p tcp`). */
function rejectTypes(cx: EqRuleContext): readonly string[] {
  const icmp = cx.family === "ipv4" ? ["icmp-port-unreachable", "icmp-host-prohibited", "icmp-net-unreachable", "icmp-admin-prohibited"] : ["icmp6-port-unreachable", "icmp6-adm-prohibited", "icmp6-no-route", "icmp6-addr-unreachable"];
  return cx.protocol === 6 ? [...icmp, "tcp-reset"] : icmp;
}

/**
 * How to generate each target extension that both evaluators model and the translator translates, or
 * undefined where the kernel does not allow it (table, hook, protocol).
 */
export const eqTargetBuilders: { readonly [K in KnownTarget["kind"]]?: (cx: EqRuleContext) => fc.Arbitrary<Target> | undefined } = {
  MARK: (cx) =>
    arbModuleNode(
      targetSchemas.MARK,
      cx,
      { required: { setXmark: ["0x1/0x1", "0x4000/0x0", "0x2/0xffffffff"] } },
      { required: { setMark: ["0x5", "0x1/0x3"] } },
      { required: { andMark: ["0xf0"] } },
      { required: { orMark: ["0x100", "0x1"] } },
      { required: { xorMark: ["0x3"] } },
    ),
  CONNMARK: (cx) =>
    arbModuleNode(
      targetSchemas.CONNMARK,
      cx,
      { required: { setXmark: ["0x1/0x3", "0x4000/0x4000"] } },
      { required: { setMark: ["0x5"] } },
      { required: { orMark: ["0x2"] } },
      { required: { andMark: ["0xff"] } },
      // Different --nfmask and --ctmask are refused by the translator (nft cannot combine two masks there).
      { required: { saveMark: [""] } },
      { required: { saveMark: [""], nfmask: ["0xff"], ctmask: ["0xff"] } },
      { required: { saveMark: [""], mask: ["0xff"] } },
      { required: { restoreMark: [""] } },
      { required: { restoreMark: [""], nfmask: ["0xf0f"], ctmask: ["0xf0f"] } },
      { required: { restoreMark: [""], mask: ["0x3"] } },
      { required: { saveMark: [""], leftShiftMark: ["4"] } },
    ),
  REJECT: (cx) => (cx.table !== "filter" || !within(cx, ["input", "forward", "output"]) ? undefined : arbModuleNode(targetSchemas.REJECT, cx, { optional: { rejectWith: rejectTypes(cx) } })),
  LOG: (cx) => arbModuleNode(targetSchemas.LOG, cx, { optional: { logPrefix: ["x", "drop: "], logLevel: ["4", "7"], logUid: [""] } }),
  AUDIT: (cx) => arbModuleNode(targetSchemas.AUDIT, cx, { required: { type: ["accept", "drop", "reject"] } }),
  NFLOG: (cx) => arbModuleNode(targetSchemas.NFLOG, cx, { optional: { nflogGroup: ["2"], nflogPrefix: ["y"], nflogThreshold: ["1"] } }),
  NFQUEUE: (cx) => arbModuleNode(targetSchemas.NFQUEUE, cx, { optional: { queueNum: ["3"], queueBypass: [""] } }, { required: { queueBalance: ["2:3"], queueCpuFanout: [""] } }),
  DSCP: (cx) => (!allMangleHooks(cx) ? undefined : arbModuleNode(targetSchemas.DSCP, cx, { required: { setDscp: ["0x0a", "0"] } }, { required: { setDscpClass: ["AF11", "EF"] } })),
  TOS: (cx) =>
    !allMangleHooks(cx) || cx.family !== "ipv4"
      ? undefined
      : arbModuleNode(targetSchemas.TOS, cx, { required: { setTos: ["0x10/0x3f", "0x08"] } }, { required: { andTos: ["0x0f"] } }, { required: { orTos: ["0x10"] } }, { required: { xorTos: ["0x01"] } }),
  // --ttl-inc/--ttl-dec (and HL's) are refused by the translator: nft 1.0.6 sets ip ttl only to a constant.
  TTL: (cx) => (!allMangleHooks(cx) || cx.family !== "ipv4" ? undefined : arbModuleNode(targetSchemas.TTL, cx, { required: { ttlSet: ["9", "64"] } })),
  HL: (cx) => (!allMangleHooks(cx) || cx.family !== "ipv6" ? undefined : arbModuleNode(targetSchemas.HL, cx, { required: { hlSet: ["9", "64"] } })),
  // ECN's TCP options are refused by the translator (nft sets tcp flags only to a constant); ECN is IPv4 only.
  ECN: (cx) => (!allMangleHooks(cx) || cx.family !== "ipv4" ? undefined : arbModuleNode(targetSchemas.ECN, cx, { required: { ecnIpEct: ["0", "2"] } })),
  CLASSIFY: (cx) => (!allMangleHooks(cx) || !within(cx, ["output", "forward", "postrouting"]) ? undefined : arbModuleNode(targetSchemas.CLASSIFY, cx, { required: { setClass: ["1:2"] } })),
  DNAT: (cx) =>
    cx.table !== "nat" || !within(cx, ["prerouting", "output"])
      ? undefined
      : arbModuleNode(targetSchemas.DNAT, cx, { required: { toDestination: transport(cx) ? ["172.17.0.4", "172.17.0.5:8080", "172.17.0.4-172.17.0.9:80-90"] : ["172.17.0.4", "172.17.0.4-172.17.0.9"] }, optional: { persistent: [""] } }),
  REDIRECT: (cx) => (cx.table !== "nat" || !within(cx, ["prerouting", "output"]) ? undefined : arbModuleNode(targetSchemas.REDIRECT, cx, transport(cx) ? { optional: { toPorts: ["3128", "3000-3005"] } } : {})),
  SNAT: (cx) =>
    cx.table !== "nat" || !within(cx, ["postrouting", "input"])
      ? undefined
      : arbModuleNode(targetSchemas.SNAT, cx, { required: { toSource: transport(cx) ? ["192.168.1.7", "192.168.1.7:2000-2010", "192.168.1.7-192.168.1.9"] : ["192.168.1.7", "192.168.1.7-192.168.1.9"] }, optional: { persistent: [""] } }),
  MASQUERADE: (cx) => (cx.table !== "nat" || !within(cx, ["postrouting"]) ? undefined : arbModuleNode(targetSchemas.MASQUERADE, cx, transport(cx) ? { optional: { toPorts: ["3000-3005"] } } : {})),
  // In a user chain NETMAP maps source or destination by the hook that reached it: refused by the translator.
  NETMAP: (cx) => (cx.table !== "nat" || cx.userChain ? undefined : !within(cx, ["prerouting", "output"]) && !within(cx, ["postrouting", "input"]) ? undefined : arbModuleNode(targetSchemas.NETMAP, cx, { required: { to: ["192.168.9.0/24"] } })),
  // CT --helper/--ctevents/--timeout go into the template of new connections: refused by the translator.
  CT: (cx) => (cx.table !== "raw" ? undefined : arbModuleNode(targetSchemas.CT, cx, { required: { notrack: [""] } })),
  NOTRACK: (cx) => (cx.table !== "raw" ? undefined : arbModuleNode(targetSchemas.NOTRACK, cx, {})),
  TRACE: (cx) => (cx.table !== "raw" ? undefined : arbModuleNode(targetSchemas.TRACE, cx, {})),
  TPROXY: (cx) =>
    cx.table !== "mangle" || !within(cx, ["prerouting"]) || (cx.protocol !== 6 && cx.protocol !== 17)
      ? undefined
      : arbModuleNode(targetSchemas.TPROXY, cx, { required: { onPort: ["3128"] }, optional: { onIp: ["10.0.0.1"], tproxyMark: ["0x1/0x1"] } }),
  SET: (cx) =>
    arbModuleNode(
      targetSchemas.SET,
      cx,
      { required: { addSet: [`dyn_${cx.table} src`, `dyn_${cx.table} dst`] }, optional: { exist: [""], timeout: ["2", "10"] } },
      { required: { delSet: [`dyn_${cx.table} src`, `dyn_${cx.table} dst`] } },
    ),
};

/** Interfaces for `-i`/`-o` (exported so that rules and packets agree on them). */
export const eqInterfaces = ruleInterfaces;
