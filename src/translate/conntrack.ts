/**
 * Connection tracking matches: conntrack, state, helper, connbytes, connlabel, connlimit. Each follows its
 * kernel module (xt_conntrack.c, xt_state.c, xt_helper.c, xt_connbytes.c, xt_connlabel.c, xt_connlimit.c)
 * against nft_ct.c and nft_connlimit.c.
 *
 * The one difference that runs through all of them: nft's `ct` expressions stop the rule for a packet that
 * has no connection (invalid or untracked), except `ct state`. Where the xt module matches such a packet,
 * nft cannot say "no connection, or ..." in one rule: for `--ctstate` (INVALID next to other conntrack
 * options, `! --ctstate RELATED,ESTABLISHED,DNAT`) the match becomes disjoint cases, one nft rule each, which
 * nft can tell apart with `ct state`; `! --helper` and `! --label` are refused (their other case, a
 * connection without a master or without labels, has no nft test that does not stop the rule).
 * @module
 */
import { type Family, type KnownMatch, type Ruleset, formatIP, prefixMask } from "../ast/index.js";
import type { Span } from "../diagnostic/index.js";
import { isNftQuotable, type NftExpr, type NftSet, type NftStatement } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, type TranslatorResult, approximately, isRefusal, ok, refuse } from "./context.js";
import { addressField, binop, ct, eq, match, matchAddress, matchRange, num, str, sym } from "./expr.js";
import { protocolSymbol } from "./protocols.js";

type ConntrackMatch = Extract<KnownMatch, { kind: "conntrack" }>;
type StateMatch = Extract<KnownMatch, { kind: "state" }>;
type HelperMatch = Extract<KnownMatch, { kind: "helper" }>;
type ConnbytesMatch = Extract<KnownMatch, { kind: "connbytes" }>;
type ConnlabelMatch = Extract<KnownMatch, { kind: "connlabel" }>;
type ConnlimitMatch = Extract<KnownMatch, { kind: "connlimit" }>;

/** A connection state keyword of `--ctstate`/`--state`. */
type StateName = "INVALID" | "NEW" | "RELATED" | "ESTABLISHED" | "UNTRACKED";

/** nft's names for the state bits, which are the same bits xt_conntrack and xt_state test. */
const ctStateSymbols: Readonly<Record<StateName, string>> = {
  INVALID: "invalid",
  NEW: "new",
  RELATED: "related",
  ESTABLISHED: "established",
  UNTRACKED: "untracked",
};

/** nft's names for the ct status bits (IPS_SRC_NAT is `snat`, IPS_DST_NAT is `dnat`). */
const ctStatusSymbols: Readonly<Record<"EXPECTED" | "SEEN_REPLY" | "ASSURED" | "CONFIRMED" | "SNAT" | "DNAT", string>> = {
  EXPECTED: "expected",
  SEEN_REPLY: "seen-reply",
  ASSURED: "assured",
  CONFIRMED: "confirmed",
  SNAT: "snat",
  DNAT: "dnat",
};

/** One flag symbol, or a list of them (`new,related`; `(new | related)` inside `&`). */
function flags(names: readonly string[]): NftExpr {
  const [only] = names;
  return names.length === 1 && only !== undefined ? sym(only) : { kind: "list", values: names.map(sym) };
}

/**
 * "Any of these bits" (`ct state new,related`), or with `negated` "none of them"
 * (`ct state & (new | related) == 0`), for a bitmask key.
 */
function matchAnyBit(key: NftExpr, names: readonly string[], negated: boolean): NftStatement {
  if (!negated) return match(key, flags(names), "in");
  return match(binop("&", key, flags(names)), num(0), "==");
}

/** States a packet without a connection has: INVALID, or UNTRACKED (after NOTRACK). */
const stateless: readonly StateName[] = ["INVALID", "UNTRACKED"];

