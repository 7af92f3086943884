/**
 * Address translation targets: DNAT, SNAT, MASQUERADE, REDIRECT, NETMAP, and the IPv6 prefix translation
 * targets SNPT and DNPT (refused: nft has no stateless prefix translation).
 *
 * The nat table of iptables becomes an nft table of type nat with the same hooks, and nft's nat statements
 * call the same kernel NAT core (`nf_nat_setup_info`, `nf_nat_masquerade_*`, `nf_nat_redirect_*`) with the
 * same range flags, so a translated statement maps connections exactly as the target does. The tables are
 * `ip` or `ip6`, never `inet`, so the statements carry no family word (`dnat to`, not `dnat ip to`).
 *
 * Ports: iptables accepts a port mapping only on rules with `-p tcp|udp|sctp|dccp|icmp`, and nft maps ports
 * only after a transport protocol match. The rule's `-p` gives `meta l4proto X` (generic.ts), which stays in
 * the rule unless a later match reads X's header (`tcp dport 80`), which also gives nft the protocol; a bare
 * `-m tcp` or a full port range adds no such match, so `meta l4proto` stays.
 * @module
 */
import { type KnownTarget, type NumberRange, formatProtocol } from "../ast/index.js";
import type { Span } from "../diagnostic/index.js";
import type { NftExpr, NftNat, NftNatFlag, NftPortNat } from "../nft/index.js";
import { type ByKind, type Refusal, type RuleContext, type Translation, ok, refuse } from "./context.js";
import { rangeExpr, sym } from "./expr.js";
import { refuseMisplaced } from "./helper-chains.js";

type DnatTarget = Extract<KnownTarget, { kind: "DNAT" }>;
type SnatTarget = Extract<KnownTarget, { kind: "SNAT" }>;
type MasqueradeTarget = Extract<KnownTarget, { kind: "MASQUERADE" }>;
type RedirectTarget = Extract<KnownTarget, { kind: "REDIRECT" }>;
type NetmapTarget = Extract<KnownTarget, { kind: "NETMAP" }>;
type SnptTarget = Extract<KnownTarget, { kind: "SNPT" }>;
type DnptTarget = Extract<KnownTarget, { kind: "DNPT" }>;

/** A NAT range as the AST keeps it (DNAT's `--to-destination`, SNAT's `--to-source`). */
type NatRangeValue = NonNullable<DnatTarget["toDestination"]>["value"];

/** Protocols iptables accepts a port mapping with (libxt_DNAT's `portok`): tcp, udp, sctp, dccp, icmp. */
const portProtocols: ReadonlyMap<number, string> = new Map([
  [6, "tcp"],
  [17, "udp"],
  [132, "sctp"],
  [33, "dccp"],
  [1, "icmp"],
]);

/**
 * Refuses a port mapping the rule's protocol does not allow. iptables checks the protocol number of `-p`
 * (even a negated one); nft needs a positive transport protocol match, which only `-p X` without `!` gives.
 */
function refusePortsWithoutProtocol(cx: RuleContext, what: string, span: Span): Refusal | undefined {
  const p = cx.rule.protocol;
  if (p === undefined) return refuse(`${what} needs -p tcp, udp, sctp, dccp or icmp: iptables refuses a port mapping without it, and nft maps ports only after a transport protocol match`, span);
  const name = portProtocols.get(p.value);
  if (name === undefined) return refuse(`${what} needs -p tcp, udp, sctp, dccp or icmp: iptables refuses a port mapping with -p ${formatProtocol(p.value)}`, span);
  if (p.negated) return refuse(`${what} on a rule with ! -p ${name}: nft maps ports only after a positive transport protocol match`, span);
  return undefined;
}

/** The address part of a NAT range: one address, or `from-to`. */
function natAddress(r: NatRangeValue): NftExpr | undefined {
  const a = r.addresses;
  if (a === undefined) return undefined;
  return a.from.address === a.to.address ? sym(a.from.address) : { kind: "range", low: sym(a.from.address), high: sym(a.to.address) };
}

/** The nat flags in the order nft lists them. */
function natFlags(random: boolean, fullyRandom: boolean, persistent: boolean): { readonly flags?: readonly NftNatFlag[] } {
  const flags: NftNatFlag[] = [];
  if (random) flags.push("random");
  if (fullyRandom) flags.push("fully-random");
  if (persistent) flags.push("persistent");
  return flags.length === 0 ? {} : { flags };
}

/** The nat statement for DNAT and SNAT. */
function translateNatRange(kind: "dnat" | "snat", target: string, option: string, range: NatRangeValue, flags: ReturnType<typeof natFlags>, cx: RuleContext, span: Span): Translation {
  const ports = range.ports;
  if (ports !== undefined) {
    if (ports.base !== undefined) {
      return refuse(`${target} ${option} with a base port (/${ports.base}) maps a block of ports by offset; nft 1.0.6 has no shifted port ranges`, span);
    }
    const refusal = refusePortsWithoutProtocol(cx, `${target} ${option} with a port`, span);
    if (refusal !== undefined) return refusal;
  }
  const addr = natAddress(range);
  const portRange: NumberRange | undefined = ports === undefined ? undefined : { from: ports.from, to: ports.to };
  const stmt: NftNat = {
    kind,
    ...(addr === undefined ? {} : { addr }),
    ...(portRange === undefined ? {} : { port: rangeExpr(portRange) }),
    ...flags,
  };
  return ok(stmt);
}

