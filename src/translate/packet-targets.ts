/**
 * Targets that rewrite header fields or packet metadata and let the packet go on: TTL, HL, DSCP, TOS, ECN,
 * CLASSIFY, TCPOPTSTRIP; and those with no exact nft equivalent, which are refused with the reason: TCPMSS,
 * CHECKSUM, CONNSECMARK, SECMARK, HMARK.
 *
 * nft 1.0.6 writes a header field below 16 bits (ip dscp, ip ecn, ip ttl, tcp flags) only with a constant:
 * a computed value (`ip ttl set ip ttl map {…}`, `ip dscp set ip dscp & 0x30`) fails in its evaluator. So a
 * rewrite that keeps some of the field's bits is spelled as one rule per value of the kept bits, in a helper
 * chain (TOS); where that would take hundreds of rules it is refused (TTL --ttl-inc/--ttl-dec, ECN's TCP
 * bits). `ip6 hoplimit` is a whole byte without a checksum, which nft can set from a map (HL).
 * @module
 */
import type { KnownTarget } from "../ast/index.js";
import type { NftExpr, NftMapping, NftPayload, NftRawStatement, NftStatement } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, ok, refuse } from "./context.js";
import { binop, match, meta, num, payload, sym } from "./expr.js";
import { addHelperChain } from "./helper-chains.js";

type TcpmssTarget = Extract<KnownTarget, { kind: "TCPMSS" }>;
type TtlTarget = Extract<KnownTarget, { kind: "TTL" }>;
type HlTarget = Extract<KnownTarget, { kind: "HL" }>;
type DscpTarget = Extract<KnownTarget, { kind: "DSCP" }>;
type TosTarget = Extract<KnownTarget, { kind: "TOS" }>;
type EcnTarget = Extract<KnownTarget, { kind: "ECN" }>;
type ChecksumTarget = Extract<KnownTarget, { kind: "CHECKSUM" }>;
type ClassifyTarget = Extract<KnownTarget, { kind: "CLASSIFY" }>;
type ConnsecmarkTarget = Extract<KnownTarget, { kind: "CONNSECMARK" }>;
type SecmarkTarget = Extract<KnownTarget, { kind: "SECMARK" }>;
type TcpoptstripTarget = Extract<KnownTarget, { kind: "TCPOPTSTRIP" }>;
type HmarkTarget = Extract<KnownTarget, { kind: "HMARK" }>;

/**
 * `-j TCPMSS`: refused. nft's `tcp option maxseg size set N|rt mtu` only rewrites an MSS option that is
 * there (never raising it, like TCPMSS); TCPMSS also inserts an option of min(MSS, 536 or 1220) into a SYN
 * that has none, which nft cannot do. For `--clamp-mss-to-pmtu` the values differ too: `rt mtu` answers 536
 * where the path MTU is above 65535 (loopback's 65536), where TCPMSS computes MTU less 40 (or 60), and
 * where the MTU is at most 40 (60) TCPMSS drops the packet while `rt mtu` answers 536.
 */
export function translateTcpmss(t: TcpmssTarget): Translation {
  const what = t.clampMssToPmtu === undefined ? `--set-mss ${t.setMss?.value ?? ""}` : "--clamp-mss-to-pmtu";
  const extra =
    t.clampMssToPmtu === undefined
      ? ""
      : "; and rt mtu yields 536 for a path MTU above 65535 (loopback's 65536) where TCPMSS clamps to the MTU less the headers, and for an MTU too small for the headers where TCPMSS drops the packet";
  return refuse(
    `TCPMSS ${what}: nft's tcp option maxseg size set only rewrites an MSS option the SYN carries, while TCPMSS also inserts one (min of the MSS and 536, or 1220 for IPv6) into a SYN without it; nft 1.0.6 cannot add TCP options${extra}`,
    t.span,
  );
}

/**
 * `-j TTL --ttl-set N` → `ip ttl set N`. `--ttl-inc`/`--ttl-dec` are refused: they compute the new TTL from
 * the old one (saturating at 255 and 0), and nft 1.0.6 writes `ip ttl` only from a constant (`ip ttl set ip
 * ttl map {…}` fails in its checksum handling), so an exact form would take a rule for each of the 256 values.
 */