/**
 * `ct state ...` for a list of plain states. A packet has exactly one state bit, so a single negated state is
 * `ct state != new`; a negated list is "none of these bits".
 */
function matchStates(states: readonly StateName[], negated: boolean): NftStatement {
  const names = states.map((s) => ctStateSymbols[s]);
  const [only] = names;
  if (negated && names.length === 1 && only !== undefined) return match(ct("state"), sym(only), "!=");
  return matchAnyBit(ct("state"), names, negated);
}

/** The mask text of a prefix, for masking an address in a set key (`ip saddr & 255.255.255.0`). */
function prefixMaskText(family: Family, length: number): string {
  return formatIP(family, prefixMask(family, length));
}

/** `--ctexpire` bounds are in seconds; nft's `ct expiration` is milliseconds in 32 bits. */
const maxExpirationMs = 0xffffffff;

/** The states a packet with a connection has (`ct state` reads the connection's ctinfo). */
const connectionStates: readonly StateName[] = ["NEW", "RELATED", "ESTABLISHED"];

type ConntrackState = NonNullable<ConntrackMatch["ctstate"]>;

/**
 * `-m conntrack`, as conntrack_mt in xt_conntrack.c evaluates it:
 * - `--ctstate` tests a state bit: INVALID or UNTRACKED for a packet without a connection, else the
 *   connection's NEW/RELATED/ESTABLISHED bit plus SNAT/DNAT for its IPS_SRC_NAT/IPS_DST_NAT status bits
 *   (nft keeps those in `ct status`); any listed bit matches, `!` means none does.
 * - A packet without a connection stops there: it matches when `--ctstate` was given (and passed), so
 *   nothing else is tested; otherwise it does not match. nft's `ct` expressions (but `ct state`) stop the
 *   rule for such a packet.
 * - Where one nft rule cannot say it (a packet without a connection passes `--ctstate` and there are other
 *   tests, or SNAT/DNAT are mixed with states), the match is an OR of disjoint cases (see
 *   {@link conntrackStateCases}), which the rule translator makes into one nft rule per case.
 * - `--ctstatus` matches when any listed bit is set (NONE is no bit, so it never matches; `! NONE` always).
 * - `--ctexpire` compares whole seconds left (`jiffies / HZ`, rounded down); nft's `ct expiration` is in
 *   milliseconds, so `--ctexpire 3` is `3s-3s999ms`.
 * - Ports compare the tuple's port field of any protocol; nft can only type `ct proto-src` after a protocol
 *   match, so a protocol is needed: `--ctproto`, or the rule's `-p` (a packet of protocol P has a
 *   connection of protocol P, so `ct original protocol P` adds no condition there).
 */
export function translateConntrack(m: ConntrackMatch, cx: RuleContext): TranslatorResult {
  const rest = connectionTests(m, cx);
  if (isRefusal(rest)) return rest;
  if (m.ctstate === undefined) return ok(...rest.stmts);
  const cases = conntrackStateCases(m.ctstate, rest.stmts);
  const [only] = cases;
  if (cases.length === 1 && only !== undefined) return ok(...only);
  const states = `${m.ctstate.negated ? "! " : ""}--ctstate ${m.ctstate.value.join(",")}`;
  const withoutConnection = passingWithoutConnection(m.ctstate).length > 0;
  return {
    alternatives: cases,
    disjoint: true,
    why: withoutConnection
      ? `${states} matches packets without a connection (by their state alone) and packets whose connection passes further tests (ct status, other conntrack options); nft's ct expressions other than ct state stop the rule for packets without a connection, so one nft rule cannot say "no connection, or ..."`
      : `${states} matches a connection state or a NAT status bit; nft keeps SNAT/DNAT in ct status, and one nft rule cannot say "ct state or ct status"`,
    span: m.ctstate.span,
  };
}

