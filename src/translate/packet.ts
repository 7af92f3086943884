/**
 * Matches on fields of the IP header and its IPv6 extension headers, and on where the packet is handled:
 * length, ttl, hl, dscp, tos, ecn, pkttype, tcpmss, frag, hbh, dst, rt, ipv6header, realm, devgroup, cpu,
 * cgroup, cluster.
 *
 * Where the kernel's match reads a field whole (`tot_len`, the TOS byte, a header length in bytes) and nft
 * names it differently (`ip6 length` is the payload length, `hbh hdrlength` counts 8-byte units), the value is
 * converted so the test is the same; where a value can never occur, the test becomes one that never holds.
 * @module
 */
import type { KnownMatch, MarkMask, NumberRange } from "../ast/index.js";
import type { Span } from "../diagnostic/index.js";
import type { NftExpr, NftExthdr, NftMatch, NftStatement } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, approximately, ok, refuse } from "./context.js";
import { binop, eq, match, matchRange, meta, num, payload, rangeExpr, sym } from "./expr.js";
import { excludesLaterFragments, fieldRange, matchTcpFlags, neverMatches, requireProtocol } from "./protocols.js";

type LengthMatch = Extract<KnownMatch, { kind: "length" }>;
type TtlMatch = Extract<KnownMatch, { kind: "ttl" }>;
type HlMatch = Extract<KnownMatch, { kind: "hl" }>;
type DscpMatch = Extract<KnownMatch, { kind: "dscp" }>;
type TosMatch = Extract<KnownMatch, { kind: "tos" }>;
type EcnMatch = Extract<KnownMatch, { kind: "ecn" }>;
type PkttypeMatch = Extract<KnownMatch, { kind: "pkttype" }>;
type TcpmssMatch = Extract<KnownMatch, { kind: "tcpmss" }>;
type FragMatch = Extract<KnownMatch, { kind: "frag" }>;
type HbhMatch = Extract<KnownMatch, { kind: "hbh" }>;
type DstMatch = Extract<KnownMatch, { kind: "dst" }>;
type RtMatch = Extract<KnownMatch, { kind: "rt" }>;
type Ipv6headerMatch = Extract<KnownMatch, { kind: "ipv6header" }>;
type RealmMatch = Extract<KnownMatch, { kind: "realm" }>;
type DevgroupMatch = Extract<KnownMatch, { kind: "devgroup" }>;
type CpuMatch = Extract<KnownMatch, { kind: "cpu" }>;
type CgroupMatch = Extract<KnownMatch, { kind: "cgroup" }>;
type ClusterMatch = Extract<KnownMatch, { kind: "cluster" }>;
type PktTypeName = NonNullable<PkttypeMatch["pktType"]>["value"];
type Ipv6HeaderName = NonNullable<Ipv6headerMatch["header"]>["value"][number];

/** The IP total length (IPv4) or payload length (IPv6) field: 16 bits, always present. */
function lengthField(cx: RuleContext): NftExpr {
  return cx.family === "ipv4" ? payload("ip", "length") : payload("ip6", "length");
}

/** A test no packet of the table passes (every length is in 0-65535), for kernel tests that can never hold. */
function neverInFamily(cx: RuleContext): NftMatch {
  return neverMatches(lengthField(cx), 0xffff);
}

/** `field == right` or `!=`, or nothing / never when the range covers nothing or everything. */
function rangesTest(field: NftExpr, ranges: readonly NumberRange[], negated: boolean): NftStatement {
  const [single] = ranges;
  const right: NftExpr = ranges.length === 1 && single !== undefined ? rangeExpr(single) : { kind: "set", elements: ranges.map((r) => rangeExpr(r)) };
  return match(field, right, eq(negated));
}

// ---------------------------------------------------------------------------------------------------------------
// length, ttl, hl
// ---------------------------------------------------------------------------------------------------------------

/**
 * The IPv6 payload lengths whose xt_length packet length is in `r`. The kernel adds the 40-byte header in a
 * 16-bit variable, so payload lengths 65496-65535 wrap around to packet lengths 0-39.
 */
