/**
 * Matches on metadata and payload rather than on named header fields: comment, owner, socket, rpfilter,
 * time, nfacct, physdev, u32, string, bpf. Each follows its kernel module (xt_owner.c, xt_socket.c,
 * xt_rpfilter.c, xt_time.c, xt_nfacct.c, xt_u32.c) against the nft expression that replaces it.
 * @module
 */
import type { KnownMatch } from "../ast/index.js";
import { isNftIdentifier, type NftExpr, type NftFib, type NftStatement } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, approximately, ok, refuse } from "./context.js";
import { addressField, binop, eq, match, meta, num, rangeExpr, sym } from "./expr.js";

type CommentMatch = Extract<KnownMatch, { kind: "comment" }>;
type OwnerMatch = Extract<KnownMatch, { kind: "owner" }>;
type SocketMatch = Extract<KnownMatch, { kind: "socket" }>;
type RpfilterMatch = Extract<KnownMatch, { kind: "rpfilter" }>;
type TimeMatch = Extract<KnownMatch, { kind: "time" }>;
type NfacctMatch = Extract<KnownMatch, { kind: "nfacct" }>;
type PhysdevMatch = Extract<KnownMatch, { kind: "physdev" }>;
type U32Match = Extract<KnownMatch, { kind: "u32" }>;
type StringMatch = Extract<KnownMatch, { kind: "string" }>;
type BpfMatch = Extract<KnownMatch, { kind: "bpf" }>;

/** `-m comment`: the text becomes the rule's comment (src/translate/comment.ts); no statement here. */
export function translateComment(_m: CommentMatch, _cx: RuleContext): Translation {
  return ok();
}

/**
 * `-m owner` (xt_owner.c), for the uid and gid of the file behind the packet's socket. nft's `meta skuid` and
 * `meta skgid` read the same ids, but stop the rule when the packet has no socket or the socket no file,
 * where xt_owner matches exactly when every given option is negated (`! --uid-owner 0` matches packets the
 * kernel sends without a socket). So at least one `--uid-owner` or `--gid-owner` must be given without `!`;
 * then both agree that socketless packets do not match, and `--socket-exists` adds nothing.
 *
 * Refused: user and group names (looked up in the passwd and group files of the host that loads the rules;
 * iptables-save prints numbers, and ipt2nft does not read host files), `--suppl-groups` (nft reads only the
 * primary group), `--socket-exists` alone (nft has no test for "has a socket"), and rules that only negate.
 */
export function translateOwner(m: OwnerMatch, _cx: RuleContext): Translation {
  const out: NftStatement[] = [];
  for (const [o, key, what] of [
    [m.uidOwner, "skuid", "user"],
    [m.gidOwner, "skgid", "group"],
  ] as const) {
    if (o === undefined) continue;
    if ("name" in o.value) {
      return refuse(
        `${what} name "${o.value.name}" is looked up in the ${what === "user" ? "passwd" : "group"} database of the host that loads the rules; ipt2nft does not resolve names (give the numeric id, as iptables-save prints it)`,
        o.span,
      );
    }
    out.push(match(meta(key), rangeExpr(o.value), eq(o.negated)));
  }
  if (m.supplGroups !== undefined) return refuse("--suppl-groups also accepts the process's supplementary groups; nft's meta skgid reads only the primary group", m.supplGroups.span);
  const positive = (m.uidOwner !== undefined && !m.uidOwner.negated) || (m.gidOwner !== undefined && !m.gidOwner.negated);
  if (!positive) {
    const first = m.uidOwner ?? m.gidOwner ?? m.socketExists;
    return refuse(
      m.uidOwner === undefined && m.gidOwner === undefined
        ? "--socket-exists tests for a socket; nft has no expression that tells whether a packet has one"
        : "with only negated owner options, xt_owner also matches packets without a socket (sent by the kernel itself); nft's meta skuid/skgid stop the rule for those packets",
      (first ?? m).span,
    );
  }
  if (m.socketExists?.negated === true) return refuse("! --socket-exists with --uid-owner or --gid-owner matches no packet (a packet with an owner has a socket)", m.socketExists.span);
  return ok(...out);
}

/**
 * `-m socket` (xt_socket.c): a socket is found for the packet (the packet's own, or by lookup). nft's
 * `socket` expression finds the same socket, but `socket wildcard` and `socket mark` stop the rule for
 * sockets that are not full sockets (TIME_WAIT, SYN_RECV), which xt_socket still matches. So:
 * - `--nowildcard` (any socket): `socket transparent { 0, 1 }`, which nft reads for every kind of socket;
 * - `--nowildcard --transparent`: `socket transparent 1`.
 * Refused: without `--nowildcard` (xt_socket skips full sockets bound to the any-address but keeps
 * TIME_WAIT and SYN_RECV ones; nft's `socket wildcard 0` drops those too), and `--restore-skmark` (xt_socket
 * copies the socket mark only from full sockets and still matches the others; nft's `socket mark` stops the
 * rule for them).
 */