/**
 * The cases in which `--ctstate` (and, for packets with a connection, the other options' tests `rest`) lets
 * a packet through, as conntrack_mt computes them, each a list of nft statements:
 * - no connection: `ct state` INVALID or UNTRACKED, when that state passes (nothing else is tested);
 * - a connection whose state passes (`ct state new,...`), then `rest`;
 * - without `!`, a connection whose state does not pass but whose SNAT/DNAT bit does (`ct status snat`).
 * With `!`, a connection passes when its state is not listed and no listed NAT bit is set.
 *
 * The cases are disjoint: the first has no connection, the others need one (every test in them but
 * `ct state` stops the rule without a connection, and `ct state` then says new, related or established),
 * and the last two differ in the connection's state. One case is one nft rule; the forms that were one rule
 * before (no NAT bits, or a state test that no packet without a connection passes) stay one case.
 */
function conntrackStateCases(state: ConntrackState, rest: readonly NftStatement[]): readonly (readonly NftStatement[])[] {
  const plain = plainStates(state);
  const nat = state.value.filter((s): s is "SNAT" | "DNAT" => s === "SNAT" || s === "DNAT").map((s) => ctStatusSymbols[s]);
  const negated = state.negated;
  const passWithout = passingWithoutConnection(state);
  if (passWithout.length === 0 || (rest.length === 0 && nat.length === 0)) {
    // ct state alone says it for packets without a connection (they fail, or nothing else is tested).
    if (negated) return [[...(plain.length > 0 ? [matchStates(plain, true)] : []), ...(nat.length > 0 ? [matchAnyBit(ct("status"), nat, true)] : []), ...rest]];
    if (nat.length === 0) return [[matchStates(plain, false), ...rest]];
    if (plain.length === 0) return [[matchAnyBit(ct("status"), nat, false), ...rest]];
  }
  const cases: (readonly NftStatement[])[] = [];
  if (passWithout.length > 0) cases.push([matchStates(passWithout, false)]);
  const listed = connectionStates.filter((s) => plain.includes(s));
  const unlisted = connectionStates.filter((s) => !plain.includes(s));
  if (!negated) {
    if (listed.length > 0) cases.push([matchStates(listed, false), ...rest]);
    // ct status stops packets without a connection; the state test keeps this case apart from the one above.
    if (nat.length > 0 && unlisted.length > 0) cases.push([...(listed.length > 0 ? [matchStates(listed, true)] : []), matchAnyBit(ct("status"), nat, false), ...rest]);
  } else if (unlisted.length > 0) {
    // Without a state test, ct status or the other tests keep packets without a connection out of this case.
    const stateTest = unlisted.length === connectionStates.length && (nat.length > 0 || rest.length > 0) ? [] : [matchStates(unlisted, false)];
    cases.push([...stateTest, ...(nat.length > 0 ? [matchAnyBit(ct("status"), nat, true)] : []), ...rest]);
  }
  return cases;
}

/** The states of a `--ctstate` list, without SNAT and DNAT. */
function plainStates(state: ConntrackState): readonly StateName[] {
  return state.value.filter((s): s is StateName => s !== "SNAT" && s !== "DNAT");
}

/** The states of packets without a connection (INVALID, UNTRACKED; never SNAT/DNAT) that pass `--ctstate`. */
function passingWithoutConnection(state: ConntrackState): readonly StateName[] {
  const plain = plainStates(state);
  return stateless.filter((s) => plain.includes(s) !== state.negated);
}

