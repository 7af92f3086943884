/**
 * Matches that depend on chance or on what came before: statistic, limit, hashlimit, quota. Each follows its
 * kernel module (xt_statistic.c, xt_limit.c, xt_hashlimit.c, xt_quota.c) against the nft expression that
 * replaces it (nft_meta.c `random`, nft_numgen.c, nft_limit.c, nft_dynset.c, nft_quota.c).
 * @module
 */
import { type KnownMatch, type Rate, formatIP, prefixMask } from "../ast/index.js";
import { isNftIdentifier, isNftQuotable, type NftDataType, type NftExpr, type NftLimit, type NftSet } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, ok, refuse } from "./context.js";
import { addressField, binop, eq, match, meta, num, payload, sym } from "./expr.js";
import { protocolPayloadName } from "./protocols.js";

type StatisticMatch = Extract<KnownMatch, { kind: "statistic" }>;
type LimitMatch = Extract<KnownMatch, { kind: "limit" }>;
type HashlimitMatch = Extract<KnownMatch, { kind: "hashlimit" }>;
type QuotaMatch = Extract<KnownMatch, { kind: "quota" }>;

/**
 * `-m statistic`, exactly as xt_statistic.c decides:
 * - random: matches when `(random32 & 0x7fffffff) < threshold`, the threshold being libxt_statistic's
 *   `lround(0x80000000 * p)`; nft reads a fresh 32-bit random number in `meta random`, so the test is the
 *   same, and `!` is `>=`. Probability 1 is threshold 2^31, which every masked value is below.
 * - nth: libxt_statistic starts the counter at `every - 1 - packet`; each packet moves it on and matches when
 *   it wraps to 0, so packet i (from 0) matches when `i mod every == packet`. nft's `numgen inc mod N` gives
 *   packet i the value `i mod N` (nft_numgen.c starts the counter at N - 1 and returns it after the
 *   increment; measured on Linux 6.18: `--every 3 --packet 1` and `numgen inc mod 3 == 1` both match the 2nd
 *   and 5th packet). Kernels whose nft_ng_inc_init set the counter to 0 gave packet i the value
 *   `(i + 1) mod N` instead.
 */
export function translateStatistic(m: StatisticMatch, _cx: RuleContext): Translation {
  if (m.mode?.value === "random") {
    if (m.probability === undefined) return ok();
    const random = binop("&", meta("random"), num(0x7fffffff, "hex"));
    return ok(match(random, num(m.probability.value.threshold), m.probability.negated ? ">=" : "<"));
  }
  if (m.every === undefined) return ok();
  const negated = m.every.negated;
  return ok(match({ kind: "numgen", mode: "inc", mod: m.every.value }, num(m.packet?.value ?? 0), eq(negated)));
}

/** XT_LIMIT_SCALE: xt_limit keeps the time between packets in units of 1/10000 s. */
const limitScale = 10000;
const unitSeconds: Readonly<Record<Rate["per"], number>> = { second: 1, minute: 60, hour: 3600, day: 86400 };
/** The largest `period * burst` whose credits (`floor(x / 10000) * 32000`) fit in 32 bits. */
const maxLimitCreditUser = 1342179999;

/**
 * `-m limit`: a token bucket of `--limit-burst` packets (default 5) refilled at `--limit` (default 3/hour),
 * starting full (xt_limit.c), which is nft's `limit rate R/unit burst B packets` (nft_limit.c: a bucket of
 * B packet costs, starting full). xt_limit stores the rate as whole 1/10000 s per packet and refills per
 * jiffy; nft counts nanoseconds. The rate written here is the one iptables-save prints back, so the two
 * differ by at most that rounding (under 0.1% for rates below 1000/s). Burst 0 is refused, as the kernel
 * refuses it (the rule could not have been loaded).
 */
export function translateLimit(m: LimitMatch, _cx: RuleContext): Translation {
  const rate = m.limit?.value ?? { count: 3, per: "hour" };
  const burst = m.burst?.value ?? 5;
  if (burst === 0 && m.burst !== undefined) return refuse("--limit-burst 0: xt_limit refuses a burst of 0 (ERANGE), so iptables cannot load this rule", m.burst.span);
  // limit_mt_check refuses a bucket whose size in credits overflows 32 bits: user2credits(period * burst),
  // which for HZ 250 or 1000 (HZ * CREDITS_PER_JIFFY = 32000) means period * burst above 1342179999.
  // Measured with iptables-legacy on HZ 250: 3/hour takes a burst of 111, not 112; 1/day only 1.
  const period = Math.floor((limitScale * unitSeconds[rate.per]) / rate.count);
  if (period * burst > maxLimitCreditUser) {
    return refuse(`--limit ${rate.count}/${rate.per} with --limit-burst ${burst} overflows xt_limit's 32-bit credit counter; the kernel refuses the rule (ERANGE)`, (m.burst ?? m.limit ?? m).span);
  }
  return ok({ kind: "limit", rate: rate.count, per: rate.per, unit: "packets", burst });
}