export function ipv6PayloadLengths(r: NumberRange): NumberRange[] {
  const out: NumberRange[] = [];
  if (r.to >= 40) out.push({ from: Math.max(r.from, 40) - 40, to: r.to - 40 });
  if (r.from <= 39) out.push({ from: r.from + 65496, to: Math.min(r.to, 39) + 65496 });
  return out;
}

/** `-m length`: IPv4 `tot_len` is `ip length`; IPv6 counts payload plus header, 16-bit. */
export function translateLength(m: LengthMatch, cx: RuleContext): Translation {
  if (m.length === undefined) return ok();
  const { value, negated } = m.length;
  const field = lengthField(cx);
  if (value.from === 0 && value.to === 0xffff) return ok(...(negated ? [neverInFamily(cx)] : []));
  if (cx.family === "ipv4") return ok(matchRange(field, value, negated));
  return ok(rangesTest(field, ipv6PayloadLengths(value), negated));
}

function hopLimitTest(field: NftExpr, eqOpt: { value: number; negated: boolean } | undefined, lt: { value: number } | undefined, gt: { value: number } | undefined): Translation {
  if (eqOpt !== undefined) return ok(match(field, num(eqOpt.value), eq(eqOpt.negated)));
  if (lt !== undefined) return ok(match(field, num(lt.value), "<"));
  if (gt !== undefined) return ok(match(field, num(gt.value), ">"));
  return ok();
}

/** `-m ttl`. */
export function translateTtl(m: TtlMatch, _cx: RuleContext): Translation {
  return hopLimitTest(payload("ip", "ttl"), m.ttlEq, m.ttlLt, m.ttlGt);
}

/** `-m hl`. */
export function translateHl(m: HlMatch, _cx: RuleContext): Translation {
  return hopLimitTest(payload("ip6", "hoplimit"), m.hlEq, m.hlLt, m.hlGt);
}

// ---------------------------------------------------------------------------------------------------------------
// dscp, tos, ecn
// ---------------------------------------------------------------------------------------------------------------

/** `-m dscp`: the upper six bits of the TOS byte or traffic class. */
export function translateDscp(m: DscpMatch, cx: RuleContext): Translation {
  if (m.dscp === undefined) return ok();
  const field = cx.family === "ipv4" ? payload("ip", "dscp") : payload("ip6", "dscp");
  return ok(match(field, num(m.dscp.value, "hex"), eq(m.dscp.negated)));
}

/** nft's names for the ECN code points. */
const ecnNames: readonly string[] = ["not-ect", "ect1", "ect0", "ce"];

function ecnSymbol(v: number): NftExpr {
  return sym(ecnNames[v] ?? String(v));
}

/** `@nh,8,8`: the IPv4 TOS byte. */
const ipv4TosByte: NftExpr = { kind: "raw payload", base: "nh", offset: 8, length: 8 };
/** `@nh,4,8`: the IPv6 traffic class, which straddles two bytes. */
const ipv6TrafficClass: NftExpr = { kind: "raw payload", base: "nh", offset: 4, length: 8 };

/**
 * `-m tos --tos VALUE/MASK`: `(tos & mask) == value`, the value not masked (a value with bits outside the mask
 * never matches). Masks that select the DSCP or ECN bits use those fields. IPv6 otherwise lists the traffic
 * classes that pass, because nft 1.0.6 compiles a mask on the unaligned `@nh,4,8` wrongly (it shifts the
 * loaded bytes in host order), while a plain comparison or set lookup of it is right.
 */