export function translateSocket(m: SocketMatch, _cx: RuleContext): Translation {
  if (m.restoreSkmark !== undefined) {
    return refuse("--restore-skmark copies the mark of full sockets and still matches TIME_WAIT/SYN_RECV sockets; nft's socket mark stops the rule for those", m.restoreSkmark.span);
  }
  if (m.nowildcard === undefined) {
    return refuse(
      "without --nowildcard, xt_socket skips full sockets bound to the any-address but matches TIME_WAIT and SYN_RECV sockets; nft's socket wildcard stops the rule for those, so no nft expression says the same",
      (m.transparent ?? m).span,
    );
  }
  const transparent = m.transparent === undefined ? ({ kind: "set", elements: [num(0), num(1)] } satisfies NftExpr) : num(1);
  return ok(match({ kind: "socket", key: "transparent" }, transparent));
}

/**
 * `-m rpfilter` → `fib saddr [. mark] [. iif] oif exists` (`missing` with `--invert`), the reverse-path
 * lookup nft_fib does for xt_rpfilter: the route back to the source must leave through the interface the
 * packet came in on (any interface with `--loose`), looked up with the packet's mark for `--validmark`;
 * loopback packets, and IPv4 packets from 0.0.0.0 to broadcast or link-local multicast, pass without
 * lookup in both.
 *
 * For IPv6, ip6t_rpfilter passes every packet from `::` without a lookup, while nft_fib looks `::` up
 * (only ICMPv6 to a link-local destination passes unlooked): so `--invert` becomes `ip6 saddr != :: fib ...
 * missing`, which matches no packet from `::`, as the kernel's inverted match (checked on Linux 6.18: a UDP
 * datagram from `::` arriving on an interface the default route does not use counted in `-m rpfilter`, not
 * in `--invert`, and the other way round in `fib saddr . iif oif exists` / `missing`).
 *
 * Remaining differences, all for spoofed or martian sources: xt_rpfilter (IPv4) accepts only unicast
 * routes back, while nft_fib also accepts broadcast, multicast and anycast-typed ones (a source address
 * that is a local broadcast address); without `--invert`, an IPv6 packet from `::` always matches
 * xt_rpfilter but `fib ... exists` only when the lookup of `::` finds a route through the input interface
 * (one nft rule cannot say "from `::` or a route back"). `--accept-local` is refused: nft_fib treats a local
 * route back as no route. xt_rpfilter only loads in the raw and mangle PREROUTING chains.
 */
export function translateRpfilter(m: RpfilterMatch, cx: RuleContext): Translation {
  if (m.acceptLocal !== undefined) return refuse("--accept-local accepts sources whose route back is local; nft's fib treats a local route as no route", m.acceptLocal.span);
  if (cx.table !== "raw" && cx.table !== "mangle") return refuse(`rpfilter works only in the raw and mangle tables; the kernel refuses it in ${cx.table}`, m.span);
  if (["INPUT", "FORWARD", "OUTPUT", "POSTROUTING"].includes(cx.chain)) return refuse(`rpfilter works only in PREROUTING; the kernel refuses it in ${cx.chain}`, m.span);
  const flags: NftFib["flags"][number][] = ["saddr"];
  if (m.validmark !== undefined) flags.push("mark");
  if (m.loose === undefined) flags.push("iif");
  const test = match({ kind: "fib", flags, result: "oif" }, { kind: "boolean", value: m.invert === undefined });
  if (cx.family === "ipv6" && m.invert !== undefined) return ok(match(addressField("ipv6", "saddr"), sym("::"), "!="), test);
  if (cx.family === "ipv6") {
    const differs = "packets from the unspecified address :: always pass ip6t_rpfilter (no lookup), but nft's fib passes them only when the route to :: leaves through the input interface";
    return approximately({ differs, nftMatches: "fewer", span: m.span }, test);
  }
  const differs = `packets whose route back is broadcast, multicast or anycast rather than unicast (such as a source that is one of this host's broadcast addresses) fail xt_rpfilter, but nft's fib finds a route and passes them, so the nft rule matches ${m.invert === undefined ? "them too" : "none of them"}`;
  return approximately({ differs, nftMatches: m.invert === undefined ? "more" : "fewer", span: m.span }, test);
}

/** Seconds in a day; xt_time's times of day run from 0 to 86399. */
const day = 86400;
/** libxt_time's default end date: INT_MAX seconds, 2038-01-19T03:14:07 UTC. */
const defaultDateStop = 0x7fffffff;
/** xt_time's weekday numbers (Mon = 1 ... Sun = 7) to nft's `meta day` (Sun = 0 ... Sat = 6). */
const weekdayNumber: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 0 };
const allWeekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