/** Protocols whose ports xt_hashlimit reads at offset 0 of the transport header (proto_ports_offset). */
const portProtocols: ReadonlySet<number> = new Set([6, 17, 136, 132, 33]);

/** The longest set name nft takes. */
const maxSetName = 255;
/** The longest set comment nft 1.0.6 takes (NFTNL_UDATA_COMMENT_MAXLEN). */
const maxSetComment = 128;

/**
 * `-m hashlimit`: one token bucket per group of packets (xt_hashlimit.c), as a dynamic nft set whose elements
 * each carry a limit: `update @hashlimit_NAME { KEY limit rate [over] R/unit burst B packets }`.
 * - The key is what `--hashlimit-mode` names, addresses masked by `--hashlimit-srcmask/-dstmask`; without a
 *   mode every packet shares one bucket, keyed by `meta protocol` (the same for every packet of the table's
 *   family), so that the bucket still expires like xt_hashlimit's single entry.
 * - An entry idle for `--hashlimit-htable-expire` ms is dropped and comes back full: the set's timeout,
 *   which `update` refreshes on every packet. The default is the rate's unit (1 s for /sec, 60 s for
 *   /min, ...), as libxt_hashlimit sets it; xt_hashlimit removes expired entries on its next garbage
 *   collection (every `--hashlimit-htable-gcinterval` ms), nft at the timeout itself.
 * - Rules with the same `--hashlimit-name` share one table in xt_hashlimit; here they share one set, and the
 *   set's comment records the settings, so two rules that would share a table with different settings (where
 *   the kernel would use the first rule's) are refused.
 * - Ports are read at the transport header only for tcp, udp, udplite, sctp and dccp; xt_hashlimit uses port
 *   0 for other protocols, so a port mode needs one of those as `-p`.
 *
 * Refused: byte rates (xt_hashlimit counts 16-byte chunks, caps a packet's cost at one second of rate and
 * spends the burst as one-off refills; nft's byte limit is a plain token bucket), and
 * `--hashlimit-rate-match`/`--hashlimit-rate-interval` (a different test altogether).
 */