/** `-j DNAT --to-destination [ADDR[-ADDR]][:PORT[-PORT]] [--random] [--persistent]` → `dnat to …`. */
export function translateDnat(t: DnatTarget, cx: RuleContext): Translation {
  const misplaced = refuseMisplaced(cx, t.span, "DNAT", ["nat"], ["PREROUTING", "OUTPUT"]);
  if (misplaced !== undefined) return misplaced;
  // The schema requires --to-destination; a node without it cannot come from the parser.
  if (t.toDestination === undefined) return refuse("DNAT without --to-destination", t.span);
  return translateNatRange("dnat", "DNAT", "--to-destination", t.toDestination.value, natFlags(t.random !== undefined, false, t.persistent !== undefined), cx, t.span);
}

/** `-j SNAT --to-source [ADDR[-ADDR]][:PORT[-PORT]] [--random] [--random-fully] [--persistent]` → `snat to …`. */
export function translateSnat(t: SnatTarget, cx: RuleContext): Translation {
  const misplaced = refuseMisplaced(cx, t.span, "SNAT", ["nat"], ["POSTROUTING", "INPUT"]);
  if (misplaced !== undefined) return misplaced;
  if (t.toSource === undefined) return refuse("SNAT without --to-source", t.span);
  return translateNatRange("snat", "SNAT", "--to-source", t.toSource.value, natFlags(t.random !== undefined, t.randomFully !== undefined, t.persistent !== undefined), cx, t.span);
}

/** The `masquerade`/`redirect` statement with optional `to :PORTS` and flags. */
function portNat(kind: "masquerade" | "redirect", target: string, ports: NumberRange | undefined, flags: ReturnType<typeof natFlags>, cx: RuleContext, span: Span): Translation {
  if (ports !== undefined) {
    const refusal = refusePortsWithoutProtocol(cx, `${target} --to-ports`, span);
    if (refusal !== undefined) return refusal;
  }
  const stmt: NftPortNat = { kind, ...(ports === undefined ? {} : { port: rangeExpr(ports) }), ...flags };
  return ok(stmt);
}

/** `-j MASQUERADE [--to-ports P[-P]] [--random] [--random-fully]` → `masquerade [to :P] [random,fully-random]`. */
export function translateMasquerade(t: MasqueradeTarget, cx: RuleContext): Translation {
  const misplaced = refuseMisplaced(cx, t.span, "MASQUERADE", ["nat"], ["POSTROUTING"]);
  if (misplaced !== undefined) return misplaced;
  return portNat("masquerade", "MASQUERADE", t.toPorts?.value, natFlags(t.random !== undefined, t.randomFully !== undefined, false), cx, t.span);
}

/**
 * `-j REDIRECT [--to-ports P[-P]] [--random]` → `redirect [to :P] [random]`. iptables keeps `--random`
 * even without `--to-ports` (the flag then only picks random ports when the original one is taken), as
 * nft's `redirect random` does.
 */
export function translateRedirect(t: RedirectTarget, cx: RuleContext): Translation {
  const misplaced = refuseMisplaced(cx, t.span, "REDIRECT", ["nat"], ["PREROUTING", "OUTPUT"]);
  if (misplaced !== undefined) return misplaced;
  return portNat("redirect", "REDIRECT", t.toPorts?.value, natFlags(t.random !== undefined, false, false), cx, t.span);
}

/**
 * `-j NETMAP --to ADDR/LEN` → `dnat prefix to ADDR/LEN` in PREROUTING and OUTPUT, `snat prefix to ADDR/LEN`
 * in POSTROUTING and INPUT. Both keep the host part of the address and replace its network part, through
 * the same NAT setup (nft_nat's netmap computes the address as xt_NETMAP does). NETMAP picks the direction
 * by the hook the packet is in, which a user chain does not fix, so NETMAP in a user chain is refused.
 */
export function translateNetmap(t: NetmapTarget, cx: RuleContext): Translation {
  const misplaced = refuseMisplaced(cx, t.span, "NETMAP", ["nat"], ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]);
  if (misplaced !== undefined) return misplaced;
  if (t.to === undefined) return refuse("NETMAP without --to", t.span);
  let kind: "dnat" | "snat";
  switch (cx.chain) {
    case "PREROUTING":
    case "OUTPUT":
      kind = "dnat";
      break;
    case "POSTROUTING":
    case "INPUT":
      kind = "snat";
      break;
    default:
      return refuse(
        `NETMAP in the user chain ${cx.chain} maps the destination or the source depending on the hook that reached it (PREROUTING/OUTPUT or POSTROUTING/INPUT); an nft rule must say dnat or snat`,
        t.span,
      );
  }
  const to = t.to.value;
  const stmt: NftNat = { kind, prefix: true, addr: { kind: "prefix", addr: to.address, len: to.length } };
  return ok(stmt);
}

/** Why SNPT and DNPT have no translation. */
const nptReason =
  "nft 1.0.6 has no stateless IPv6 prefix translation (RFC 6296): its snat/dnat prefix forms go through conntrack and rewrite checksums, while NPT rewrites the prefix checksum-neutrally (adjusting a 16-bit word of the address) without conntrack, so the resulting addresses differ";

/** `-j SNPT`: refused, see {@link nptReason}. */
export function translateSnpt(t: SnptTarget): Translation {
  return refuse(`SNPT: ${nptReason}`, t.span);
}

/** `-j DNPT`: refused, see {@link nptReason}. */
export function translateDnpt(t: DnptTarget): Translation {
  return refuse(`DNPT: ${nptReason}`, t.span);
}

/** The address translation targets this file provides. */
export const natTargetTranslators = {
  DNAT: translateDnat,
  SNAT: translateSnat,
  MASQUERADE: translateMasquerade,
  REDIRECT: translateRedirect,
  NETMAP: translateNetmap,
  SNPT: translateSnpt,
  DNPT: translateDnpt,
} satisfies Partial<ByKind<KnownTarget>>;