/**
 * A time value nft parses without applying its own time zone. nft reads `meta hour "12:00"` and
 * `meta time "2021-01-01 00:00:00"` in the time zone of the process that loads the rules, but a bare number
 * as seconds (UTC); xt_time works in UTC (without `--kerneltz`). Written as a symbol, so that the JSON form
 * is a string nft parses the same way.
 */
function seconds(n: number): NftExpr {
  return sym(String(n));
}

/** Seconds of the day from `low` to `high`, or the one second when they are the same. */
function hours(low: number, high: number): NftExpr {
  return low === high ? seconds(low) : { kind: "range", low: seconds(low), high: seconds(high) };
}

/**
 * `-m time` (xt_time.c) in UTC, with nft's `meta time` (nanoseconds since 1970), `meta hour` (seconds
 * since midnight UTC) and `meta day` (0 = Sunday), all written as numbers so nft does not shift them into
 * its own time zone:
 * - dates: xt_time compares whole seconds, `start <= now <= stop`, so `meta time >= start` and
 *   `meta time < stop + 1`. The end defaults to 2038-01-19T03:14:07 (INT_MAX), after which xt_time stops
 *   matching, so the bound is always written.
 * - times of day: `start <= t <= stop`; when start is not before stop, `t >= start || t <= stop` (all day
 *   when they are equal), which is "not strictly between stop and start".
 * - weekdays: a set of days; with `--contiguous` the part after midnight counts as the day before, which is
 *   one set of (hour range . day) pairs.
 *
 * Refused: `--kerneltz` (nft's meta hour and day are UTC in the kernel; nft converts times in its own time
 * zone when loading, not the kernel's), `--monthdays` other than all days (nft has no day of the month),
 * and day lists that match no day.
 */
export function translateTime(m: TimeMatch, _cx: RuleContext): Translation {
  if (m.kerneltz !== undefined) {
    return refuse("--kerneltz uses the kernel's time zone; nft's meta hour and meta day are UTC, and nft converts times with its own time zone when loading, not the kernel's", m.kerneltz.span);
  }
  const out: NftStatement[] = [];
  if (m.monthdays !== undefined) {
    const given = new Set(m.monthdays.value);
    const count = Array.from({ length: 31 }, (_, i) => i + 1).filter((d) => given.has(d) !== m.monthdays?.negated).length;
    if (count === 0) return refuse("the --monthdays list leaves no day of the month, so the rule matches no packet", m.monthdays.span);
    if (count < 31) return refuse("--monthdays matches days of the month; nft has no day-of-month key (meta day is the weekday)", m.monthdays.span);
  }
  const start = m.datestart?.value ?? 0;
  const stop = m.datestop?.value ?? defaultDateStop;
  if (start > 0) out.push(match(meta("time"), seconds(start), ">="));
  out.push(match(meta("time"), seconds(stop + 1), "<"));

  const from = m.timestart?.value ?? 0;
  const to = m.timestop?.value ?? day - 1;
  const days = m.weekdays === undefined ? allWeekdays : allWeekdays.filter((d) => m.weekdays?.value.includes(d) !== m.weekdays?.negated);
  if (days.length === 0 && m.weekdays !== undefined) return refuse("the --weekdays list leaves no day, so the rule matches no packet", m.weekdays.span);
  const dayNumbers = days.map((d) => weekdayNumber[d] ?? 0);
  const everyDay = days.length === 7;
  const wraps = from >= to;
  if (wraps && m.contiguous !== undefined && !everyDay) {
    // Before stop (after midnight) the day that counts is the previous one; from max(start, stop+1) on, today.
    const late = Math.max(from, to + 1);
    const elements: NftExpr[] = [];
    for (const d of dayNumbers) {
      if (late <= day - 1) elements.push({ kind: "concat", exprs: [hours(late, day - 1), num(d)] });
      elements.push({ kind: "concat", exprs: [hours(0, to), num((d + 1) % 7)] });
    }
    out.push(match({ kind: "concat", exprs: [meta("hour"), meta("day")] }, { kind: "set", elements }));
    return ok(...out);
  }
  if (!wraps && !(from === 0 && to === day - 1)) out.push(match(meta("hour"), hours(from, to)));
  // Wrapping: every time but those strictly between stop and start (none when start is stop or stop + 1).
  if (wraps && to + 1 <= from - 1) out.push(match(meta("hour"), hours(to + 1, from - 1), "!="));
  if (!everyDay) out.push(match(meta("day"), { kind: "set", elements: dayNumbers.map((d) => num(d)) }));
  return ok(...out);
}