export function translateTtl(t: TtlTarget): Translation {
  if (t.ttlSet !== undefined) return ok({ kind: "mangle", key: payload("ip", "ttl"), value: num(t.ttlSet.value) });
  const op = t.ttlInc === undefined ? "--ttl-dec" : "--ttl-inc";
  return refuse(
    `TTL ${op}: nft 1.0.6 can set ip ttl only to a constant (a computed value such as ip ttl set ip ttl map {…} fails in nft's checksum handling); an exact form would need one rule per TTL value`,
    t.span,
  );
}

/** The mappings `v : f(v)` for every byte value, collapsing the saturated run into one interval. */
function saturatingMap(delta: number): NftMapping[] {
  const out: NftMapping[] = [];
  if (delta < 0) {
    const n = -delta;
    out.push({ kind: "mapping", key: { kind: "range", low: num(0), high: num(n) }, value: num(0) });
    for (let v = n + 1; v <= 255; v++) out.push({ kind: "mapping", key: num(v), value: num(v - n) });
  } else {
    for (let v = 0; v < 255 - delta; v++) out.push({ kind: "mapping", key: num(v), value: num(v + delta) });
    out.push({ kind: "mapping", key: { kind: "range", low: num(255 - delta), high: num(255) }, value: num(255) });
  }
  return out;
}

/**
 * `-j HL --hl-set N` → `ip6 hoplimit set N`; `--hl-inc N`/`--hl-dec N` → `ip6 hoplimit set ip6 hoplimit map
 * { … }`, a map of every hop limit to the new one, saturating at 255 and 0 as ip6t_HL does.
 */
export function translateHl(t: HlTarget): Translation {
  const field = payload("ip6", "hoplimit");
  if (t.hlSet !== undefined) return ok({ kind: "mangle", key: field, value: num(t.hlSet.value) });
  const delta = t.hlInc !== undefined ? t.hlInc.value : -(t.hlDec?.value ?? 0);
  return ok({ kind: "mangle", key: field, value: { kind: "map", key: field, data: { kind: "set", elements: saturatingMap(delta) } } });
}

/** The DSCP field of the rule's family. */
function dscpField(cx: RuleContext): NftPayload {
  return cx.family === "ipv4" ? payload("ip", "dscp") : payload("ip6", "dscp");
}

/** The ECN field of the rule's family. */
function ecnField(cx: RuleContext): NftPayload {
  return cx.family === "ipv4" ? payload("ip", "ecn") : payload("ip6", "ecn");
}

/** `-j DSCP --set-dscp N | --set-dscp-class CLASS` → `ip dscp set N` (`ip6 dscp` in IPv6); the ECN bits stay. */
export function translateDscp(t: DscpTarget, cx: RuleContext): Translation {
  // nft names every DiffServ class iptables knows, in lower case.
  const value: NftExpr = t.setDscpClass !== undefined ? sym(t.setDscpClass.value.toLowerCase()) : dscpValue(t.setDscp?.value ?? 0);
  return ok({ kind: "mangle", key: dscpField(cx), value });
}

/** How one sub-byte field is rewritten as `(old & keep) ^ xor`. */
type FieldRewrite =
  | { readonly kind: "unchanged" }
  | { readonly kind: "constant"; readonly stmt: NftStatement }
  /** One rule per value of the kept bits, each ending in `return`. */
  | { readonly kind: "per-value"; readonly rules: readonly (readonly NftStatement[])[] };

/** The values of all subsets of the bits of `mask`, in ascending order. */
function subsetsOf(mask: number): number[] {
  const out: number[] = [];
  for (let p = 0; p <= mask; p++) if ((p & ~mask) === 0) out.push(p);
  return out;
}

/** ECN codepoints by value, as nft names them. */
const ecnNames: readonly string[] = ["not-ect", "ect1", "ect0", "ce"];

/** A DSCP value: hexadecimal, as iptables-save prints DSCP and TOS values. */
function dscpValue(v: number): NftExpr {
  return num(v, "hex");
}

/** An ECN value by its nft name. */
function ecnValue(v: number): NftExpr {
  return sym(ecnNames[v] ?? String(v));
}

/**
 * Spells `field = (field & keep) ^ xor` for a field of `width` bits, which nft can only set to constants.
 * `value` writes a constant of the field.
 */