export function translateTos(m: TosMatch, cx: RuleContext): Translation {
  if (m.tos === undefined) return ok();
  const { value: { value, mask }, negated } = m.tos;
  const never = (value & ~mask) !== 0;
  if (never || mask === 0) return ok(...(never !== negated ? [neverInFamily(cx)] : []));
  const v4 = cx.family === "ipv4";
  if (mask === 0xfc) return ok(match(v4 ? payload("ip", "dscp") : payload("ip6", "dscp"), num(value >> 2, "hex"), eq(negated)));
  if (mask === 0x03) return ok(match(v4 ? payload("ip", "ecn") : payload("ip6", "ecn"), ecnSymbol(value), eq(negated)));
  // A plain `@nh,8,8 != V` would be merged by nft 1.0.6 with a neighbouring `ip length != N` into one "not both"
  // comparison; with the mask written out it stays a test of its own.
  if (v4) return ok(mask === 0xff && !negated ? match(ipv4TosByte, num(value, "hex")) : match(binop("&", ipv4TosByte, num(mask, "hex")), num(value, "hex"), eq(negated)));
  const classes = Array.from({ length: 256 }, (_, v) => v).filter((v) => (v & mask) === value);
  const [single] = classes;
  const right: NftExpr = classes.length === 1 && single !== undefined ? num(single, "hex") : { kind: "set", elements: classes.map((c) => num(c, "hex")) };
  return ok(match(ipv6TrafficClass, right, eq(negated)));
}

/**
 * `-m ecn`. The IP code point is `ip ecn`/`ip6 ecn`. The TCP bits need `-p tcp` (the kernel checks), and
 * xt_ecn reads them without checking for fragments: on a non-first fragment it reads the fragment's data as a
 * TCP header when 20 bytes of it are there, while nft reads the flags byte from 14 bytes on (IPv4) or from
 * the IPv6 header (IPv6). So they translate only when the rule excludes such fragments otherwise.
 */
export function translateEcn(m: EcnMatch, cx: RuleContext): Translation {
  const out: NftStatement[] = [];
  if (m.ecnIpEct !== undefined) {
    out.push(match(cx.family === "ipv4" ? payload("ip", "ecn") : payload("ip6", "ecn"), ecnSymbol(m.ecnIpEct.value), eq(m.ecnIpEct.negated)));
  }
  const tcpBits = [
    [m.ecnTcpEce, 0x40],
    [m.ecnTcpCwr, 0x80],
  ] as const;
  for (const [o, bit] of tcpBits) {
    if (o === undefined) continue;
    const missing = requireProtocol(cx, 6, "ecn with --ecn-tcp-ece/--ecn-tcp-cwr", o.span);
    if (missing !== undefined) return missing;
    if (!excludesLaterFragments(cx)) {
      return refuse("xt_ecn reads the TCP flags of a non-first fragment from the fragment's data when 20 bytes are there, nft from 14 bytes on (IPv4) or from the IPv6 header (IPv6); add -m tcp or ! -f to the rule to rule such fragments out", o.span);
    }
    out.push(matchTcpFlags(bit, o.negated ? 0 : bit, false));
  }
  return ok(...out);
}

// ---------------------------------------------------------------------------------------------------------------
// pkttype, tcpmss
// ---------------------------------------------------------------------------------------------------------------

/** nft's names for the packet types (`host` is iptables' unicast, `other` its otherhost). */
const nftPktTypes: Readonly<Record<PktTypeName, string>> = { unicast: "host", broadcast: "broadcast", multicast: "multicast", otherhost: "other" };

/**
 * `-m pkttype`. nft's `meta pkttype` resolves looped-back packets (PACKET_LOOPBACK) exactly as xt_pkttype
 * does: multicast by destination in IPv4, multicast in IPv6, broadcast otherwise.
 */
export function translatePkttype(m: PkttypeMatch, _cx: RuleContext): Translation {
  if (m.pktType === undefined) return ok();
  return ok(match(meta("pkttype"), sym(nftPktTypes[m.pktType.value]), eq(m.pktType.negated)));
}

/**
 * `-m tcpmss --mss`. xt_tcpmss returns its inversion flag when the packet has no MSS option, so `! --mss`
 * also matches packets without one, an "or" nft cannot test (`tcp option maxseg size` does not match them).
 * It reads non-first fragments as if they held a TCP header, where nft's TCP option expression finds none.
 */
