/**
 * Targets that decide where a packet or its connection goes: NFQUEUE, CT, NOTRACK, TPROXY, TEE, SYNPROXY;
 * IDLETIMER and LED are refused (nft has no equivalent).
 * @module
 */
import type { KnownTarget } from "../ast/index.js";
import type { NftQueue, NftStatement } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, ok, refuse } from "./context.js";
import { ct, markUpdate, match, meta, num, sym } from "./expr.js";
import { matchTcpFlags } from "./protocols.js";
import { addHelperChain, refuseMisplaced } from "./helper-chains.js";

type NfqueueTarget = Extract<KnownTarget, { kind: "NFQUEUE" }>;
type CtTarget = Extract<KnownTarget, { kind: "CT" }>;
type NotrackTarget = Extract<KnownTarget, { kind: "NOTRACK" }>;
type TproxyTarget = Extract<KnownTarget, { kind: "TPROXY" }>;
type TeeTarget = Extract<KnownTarget, { kind: "TEE" }>;
type SynproxyTarget = Extract<KnownTarget, { kind: "SYNPROXY" }>;
type IdletimerTarget = Extract<KnownTarget, { kind: "IDLETIMER" }>;
type LedTarget = Extract<KnownTarget, { kind: "LED" }>;

/**
 * `-j NFQUEUE` → `queue [flags bypass,fanout] to N|A-B`. nft_queue and xt_NFQUEUE pick the queue the same
 * way: `--queue-balance` hashes the flow with the same nfqueue_hash (each module seeds it randomly),
 * `--queue-cpu-fanout` takes the CPU number modulo the range, and `--queue-bypass` accepts the packet when
 * no program listens.
 */
export function translateNfqueue(t: NfqueueTarget): Translation {
  const balance = t.queueBalance?.value;
  const queueNumber = balance === undefined ? num(t.queueNum?.value ?? 0) : { kind: "range" as const, low: num(balance.from), high: num(balance.to) };
  const flags: ("bypass" | "fanout")[] = [];
  if (t.queueBypass !== undefined) flags.push("bypass");
  if (t.queueCpuFanout !== undefined) flags.push("fanout");
  const stmt: NftQueue = { kind: "queue", num: queueNumber, ...(flags.length === 0 ? {} : { flags }) };
  return ok(stmt);
}

/**
 * Attaches a conntrack template with zone `zone` (xt_CT does so for every CT rule without --notrack, zone 0
 * when none is given). `ct zone set` is nft's template; it is skipped for packets already tracked or
 * carrying a template, as xt_CT is, but not for untracked ones, which xt_CT leaves alone: the helper chain
 * tests `ct state != untracked` so the rule's own counter still counts every packet that reaches the target.
 */
function zoneTemplate(cx: RuleContext, zone: number, dir: "original" | "reply" | undefined): Translation {
  const set: NftStatement = { kind: "mangle", key: ct("zone", dir), value: num(zone) };
  const name = addHelperChain(cx, "CT_zone", [[match(ct("state"), sym("untracked"), "!="), set]]);
  return ok({ kind: "jump", target: name });
}

/**
 * `-j CT` (raw table): `--notrack` → `notrack`; `--zone N` (and `--zone-orig`, `--zone-reply`, or no
 * option) → `ct [original|reply] zone set N` for packets not yet tracked. Refused: `--zone mark` (xt_CT
 * reads the mark when conntrack creates the entry, after later raw rules may change it), and `--helper`,
 * `--timeout`, `--ctevents`, `--expevents`: xt_CT stores them in the template, which conntrack copies into
 * the new connection, while nft's `ct helper set`, `ct timeout set` and `ct event set` act only on a
 * connection conntrack has already created, so in the raw table (before conntrack) they do nothing.
 */