function rewriteField(field: NftPayload, width: number, keep: number, xor: number, value: (v: number) => NftExpr): FieldRewrite {
  const all = (1 << width) - 1;
  if (keep === all && xor === 0) return { kind: "unchanged" };
  if (keep === 0) return { kind: "constant", stmt: { kind: "mangle", key: field, value: value(xor) } };
  const rules = subsetsOf(keep).map((p): readonly NftStatement[] => [
    keep === all ? match(field, value(p)) : match(binop("&", field, num(keep, "hex")), num(p, "hex")),
    { kind: "mangle", key: field, value: value(p ^ xor) },
    // The value just written may match a later rule of the chain: stop here.
    { kind: "return" },
  ]);
  return { kind: "per-value", rules };
}

/**
 * `-j TOS --set-tos V/M` (and `--and-tos`, `--or-tos`, `--xor-tos`): the whole TOS byte (IPv4) or traffic
 * class (IPv6), ECN bits included, becomes `(tos & ~M) ^ V`. nft writes it as its DSCP and ECN parts: a part
 * that is overwritten whole is a constant set in the rule; a part that keeps some bits is set by one rule per
 * value of the kept bits, in a helper chain the rule jumps to.
 */
export function translateTos(t: TosTarget, cx: RuleContext): Translation {
  let value: number;
  let mask: number;
  if (t.setTos !== undefined) ({ value, mask } = t.setTos.value);
  else if (t.andTos !== undefined) [value, mask] = [0, ~t.andTos.value & 0xff];
  else if (t.orTos !== undefined) [value, mask] = [t.orTos.value, t.orTos.value];
  else [value, mask] = [t.xorTos?.value ?? 0, 0];
  const keep = ~mask & 0xff;
  const dscp = rewriteField(dscpField(cx), 6, keep >> 2, value >> 2, dscpValue);
  const ecn = rewriteField(ecnField(cx), 2, keep & 3, value & 3, ecnValue);
  const stmts: NftStatement[] = [];
  for (const part of [dscp, ecn]) if (part.kind === "constant") stmts.push(part.stmt);
  const perValue = [dscp, ecn].flatMap((part) => (part.kind === "per-value" ? [part.rules] : []));
  const [first, second] = perValue;
  if (first !== undefined) {
    // Both parts per value: the DSCP rules go in their own chain, since each rule ends in `return`.
    const rules = second === undefined ? first : [[{ kind: "jump" as const, target: addHelperChain(cx, "TOS_dscp", first) }], ...second];
    stmts.push({ kind: "jump", target: addHelperChain(cx, "TOS", rules) });
  }
  return ok(...stmts);
}

/**
 * `-j ECN --ecn-ip-ect N` → `ip ecn set N`. The TCP options (`--ecn-tcp-remove`, `--ecn-tcp-ece`,
 * `--ecn-tcp-cwr`) are refused: they change the ECE/CWR bits and keep the other TCP flags, and nft 1.0.6
 * writes `tcp flags` only from a constant, so an exact form would need a rule per value of the other flags.
 */
export function translateEcn(t: EcnTarget): Translation {
  if (t.ecnTcpRemove !== undefined || t.ecnTcpEce !== undefined || t.ecnTcpCwr !== undefined) {
    return refuse(
      "ECN's TCP options change the ECE and CWR bits and keep the other TCP flags; nft 1.0.6 can set tcp flags only to a constant (and a raw payload write would not fix the TCP checksum)",
      t.span,
    );
  }
  return ok({ kind: "mangle", key: payload("ip", "ecn"), value: ecnValue(t.ecnIpEct?.value ?? 0) });
}

/**
 * `-j CHECKSUM --checksum-fill`: refused. It computes the checksum of packets whose checksum was left to the
 * hardware (CHECKSUM_PARTIAL), for old DHCP clients in VMs; nft has no statement that completes a checksum:
 * its payload writes only adjust an existing one.
 */
export function translateChecksum(t: ChecksumTarget): Translation {
  return refuse("CHECKSUM --checksum-fill fills in a checksum left to offloading; nft has no statement that computes a packet's checksum", t.span);
}