export function translateTcpmss(m: TcpmssMatch, cx: RuleContext): Translation {
  if (m.mss === undefined) return ok();
  const missing = requireProtocol(cx, 6, "tcpmss", m.span);
  if (missing !== undefined) return missing;
  if (m.mss.negated) return refuse("! --mss also matches packets without an MSS option (xt_tcpmss returns its inversion flag then); nft's tcp option maxseg size test fails on them, and one rule cannot test \"missing or outside the range\"", m.mss.span);
  if (!excludesLaterFragments(cx)) {
    return refuse("xt_tcpmss reads a non-first fragment's data as a TCP header, where nft's TCP option expression finds none; add -m tcp or ! -f to the rule to rule such fragments out", m.mss.span);
  }
  return ok(match({ kind: "tcp option", name: "maxseg", field: "size" }, rangeExpr(m.mss.value)));
}

// ---------------------------------------------------------------------------------------------------------------
// IPv6 extension headers: frag, hbh, dst, rt
// ---------------------------------------------------------------------------------------------------------------

function exthdrPresent(name: NftExthdr["name"], present = true): NftMatch {
  return match({ kind: "exthdr", name }, { kind: "boolean", value: present });
}

/** True when a statement reads a field of the extension header `name` (which requires the header). */
function readsExthdr(stmts: readonly NftStatement[], name: NftExthdr["name"]): boolean {
  return stmts.some((s) => s.kind === "match" && s.left.kind === "exthdr" && s.left.name === name && s.left.field !== undefined);
}

/** The statements, or `exthdr NAME exists` when none of them reads the header. */
function withExthdr(name: NftExthdr["name"], stmts: readonly NftStatement[]): Translation {
  return ok(...exthdrStatements(name, stmts));
}

/** `stmts`, preceded by the header's presence test when none of them reads the header. */
function exthdrStatements(name: NftExthdr["name"], stmts: readonly NftStatement[]): readonly NftStatement[] {
  return readsExthdr(stmts, name) ? stmts : [exthdrPresent(name), ...stmts];
}

/**
 * `-m frag`. ip6t_frag finds the Fragment header with the kernel's header search, as nft's `frag` does.
 * `--fraglen` is ignored by the kernel and so left out; `--fragres` wants both reserved fields zero.
 */
export function translateFrag(m: FragMatch, _cx: RuleContext): Translation {
  const field = (f: "id" | "reserved" | "reserved2" | "frag-off" | "more-fragments"): NftExpr => ({ kind: "exthdr", name: "frag", field: f });
  const out: NftStatement[] = m.fragid === undefined ? [] : fieldRange(field("id"), m.fragid.value, 0xffffffff, m.fragid.negated, undefined);
  if (m.fragres !== undefined) out.push(match(field("reserved"), num(0)), match(field("reserved2"), num(0)));
  if (m.fragfirst !== undefined) out.push(match(field("frag-off"), num(0)));
  if (m.fragmore !== undefined) out.push(match(field("more-fragments"), num(1)));
  if (m.fraglast !== undefined) out.push(match(field("more-fragments"), num(0)));
  return withExthdr("frag", out);
}

/**
 * A header length in bytes as ip6t_hbh and ip6t_rt compare it, `(hdrlength + 1) * 8`, turned into the field:
 * `HDR hdrlength F` (or `!=`); a length no header has never matches.
 */
function headerLengthTest(name: "hbh" | "dst" | "rt", bytes: number, negated: boolean): NftStatement[] {
  const field: NftExpr = { kind: "exthdr", name, field: "hdrlength" };
  const f = bytes / 8 - 1;
  if (Number.isInteger(f) && f >= 0 && f <= 255) return [match(field, num(f), eq(negated))];
  return negated ? [] : [neverMatches(field, 0xff)];
}