export function translateCt(t: CtTarget, cx: RuleContext): Translation {
  const misplaced = refuseMisplaced(cx, t.span, "CT", ["raw"], ["PREROUTING", "OUTPUT"]);
  if (misplaced !== undefined) return misplaced;
  // With --notrack the kernel ignores every other option.
  if (t.notrack !== undefined) return ok({ kind: "notrack" });
  const later = (["helper", "timeout", "ctevents", "expevents"] as const).filter((k) => t[k] !== undefined);
  const firstLater = later[0];
  if (firstLater !== undefined) {
    const option = `--${firstLater}`;
    const nft = firstLater === "helper" ? "ct helper set" : firstLater === "timeout" ? "ct timeout set" : firstLater === "ctevents" ? "ct event set" : "nothing (nft has no expectation event mask)";
    return refuse(
      `CT ${option} goes into the template that conntrack copies into each new connection; nft's equivalent (${nft}) acts only on a connection conntrack has already created (priority above -200), so in the raw table it would do nothing, and moving the rule to a later chain would test its matches on a later state of the packet`,
      t.span,
    );
  }
  const zone = t.zone ?? t.zoneOrig ?? t.zoneReply;
  const dir = t.zoneOrig !== undefined ? "original" : t.zoneReply !== undefined ? "reply" : undefined;
  if (zone?.value === "mark") {
    return refuse("CT --zone mark takes the zone from the packet mark when conntrack creates the entry, after the rest of the raw table ran; nft's ct zone set would read the mark when this rule runs", zone.span);
  }
  return zoneTemplate(cx, zone?.value ?? 0, dir);
}

/** `-j NOTRACK` → `notrack`: both leave a packet that has no conntrack entry yet untracked. */
export function translateNotrack(t: NotrackTarget, cx: RuleContext): Translation {
  const misplaced = refuseMisplaced(cx, t.span, "NOTRACK", ["raw"], ["PREROUTING", "OUTPUT"]);
  if (misplaced !== undefined) return misplaced;
  return ok({ kind: "notrack" });
}

/**
 * `-j TPROXY --on-port P [--on-ip A] [--tproxy-mark V/M]` (mangle PREROUTING, -p tcp|udp). TPROXY assigns
 * the packet to a transparent socket, sets the mark and accepts; when no such socket takes it, it drops the
 * packet. nft's tproxy statement assigns the socket the same way but otherwise just ends the rule, so the
 * rule jumps to a helper chain: `meta l4proto P tproxy to A:P meta mark set … accept`, then `drop`.
 */
export function translateTproxy(t: TproxyTarget, cx: RuleContext): Translation {
  const misplaced = refuseMisplaced(cx, t.span, "TPROXY", ["mangle"], ["PREROUTING"]);
  if (misplaced !== undefined) return misplaced;
  const protocol = cx.protocol === 6 ? "tcp" : cx.protocol === 17 ? "udp" : undefined;
  if (protocol === undefined) return refuse("TPROXY needs -p tcp or -p udp: the kernel refuses it on rules that may match other protocols", t.span);
  const port = t.onPort?.value ?? 0;
  const address = t.onIp?.value.address;
  // 0.0.0.0 and :: mean the incoming interface's address, which nft's tproxy uses when no address is given.
  const addr = address === undefined || address === "0.0.0.0" || address === "::" ? undefined : sym(address);
  const mark = t.tproxyMark?.value ?? { value: 0, mask: 0 };
  const markStmts: NftStatement[] = mark.mask === 0 && mark.value === 0 ? [] : [{ kind: "mangle", key: meta("mark"), value: markUpdate(meta("mark"), mark.mask, mark.value) }];
  const taken: NftStatement[] = [
    match(meta("l4proto"), sym(protocol)),
    // Port 0 keeps the packet's destination port, as nft's tproxy does without a port.
    { kind: "tproxy", ...(addr === undefined ? {} : { addr }), ...(port === 0 && addr !== undefined ? {} : { port: num(port) }) },
    ...markStmts,
    { kind: "accept" },
  ];
  return ok({ kind: "jump", target: addHelperChain(cx, "TPROXY", [taken, [{ kind: "drop" }]]) });
}