/** `-j CLASSIFY --set-class MAJOR:MINOR` → `meta priority set MAJOR:MINOR` (nft writes 0:0 as none, ffff:ffff as root). */
export function translateClassify(t: ClassifyTarget): Translation {
  const { major, minor } = t.setClass?.value ?? { major: 0, minor: 0 };
  const handle = major === 0 && minor === 0 ? "none" : major === 0xffff && minor === 0xffff ? "root" : `${major.toString(16)}:${minor.toString(16)}`;
  return ok({ kind: "mangle", key: meta("priority"), value: sym(handle) });
}

/**
 * `-j CONNSECMARK --save | --restore`: refused. `--save` copies the packet's security mark to the connection
 * only when the packet has one and the connection has none (`--restore` the other way); nft 1.0.6 cannot
 * compare a secmark with zero, so it could only copy unconditionally.
 */
export function translateConnsecmark(t: ConnsecmarkTarget): Translation {
  const op = t.save === undefined ? "--restore copies the connection's security mark to packets without one" : "--save copies the packet's security mark to connections without one";
  return refuse(`CONNSECMARK ${op}; nft 1.0.6 cannot test a secmark for zero (only unconditional ct/meta secmark copies)`, t.span);
}

/** `-j SECMARK --selctx CTX`: refused; nft needs a named secmark object for the context, which ipt2nft's nft model does not have. */
export function translateSecmark(t: SecmarkTarget): Translation {
  return refuse("SECMARK needs an nft secmark object holding the SELinux context (meta secmark set \"name\"); ipt2nft's nft model has no secmark objects yet", t.span);
}

/** The names nft 1.0.6 gives TCP option kinds in `reset tcp option`; others are written as numbers. */
const nftTcpOptionNames: ReadonlyMap<number, string> = new Map([
  [2, "maxseg"],
  [3, "window"],
  [4, "sack-perm"],
  [5, "sack"],
  [8, "timestamp"],
  [19, "md5sig"],
]);

/** `reset tcp option KIND`: overwrite the option with NOPs and fix the checksum. */
function resetTcpOption(kind: number): NftRawStatement {
  const name = nftTcpOptionNames.get(kind);
  return {
    kind: "raw",
    text: `reset tcp option ${name ?? String(kind)}`,
    json: { reset: { "tcp option": name === undefined ? { base: kind, offset: 0, len: 0 } : { name } } },
    reason: "the nft model has no reset statement; nft 1.0.6 strips a TCP option with reset tcp option",
  };
}

/**
 * `-j TCPOPTSTRIP --strip-options K,…` → `reset tcp option K …`, one statement per kind. Both overwrite the
 * option with NOP bytes and adjust the checksum. They differ only on malformed segments: nft strips the
 * first option of a kind per statement where TCPOPTSTRIP strips every copy, and an option overrunning the
 * header makes nft drop the packet and TCPOPTSTRIP stop.
 */
export function translateTcpoptstrip(t: TcpoptstripTarget, cx: RuleContext): Translation {
  if (cx.protocol !== 6) return refuse("TCPOPTSTRIP needs -p tcp: the kernel refuses it on rules that may match other protocols", t.span);
  return ok(...(t.stripOptions?.value ?? []).map(resetTcpOption));
}

/**
 * `-j HMARK`: refused. Its mark is jhash_3words over the direction-sorted addresses and ports, XORed with
 * the protocol, then scaled; nft's `jhash` hashes a concatenation of fields with a different jhash call, so
 * the marks would differ.
 */
export function translateHmark(t: HmarkTarget): Translation {
  return refuse("HMARK hashes direction-sorted addresses and ports with jhash_3words; nft's jhash over a concatenation computes different marks", t.span);
}

/** The packet-rewriting targets this file provides. */
export const packetTargetTranslators = {
  TCPMSS: translateTcpmss,
  TTL: translateTtl,
  HL: translateHl,
  DSCP: translateDscp,
  TOS: translateTos,
  ECN: translateEcn,
  CHECKSUM: translateChecksum,
  CLASSIFY: translateClassify,
  CONNSECMARK: translateConnsecmark,
  SECMARK: translateSecmark,
  TCPOPTSTRIP: translateTcpoptstrip,
  HMARK: translateHmark,
} satisfies Partial<ByKind<KnownTarget>>;