function translateOptionsHeader(name: "hbh" | "dst", len: { value: number; negated: boolean } | undefined, opts: { readonly span: Span } | undefined, span: Span): Translation {
  const header = name === "hbh" ? "Hop-by-Hop" : "Destination";
  if (opts !== undefined) return refuse(`--${name}-opts: nft 1.0.6 cannot walk the options inside an IPv6 ${header} Options header`, opts.span);
  const stmts = exthdrStatements(name, len === undefined ? [] : headerLengthTest(name, len.value, len.negated));
  // ip6t_hbh returns false for a header that runs past the end of the packet; nft's exthdr reads it anyway.
  const differs = `IPv6 packets whose ${header} Options header runs past the end of the packet: ip6t_${name} does not match them, while nft's exthdr reads the fields that are there`;
  return approximately({ differs, nftMatches: "more", span }, ...stmts);
}

/** `-m hbh`: `--hbh-len` counts bytes (nft's `hbh hdrlength` counts 8-byte units beyond the first). */
export function translateHbh(m: HbhMatch, _cx: RuleContext): Translation {
  return translateOptionsHeader("hbh", m.hbhLen, m.hbhOpts, m.span);
}

/** `-m dst`: as hbh, for the Destination Options header. */
export function translateDst(m: DstMatch, _cx: RuleContext): Translation {
  return translateOptionsHeader("dst", m.dstLen, m.dstOpts, m.span);
}

/**
 * `-m rt`. The kernel compares the 8-bit type and segments-left fields with 32-bit option values, and the
 * length in bytes. The type 0 tests are refused: `--rt-0-not-strict` searches the address list, which nft
 * cannot, and ipt2nft does not translate `--rt-0-res` (the kernel reads the first address word there) or
 * `--rt-0-addrs` for a header type Linux no longer accepts (RFC 5095).
 */
export function translateRt(m: RtMatch, _cx: RuleContext): Translation {
  const type0 = m.rt0Res ?? m.rt0Addrs ?? m.rt0NotStrict;
  if (type0 !== undefined) {
    return refuse(
      m.rt0NotStrict !== undefined
        ? "--rt-0-not-strict searches the routing header's address list for the given addresses in order, which nft cannot do"
        : "--rt-0-res and --rt-0-addrs test type 0 routing headers (deprecated by RFC 5095); ipt2nft does not translate them",
      type0.span,
    );
  }
  const out: NftStatement[] = [];
  const field = (f: "type" | "seg-left"): NftExpr => ({ kind: "exthdr", name: "rt", field: f });
  if (m.rtType !== undefined) out.push(...fieldRange(field("type"), { from: m.rtType.value, to: m.rtType.value }, 0xff, m.rtType.negated, undefined));
  if (m.rtSegsleft !== undefined) out.push(...fieldRange(field("seg-left"), m.rtSegsleft.value, 0xff, m.rtSegsleft.negated, undefined));
  if (m.rtLen !== undefined) out.push(...headerLengthTest("rt", m.rtLen.value, m.rtLen.negated));
  const stmts = exthdrStatements("rt", out);
  // Measured on Linux 6.18: a 48-byte packet whose Routing header claims 24 bytes is dropped by ip6t_rt
  // (no later rule nor the policy counts it), while nft's exthdr reads its fields and matches.
  const differs = "IPv6 packets whose Routing header runs past the end of the packet: ip6t_rt drops them, while nft's exthdr reads the fields that are there and lets the rule decide";
  return approximately({ differs, nftMatches: "more", inputDrops: true, span: m.span }, ...stmts);
}

// ---------------------------------------------------------------------------------------------------------------
// ipv6header
// ---------------------------------------------------------------------------------------------------------------

/** The headers nft's `exthdr` can test for presence. */
const exthdrOf: Partial<Record<Ipv6HeaderName, NftExthdr["name"]>> = { "hop-by-hop": "hbh", "ipv6-opts": "dst", "ipv6-route": "rt", "ipv6-frag": "frag" };

/** What ends ip6t_ipv6header's walk: ESP, No Next Header, or an upper-layer protocol (`protocol`). */
type ChainEnd = "esp" | "ipv6-nonxt" | "protocol";
const chainEnds: readonly ChainEnd[] = ["esp", "ipv6-nonxt", "protocol"];