/** The tests of `-m conntrack` other than `--ctstate`, all of which need a connection. */
function connectionTests(m: ConntrackMatch, cx: RuleContext): Translation {
  const out: NftStatement[] = [];
  if (m.ctdir !== undefined) out.push(match(ct("direction"), sym(m.ctdir.value === "ORIGINAL" ? "original" : "reply")));
  const tuples = [
    [m.ctorigsrc, "original", "saddr"],
    [m.ctorigdst, "original", "daddr"],
    [m.ctreplsrc, "reply", "saddr"],
    [m.ctrepldst, "reply", "daddr"],
  ] as const;
  for (const [o, dir, key] of tuples) {
    if (o !== undefined) out.push(matchAddress(ct(key, dir, cx.nftFamily), o.value, o.negated));
  }
  if (m.ctproto !== undefined) out.push(match(ct("protocol", "original"), protocolSymbol(m.ctproto.value), eq(m.ctproto.negated)));
  const ports = [
    [m.ctorigsrcport, "original", "proto-src"],
    [m.ctorigdstport, "original", "proto-dst"],
    [m.ctreplsrcport, "reply", "proto-src"],
    [m.ctrepldstport, "reply", "proto-dst"],
  ] as const;
  const firstPort = ports.find(([o]) => o !== undefined)?.[0];
  if (firstPort !== undefined) {
    const typed = m.ctproto !== undefined && !m.ctproto.negated;
    if (!typed) {
      if (cx.protocol === undefined) {
        return refuse(
          "nft 1.0.6 can only read ct proto-src/proto-dst after a protocol match (it cannot type the port otherwise); give --ctproto or -p",
          firstPort.span,
        );
      }
      out.push(match(ct("protocol", "original"), protocolSymbol(cx.protocol)));
    }
    for (const [o, dir, key] of ports) {
      if (o !== undefined) out.push(matchRange(ct(key, dir), o.value, o.negated));
    }
  }
  if (m.ctstatus !== undefined) {
    const bits = m.ctstatus.value.filter((s) => s !== "NONE").map((s) => ctStatusSymbols[s]);
    // NONE is the empty mask: `!!(0 & status)` is false, so it never matches (and `! NONE` always does).
    out.push(bits.length === 0 ? match(binop("&", ct("status"), num(0, "hex")), num(0, "hex"), m.ctstatus.negated ? "==" : "!=") : matchAnyBit(ct("status"), bits, m.ctstatus.negated));
  }
  if (m.ctexpire !== undefined) {
    const { from, to } = m.ctexpire.value;
    const low = from * 1000;
    if (low > maxExpirationMs) {
      return refuse(`--ctexpire ${from} is beyond what nft's ct expiration can hold (milliseconds in 32 bits, at most 4294967 seconds)`, m.ctexpire.span);
    }
    // Whole seconds s in [from, to] are the milliseconds [from*1000, to*1000+999]. nft's value is 32-bit
    // milliseconds (jiffies_to_msecs), so the top is cut to 2^32-1 ms: only a connection given a timeout
    // above 49.7 days could have more left, and nft's value would wrap for it.
    const high = Math.min(to * 1000 + 999, maxExpirationMs);
    // nft's time parser rejects large `NNNms` numbers, so seconds and milliseconds are written apart: `3s999ms`.
    const ms = (n: number): NftExpr => sym(`${n >= 1000 ? `${Math.floor(n / 1000)}s` : ""}${n % 1000 !== 0 || n === 0 ? `${n % 1000}ms` : ""}`);
    out.push(match(ct("expiration"), { kind: "range", low: ms(low), high: ms(high) }, eq(m.ctexpire.negated)));
  }
  return ok(...out);
}

/**
 * `-m state`: `statemask & statebit` (xt_state.c). `! --state` inverts the mask in libxt_state, which is
 * "none of these" for a packet's single state bit. A packet without a connection has INVALID or UNTRACKED,
 * which nft's `ct state` reads the same way.
 */
export function translateState(m: StateMatch, _cx: RuleContext): Translation {
  if (m.state === undefined) return ok();
  return ok(matchStates(m.state.value, m.state.negated));
}

/** The longest conntrack helper name (NF_CT_HELPER_NAME_LEN is 16 with the NUL). */
const maxHelperName = 15;