/**
 * `-j TEE --gateway A` → `dup to A`: both send a copy through nf_dup to the next hop A and let the original
 * go on. `--oif` is refused: nft resolves `dup … device` to an interface index when the ruleset loads (and
 * fails if the interface is absent then), while TEE follows the interface by name as it comes and goes.
 */
export function translateTee(t: TeeTarget): Translation {
  if (t.oif !== undefined) {
    return refuse(`TEE --oif ${t.oif.value}: nft's dup resolves the device to an interface index when the ruleset loads, failing if it does not exist then; TEE follows the interface by name as it comes and goes`, t.oif.span);
  }
  if (t.gateway === undefined) return refuse("TEE without --gateway", t.span);
  return ok({ kind: "dup", addr: sym(t.gateway.value.address) });
}

/**
 * `-j SYNPROXY [--mss N] [--wscale N] [--timestamp] [--sack-perm]` (INPUT/FORWARD, -p tcp). ipt_SYNPROXY
 * answers a segment whose only flag among SYN/ACK/FIN/RST is SYN, checks one whose only such flag is ACK,
 * and lets every other segment go on; nft's synproxy takes any segment with SYN, then any with ACK. So the
 * rule jumps to a helper chain that calls synproxy only for those two flag combinations. Both verify the
 * checksum first; a segment with a bad checksum and other flags is dropped by SYNPROXY but passed on here.
 */
export function translateSynproxy(t: SynproxyTarget, cx: RuleContext): Translation {
  const misplaced = refuseMisplaced(cx, t.span, "SYNPROXY", "any table", ["INPUT", "FORWARD"]);
  if (misplaced !== undefined) return misplaced;
  if (cx.protocol !== 6) return refuse("SYNPROXY needs -p tcp: the kernel refuses it on rules that may match other protocols", t.span);
  const flags: ("timestamp" | "sack-perm")[] = [];
  if (t.timestamp !== undefined) flags.push("timestamp");
  if (t.sackPerm !== undefined) flags.push("sack-perm");
  const synproxy: NftStatement = {
    kind: "synproxy",
    ...(t.mss === undefined ? {} : { mss: t.mss.value }),
    ...(t.wscale === undefined ? {} : { wscale: t.wscale.value }),
    ...(flags.length === 0 ? {} : { flags }),
  };
  // FIN, SYN, RST and ACK: the flags ipt_SYNPROXY looks at.
  const tested = 0x01 | 0x02 | 0x04 | 0x10;
  const rules = [
    [matchTcpFlags(tested, 0x02, false), synproxy],
    [matchTcpFlags(tested, 0x10, false), synproxy],
  ];
  return ok({ kind: "jump", target: addHelperChain(cx, "SYNPROXY", rules) });
}

/** `-j IDLETIMER`: refused; nft has no idle timer (a sysfs file notified when no packet hit the rule for a while). */
export function translateIdletimer(t: IdletimerTarget): Translation {
  return refuse("IDLETIMER: nft has no idle timer (xt_IDLETIMER's sysfs file that tells userspace when no packet matched for --timeout seconds)", t.span);
}

/** `-j LED`: refused; nft has no statement that drives an LED trigger. */
export function translateLed(t: LedTarget): Translation {
  return refuse("LED: nft has no statement that blinks an LED trigger (xt_LED's netfilter-NAME trigger)", t.span);
}

/** The flow-steering targets this file provides. */
export const flowTargetTranslators = {
  NFQUEUE: translateNfqueue,
  CT: translateCt,
  NOTRACK: translateNotrack,
  TPROXY: translateTproxy,
  TEE: translateTee,
  SYNPROXY: translateSynproxy,
  IDLETIMER: translateIdletimer,
  LED: translateLed,
} satisfies Partial<ByKind<KnownTarget>>;