/** `meta l4proto` for a set of chain ends, AH being absent (nft's header walk stops at AH). */
function chainEndTest(allowed: readonly ChainEnd[]): NftStatement {
  const l4proto = meta("l4proto");
  if (allowed.includes("protocol")) {
    const excluded = [51, ...(allowed.includes("esp") ? [] : [50]), ...(allowed.includes("ipv6-nonxt") ? [] : [59])];
    const [one] = excluded;
    return match(l4proto, excluded.length === 1 && one !== undefined ? num(one) : { kind: "set", elements: excluded.map((n) => num(n)) }, "!=");
  }
  const values = allowed.map((e) => num(e === "esp" ? 50 : 59));
  const [one] = values;
  return match(l4proto, values.length === 1 && one !== undefined ? one : { kind: "set", elements: values });
}

/**
 * `-m ipv6header --header LIST [--soft]`: without `--soft` the packet has exactly these headers, with it at
 * least these (with `!`, none of them). Hop-by-Hop, Destination, Routing and Fragment presence are
 * `exthdr X exists/missing`; AH, ESP, No Next Header and "protocol" come from `meta l4proto`, which is where
 * nft's header walk stopped. ip6t_ipv6header walks on through a non-first fragment's data, so every test
 * but the Fragment header's needs the Fragment header to be required absent.
 */
export function translateIpv6header(m: Ipv6headerMatch, cx: RuleContext): Translation {
  if (m.header === undefined) return ok();
  const { value: listed, negated, span } = m.header;
  const soft = m.soft !== undefined;
  if (!soft && negated) return refuse("! --header without --soft means \"some header differs from the list\": an or, which one nft rule cannot test", span);
  const all: readonly Ipv6HeaderName[] = ["hop-by-hop", "ipv6-opts", "ipv6-route", "ipv6-frag", "ah", "esp", "ipv6-nonxt", "protocol"];
  // What the match requires of each header: true present, false absent, undefined either.
  const want = new Map<Ipv6HeaderName, boolean>();
  for (const h of all) {
    if (listed.includes(h)) want.set(h, !negated);
    else if (!soft) want.set(h, false);
  }
  const frag = want.get("ipv6-frag");
  const others = [...want.keys()].filter((h) => h !== "ipv6-frag");
  if (others.length > 0 && frag !== false) {
    return refuse("on a non-first fragment ip6t_ipv6header reads the fragment's data as further headers, where nft's header tests stop at the Fragment header; only tests that also require no Fragment header are exact", span);
  }
  const out: NftStatement[] = [];
  for (const h of all) {
    const name = exthdrOf[h];
    const w = want.get(h);
    if (name !== undefined && w !== undefined) out.push(exthdrPresent(name, w));
  }
  // The walk ends at exactly one of ESP, No Next Header or a protocol: the one required (two required never
  // occur), minus those required absent.
  const required = chainEnds.filter((e) => want.get(e) === true);
  const allowed = required.length > 1 ? [] : (required.length === 1 ? required : chainEnds).filter((e) => want.get(e) !== false);
  if (allowed.length === 0) return ok(neverInFamily(cx));
  const endTested = allowed.length < chainEnds.length;
  const ah = want.get("ah");
  if (ah === true) {
    if (endTested) return refuse("nft's meta l4proto stops at an AH header, so nothing can test which header ends the chain after AH (ESP, No Next Header or a protocol)", span);
    out.push(match(meta("l4proto"), sym("ah")));
  } else if (ah === false) {
    out.push(chainEndTest(allowed));
  } else if (endTested) {
    return refuse("which header ends the chain is only visible to nft without an AH header (meta l4proto stops at AH), and this test does not require AH absent", span);
  }
  return ok(...out);
}

// ---------------------------------------------------------------------------------------------------------------
// realm, devgroup, cpu, cgroup, cluster
// ---------------------------------------------------------------------------------------------------------------

/**
 * `(key & mask) == value` as xt_realm and xt_devgroup test it: the value is not masked, so one with bits
 * outside the mask never matches.
 */