export function translateHashlimit(m: HashlimitMatch, cx: RuleContext): Translation {
  const limit = m.upto ?? m.above;
  if (limit === undefined || m.name === undefined) return ok();
  const rate = limit.value;
  if (rate.kind === "bytes") {
    return refuse(
      "hashlimit byte rates count 16-byte chunks, cap one packet's cost at one second of rate and spend the burst as one-off refills; nft's byte limit is a plain token bucket, with no exact equivalent",
      limit.span,
    );
  }
  const rateOption = m.rateMatch ?? m.rateInterval;
  if (rateOption !== undefined) return refuse("--hashlimit-rate-match matches on the measured rate, which nft's limit cannot report", rateOption.span);
  const over = m.above !== undefined ? !m.above.negated : m.upto?.negated === true;
  const burst = burstPackets(m.burst?.value);
  const expireMs = m.htableExpire?.value ?? unitSeconds[rate.per] * 1000;
  if (expireMs === 0 && m.htableExpire !== undefined) return refuse("--hashlimit-htable-expire 0: xt_hashlimit refuses it (EINVAL)", m.htableExpire.span);
  if (expireMs % 1000 !== 0 && m.htableExpire !== undefined) {
    return refuse(`--hashlimit-htable-expire ${expireMs} ms is not a whole number of seconds, which is what ipt2nft's set timeouts take`, m.htableExpire.span);
  }
  const modes = m.mode?.value ?? [];
  const bits = cx.family === "ipv4" ? 32 : 128;
  const addrType: NftDataType = cx.family === "ipv4" ? "ipv4_addr" : "ipv6_addr";
  const parts: { readonly expr: NftExpr; readonly type: NftDataType }[] = [];
  for (const [mode, which, mask] of [
    ["srcip", "saddr", m.srcmask?.value ?? bits],
    ["dstip", "daddr", m.dstmask?.value ?? bits],
  ] as const) {
    // A mask of 0 makes the address part 0 for every packet: it does not split the groups.
    if (!modes.includes(mode) || mask === 0) continue;
    const field = addressField(cx.family, which);
    parts.push({ expr: mask === bits ? field : binop("&", field, sym(formatIP(cx.family, prefixMask(cx.family, mask)))), type: addrType });
  }
  for (const [mode, field] of [
    ["srcport", "sport"],
    ["dstport", "dport"],
  ] as const) {
    if (!modes.includes(mode)) continue;
    const protocol = cx.protocol !== undefined && portProtocols.has(cx.protocol) ? protocolPayloadName(cx.protocol) : undefined;
    if (protocol === undefined || !(protocol === "tcp" || protocol === "udp" || protocol === "udplite" || protocol === "sctp" || protocol === "dccp")) {
      return refuse(
        `--hashlimit-mode ${mode} reads ports only for tcp, udp, udplite, sctp and dccp (port 0 for other protocols, the SPI for esp and ah); give one of those as -p`,
        m.mode?.span ?? limit.span,
      );
    }
    parts.push({ expr: payload(protocol, field), type: "inet_service" });
  }
  if (parts.length === 0) parts.push({ expr: meta("protocol"), type: "ether_type" });
  const [first, ...rest] = parts;
  if (first === undefined) return ok();
  const name = `hashlimit_${m.name.value.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
  if (name.length > maxSetName || !isNftIdentifier(name)) return refuse(`hashlimit name ${m.name.value} does not make an nft set name`, m.name.span);
  const limitStmt: NftLimit = { kind: "limit", rate: rate.count, per: rate.per, unit: "packets", burst, ...(over ? { over: true } : {}) };
  const settings = [
    `${over ? "above" : "upto"} ${rate.count}/${rate.per} burst ${burst}`,
    `mode ${modes.length === 0 ? "none" : modes.join(",")}`,
    `srcmask ${m.srcmask?.value ?? bits} dstmask ${m.dstmask?.value ?? bits}`,
    `expire ${expireMs}ms`,
  ];
  const comment = `hashlimit ${m.name.value}: ${settings.join(", ")}`;
  if (Buffer.byteLength(comment) > maxSetComment || !isNftQuotable(comment)) {
    return refuse(`hashlimit name ${m.name.value} is too long (or has a double quote) for the set comment that records its settings (nft keeps ${maxSetComment} bytes)`, m.name.span);
  }
  const set: NftSet = {
    kind: "set",
    name,
    type: [first.type, ...rest.map((p) => p.type)],
    flags: ["dynamic", "timeout"],
    timeout: expireMs / 1000,
    ...(m.htableMax !== undefined && m.htableMax.value > 0 ? { size: m.htableMax.value } : {}),
    comment,
  };
  if (!cx.objects.addSet(set)) {
    return refuse(
      `another rule uses --hashlimit-name ${m.name.value} with other settings; xt_hashlimit would share one table and use the first rule's settings, which nft sets cannot reproduce`,
      m.name.span,
    );
  }
  const key: NftExpr = rest.length === 0 ? first.expr : { kind: "concat", exprs: parts.map((p) => p.expr) };
  return ok({ kind: "set", op: "update", set: name, elem: key, stmts: [limitStmt] });
}

/** A packet burst: the count times its suffix (libxt_hashlimit multiplies by 1024 for k, 1048576 for m). */
function burstPackets(b: { readonly count: number; readonly scale: "" | "b" | "kb" | "mb" } | undefined): number {
  if (b === undefined) return 5;
  return b.count * (b.scale === "mb" ? 1048576 : b.scale === "kb" ? 1024 : 1);
}

/** nft_quota refuses quotas above 2^63 - 1 (EOVERFLOW). */
const maxNftQuota = 0x7fff_ffff_ffff_ffffn;

/**
 * `-m quota --quota N`: matches while the bytes so far, this packet included, stay within N (xt_quota.c:
 * `quota >= len`, then `quota -= len`; a packet that does not fit empties the quota). nft's `quota N bytes`
 * adds every packet and matches while the total is not above N (nft_quota.c on Linux 6.18: `consumed >
 * quota` is over; measured: with 100-byte packets both match the first two packets of `--quota 200`).
 * Kernels before that used `>=`, one byte earlier. `!` is `quota over`.
 */
export function translateQuota(m: QuotaMatch, _cx: RuleContext): Translation {
  if (m.quota === undefined) return ok();
  if (m.quota.value > maxNftQuota) return refuse(`--quota ${m.quota.value} is above nft's largest quota (2^63 - 1 bytes)`, m.quota.span);
  return ok({ kind: "quota", bytes: m.quota.value, ...(m.quota.negated ? { over: true } : {}) });
}

/** The rate match translators this file provides. */
export const rateMatchTranslators = {
  statistic: translateStatistic,
  limit: translateLimit,
  hashlimit: translateHashlimit,
  quota: translateQuota,
} satisfies Partial<ByKind<KnownMatch>>;