/**
 * `-m nfacct --nfacct-name NAME` → a named counter `counter name "NAME"` of the table. xt_nfacct counts the
 * packet in the nfacct object and matches unless that object has a quota that is not yet used up; the
 * quota lives in the nfacct object (made with the nfacct tool), not in the rule, so the translation
 * assumes an object without quota, which always matches. nfacct objects are shared by every table; nft's
 * counters belong to one table, so rules of two tables naming the same object count separately.
 */
export function translateNfacct(m: NfacctMatch, cx: RuleContext): Translation {
  if (m.nfacctName === undefined) return ok();
  const name = m.nfacctName.value;
  if (!isNftIdentifier(name)) return refuse(`nfacct name "${name}" is not a name nft 1.0.6 can give a counter (letters, digits, _ . - and not a keyword)`, m.nfacctName.span);
  if (!cx.objects.addObject({ kind: "counter", name })) return refuse(`an object named ${name} already exists in this table with another definition`, m.nfacctName.span);
  return ok({ kind: "objref", type: "counter", name });
}

/** `-m physdev`: refused; the bridge port of a bridged packet is not visible to nft's ip and ip6 tables. */
export function translatePhysdev(m: PhysdevMatch, _cx: RuleContext): Translation {
  return refuse(
    "physdev matches bridge ports, which nft's ip and ip6 tables cannot see (iptables-nft itself keeps the xt physdev module for it); bridged traffic needs an nft bridge-family table with meta ibrname/obrname",
    m.span,
  );
}

/**
 * `-m u32` (xt_u32.c): reads 32-bit big-endian words at offsets from the IP header. The simple form, a
 * fixed offset with an optional mask and value ranges (`0x6&0xff=0x6:0x11`), is nft's raw payload
 * `@nh,OFFSET,32 & MASK { ranges }`, compared as 32-bit big-endian numbers in both (nft may list such a
 * test as a header field, `ip protocol 6-17`, but keeps the masked 32-bit comparison). A packet too short
 * for the word does not match in either. Refused: `@` (offsets computed from the packet) and shifts (nft
 * 1.0.6 aborts on a shifted raw payload), and `!` (xt_u32 then matches packets too short for the word,
 * while nft stops the rule).
 */
export function translateU32(m: U32Match, _cx: RuleContext): Translation {
  if (m.u32 === undefined) return ok();
  if (m.u32.negated) return refuse("! --u32 also matches packets too short for the word; nft's payload expressions stop the rule for them", m.u32.span);
  const out: NftStatement[] = [];
  for (const test of m.u32.value) {
    if (test.steps.some((s) => s.op !== "&")) return refuse("u32 locations with @ or shifts have no nft equivalent (nft 1.0.6 cannot shift a raw payload, nor follow an offset read from the packet)", m.u32.span);
    const mask = test.steps.reduce((acc, s) => (acc & s.operand) >>> 0, 0xffffffff);
    if (test.start > 0xffff) return refuse(`u32 offset ${test.start} is beyond any packet`, m.u32.span);
    // A range with min above max matches nothing in xt_u32; nft takes no such range.
    const ranges = test.values.filter((v) => v.min <= v.max);
    if (ranges.length === 0) return refuse("every u32 value range is empty (min above max), so the rule matches no packet", m.u32.span);
    const word: NftExpr = { kind: "raw payload", base: "nh", offset: test.start * 8, length: 32 };
    const left = mask === 0xffffffff ? word : binop("&", word, num(mask, "hex"));
    const values = ranges.map((v) => rangeExpr({ from: v.min, to: v.max }, "hex"));
    const [only] = values;
    out.push(match(left, values.length === 1 && only !== undefined ? only : { kind: "set", elements: values }));
  }
  return ok(...out);
}

/** `-m string`: refused; nft 1.0.6 has no search for a pattern in the payload. */
export function translateString(m: StringMatch, _cx: RuleContext): Translation {
  return refuse("string searches the payload for a pattern; nft 1.0.6 has no payload search", m.span);
}

/** `-m bpf`: refused; nft runs no classic BPF programs or pinned eBPF objects. */
export function translateBpf(m: BpfMatch, _cx: RuleContext): Translation {
  return refuse("bpf runs a BPF program on the packet; nft has no expression that runs classic BPF or pinned eBPF programs", m.span);
}

/** The metadata match translators this file provides. */
export const metaMatchTranslators = {
  comment: translateComment,
  owner: translateOwner,
  socket: translateSocket,
  rpfilter: translateRpfilter,
  time: translateTime,
  nfacct: translateNfacct,
  physdev: translatePhysdev,
  u32: translateU32,
  string: translateString,
  bpf: translateBpf,
} satisfies Partial<ByKind<KnownMatch>>;