/**
 * `-m helper --helper NAME`: the helper of the connection's master, i.e. connections a helper expected
 * (xt_helper.c), which is what nft's `ct helper` reads too (nft_ct.c uses `ct->master`). xt_helper compares
 * `strncmp(helper->name, NAME, strlen(helper->name))`: it matches every helper whose name is a prefix of
 * NAME (`--helper ftp-2121` also matches `ftp`), so the translation lists all of them (up to 15 bytes, the
 * longest helper name). Refused: `!` (xt_helper then also matches packets with no connection, no master or
 * no helper, for which nft's `ct helper` stops the rule), `--helper ""` (any helper: nft takes no empty
 * string), and names beyond ASCII (prefixes are counted in bytes).
 */
export function translateHelper(m: HelperMatch, _cx: RuleContext): Translation {
  if (m.helper === undefined) return ok();
  const name = m.helper.value;
  if (m.helper.negated) {
    return refuse(
      "! --helper also matches packets whose connection has no master or whose master has no helper; nft's ct helper stops the rule for those packets",
      m.helper.span,
    );
  }
  if (!/^[\x20-\x7e]*$/.test(name)) return refuse(`helper name ${JSON.stringify(name)} is not plain ASCII; xt_helper compares its bytes, which ipt2nft does not split into nft strings`, m.helper.span);
  if (!isNftQuotable(name)) return refuse(`helper name ${JSON.stringify(name)} cannot be written as an nft string`, m.helper.span);
  if (name === "") {
    return refuse('--helper "" matches any helper; nft compares ct helper with names only and takes no empty string', m.helper.span);
  }
  const prefixes = Array.from({ length: Math.min(name.length, maxHelperName) }, (_, i) => name.slice(0, i + 1));
  const [only] = prefixes;
  return ok(match(ct("helper"), prefixes.length === 1 && only !== undefined ? str(only) : { kind: "set", elements: prefixes.map(str) }));
}

/** 2^64 - 1: an open `--connbytes FROM` range ends here. */
const maxUint64 = 0xffff_ffff_ffff_ffffn;

/** The largest integer nft's JSON parser (jansson, signed 64 bits) reads as a number. */
const maxJsonInteger = 0x7fff_ffff_ffff_ffffn;

/** A 64-bit count; above 2^63 - 1 written as a symbol, which nft's JSON parser then reads as text. */
function count(n: bigint): NftExpr {
  return n > maxJsonInteger ? sym(n.toString()) : num(n);
}

/**
 * `-m connbytes`: packets, bytes or average packet size of the connection (one direction or both), as
 * xt_connbytes.c counts them; nft_ct.c reads the same conntrack accounting. A range `FROM:TO` matches
 * `FROM <= n <= TO`; with `!`, `n < FROM || n > TO`. Both need a connection, even with `!`.
 *
 * One documented difference: for a connection created while accounting was off (both modules switch it on
 * when loaded, for new connections), xt_connbytes does not match, while nft reads the count as 0.
 */
export function translateConnbytes(m: ConnbytesMatch, _cx: RuleContext): Translation {
  if (m.connbytes === undefined || m.mode === undefined || m.dir === undefined) return ok();
  const key = m.mode.value;
  const left = m.dir.value === "both" ? ct(key) : ct(key, m.dir.value);
  const { from, to } = m.connbytes.value;
  const negated = m.connbytes.negated;
  if (to === maxUint64) return ok(match(left, count(from), negated ? "<" : ">="));
  const right: NftExpr = from === to ? count(from) : { kind: "range", low: count(from), high: count(to) };
  return ok(match(left, right, eq(negated)));
}

/**
 * `-m connlabel --label BIT [--set]` (xt_connlabel.c): matches when the label bit is set; with `--set` it sets
 * the bit first and matches (when the connection can carry labels). nft: `ct label BIT`, and for `--set`
 * `ct label set BIT` followed by the test, which also fails exactly when the connection has no label area.
 * A name from connlabel.conf belongs to the host that loaded the rules and is refused; so is `!`, which also
 * matches packets without a connection.
 */