function maskedKeyTest(key: NftExpr, v: MarkMask, negated: boolean, cx: RuleContext): NftStatement[] {
  if ((v.value & ~v.mask) !== 0) return negated ? [] : [neverInFamily(cx)];
  if (v.mask === 0xffffffff) return [match(key, num(v.value, "hex"), eq(negated))];
  return [match(binop("&", key, num(v.mask, "hex")), num(v.value, "hex"), eq(negated))];
}

/** `-m realm`: the route's realm, `meta rtclassid`. */
export function translateRealm(m: RealmMatch, cx: RuleContext): Translation {
  return ok(...(m.realm === undefined ? [] : maskedKeyTest(meta("rtclassid"), m.realm.value, m.realm.negated, cx)));
}

/** `-m devgroup`: the input and output device groups, `iifgroup`/`oifgroup`. */
export function translateDevgroup(m: DevgroupMatch, cx: RuleContext): Translation {
  return ok(
    ...(m.srcGroup === undefined ? [] : maskedKeyTest(meta("iifgroup"), m.srcGroup.value, m.srcGroup.negated, cx)),
    ...(m.dstGroup === undefined ? [] : maskedKeyTest(meta("oifgroup"), m.dstGroup.value, m.dstGroup.negated, cx)),
  );
}

/** `-m cpu`. */
export function translateCpu(m: CpuMatch, _cx: RuleContext): Translation {
  return ok(...(m.cpu === undefined ? [] : [match(meta("cpu"), num(m.cpu.value), eq(m.cpu.negated))]));
}

/**
 * `-m cgroup`. `--cgroup` (net_cls classid) is `meta cgroup`, except for packets of TCP connection requests:
 * there `skb->sk` is a request socket, which xt_cgroup does not match, while nft reads the listening socket's
 * classid. So it translates only for rules whose protocol is known and is not TCP (or DCCP, which has request
 * sockets too). `--path` is refused: nft's `socket cgroupv2` looks up a socket for incoming packets that carry
 * none (xt_cgroup does not match those) and cannot be used in postrouting.
 */
export function translateCgroup(m: CgroupMatch, cx: RuleContext): Translation {
  if (m.path !== undefined) {
    return refuse("--path: nft's socket cgroupv2 looks up a socket for incoming packets that carry none, where xt_cgroup does not match them, and cannot be used in postrouting", m.path.span);
  }
  if (m.cgroup === undefined) return ok();
  if (cx.protocol === undefined || cx.protocol === 6 || cx.protocol === 33) {
    return refuse("--cgroup: for packets of TCP connection requests (SYN-ACKs, handshake ACKs) nft's meta cgroup reads the listening socket's classid, while xt_cgroup does not match them; translatable only with -p of a protocol without request sockets (udp, icmp, ...)", m.cgroup.span);
  }
  return ok(match(meta("cgroup"), num(m.cgroup.value), eq(m.cgroup.negated)));
}

/**
 * `-m cluster`: refused. xt_cluster hashes the master connection's source address for connections created by
 * an expectation (an FTP data connection hashes like its control connection), and nft's jhash can only read
 * the packet's own connection; it also rewrites a multicast pkt_type to host for every packet it sees.
 */
export function translateCluster(m: ClusterMatch, _cx: RuleContext): Translation {
  return refuse("xt_cluster hashes the master connection of expected connections (e.g. FTP data), which nft's jhash cannot read, and rewrites pkt_type for every packet it sees, matching or not", m.span);
}

/** The packet-family translators this file provides. */
export const packetMatchTranslators = {
  length: translateLength,
  ttl: translateTtl,
  hl: translateHl,
  dscp: translateDscp,
  tos: translateTos,
  ecn: translateEcn,
  pkttype: translatePkttype,
  tcpmss: translateTcpmss,
  frag: translateFrag,
  hbh: translateHbh,
  dst: translateDst,
  rt: translateRt,
  ipv6header: translateIpv6header,
  realm: translateRealm,
  devgroup: translateDevgroup,
  cpu: translateCpu,
  cgroup: translateCgroup,
  cluster: translateCluster,
} satisfies Partial<ByKind<KnownMatch>>;