export function translateConnlabel(m: ConnlabelMatch, _cx: RuleContext): Translation {
  if (m.label === undefined) return ok();
  const label = m.label.value;
  if ("name" in label) {
    return refuse(
      `connection label "${label.name}" is a name from the host's connlabel.conf; ipt2nft does not read host files, and nft would look it up in its own connlabel.conf on the host that loads the rules (give the bit number)`,
      m.label.span,
    );
  }
  if (m.label.negated) {
    return refuse(
      "! --label also matches packets without a connection (and, with --set, only those); nft's ct label stops the rule for packets without a connection",
      m.label.span,
    );
  }
  const bit = sym(String(label.bit));
  const test = match(ct("label"), bit, "in");
  return m.set === undefined ? ok(test) : ok({ kind: "mangle", key: ct("label"), value: bit }, test);
}

/**
 * `-m connlimit` → nft's `ct count`, per address group in a dynamic set (`add @s { ip saddr & MASK ct count
 * over N }`), as xt_connlimit keys its counts by the masked source (or destination) address. A mask of 0
 * makes one group: a plain `ct count`. Both count the connections of the group including this packet's,
 * and match `count > N` for `--connlimit-above` (`ct count over N`), `count <= N` for `--connlimit-upto`.
 *
 * One difference, reported as a caveat when the ruleset sets conntrack zones (`-j CT --zone`): xt_connlimit
 * also keys by zone; nft's set key is the address only, so connections of different zones from the same
 * address are counted together.
 */
export function translateConnlimit(m: ConnlimitMatch, cx: RuleContext): Translation {
  const limit = m.upto ?? m.above;
  if (limit === undefined) return ok();
  const over = m.above !== undefined ? !m.above.negated : m.upto?.negated === true;
  const count: NftStatement = { kind: "ct count", count: limit.value, ...(over ? { over: true } : {}) };
  const bits = cx.family === "ipv4" ? 32 : 128;
  const length = m.mask?.value ?? bits;
  if (length === 0) return zoneCaveat(count, over, m.span, cx.ruleset);
  const field = addressField(cx.family, m.daddr !== undefined ? "daddr" : "saddr");
  const key: NftExpr = length === bits ? field : binop("&", field, sym(prefixMaskText(cx.family, length)));
  const name = cx.freshChainName("connlimit");
  const set: NftSet = { kind: "set", name, type: [cx.family === "ipv4" ? "ipv4_addr" : "ipv6_addr"], flags: ["dynamic"] };
  if (!cx.objects.addSet(set)) return refuse(`a set named ${name} already exists in this table with another definition`, limit.span);
  return zoneCaveat({ kind: "set", op: "add", set: name, elem: key, stmts: [count] }, over, m.span, cx.ruleset);
}

/** The connlimit statement, with the zone caveat when the ruleset puts connections in zones. */
function zoneCaveat(stmt: NftStatement, over: boolean, span: Span, ruleset: Ruleset | undefined): Translation {
  if (ruleset === undefined || !setsZones(ruleset)) return ok(stmt);
  const differs = "connections from one address group in different conntrack zones (this ruleset sets zones with -j CT): xt_connlimit counts each zone apart, nft counts them together";
  return approximately({ differs, nftMatches: over ? "more" : "fewer", span }, stmt);
}

/** Whether some rule of the ruleset puts connections in a conntrack zone other than 0. */
function setsZones(ruleset: Ruleset): boolean {
  return ruleset.tables.some((t) => t.rules.some((r) => r.target?.kind === "CT" && (r.target.zone ?? r.target.zoneOrig ?? r.target.zoneReply) !== undefined));
}

/** The conntrack match translators this file provides. */
export const conntrackMatchTranslators = {
  conntrack: translateConntrack,
  state: translateState,
  helper: translateHelper,
  connbytes: translateConnbytes,
  connlabel: translateConnlabel,
  connlimit: translateConnlimit,
} satisfies Partial<ByKind<KnownMatch>>;
