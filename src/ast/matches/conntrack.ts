/**
 * Connection tracking matches: conntrack, state, helper, connbytes, connlabel, connlimit.
 * @module
 */
import { addressMatch, flag, keyword, keywordSet, maxUint64, parseUnsigned, parseUnsigned64, portRange, prefixLength, unsigned, unsignedRange } from "../codecs.js";
import type { AddressMatch } from "../address.js";
import { parseProtocol } from "../protocol.js";
import { type Codec, CodecError, type NodeOf, atMostOne, exactlyOne, moduleSchema, option } from "../schema.js";

/** Connection states as `--ctstate` takes them, in the order iptables-save prints them (the kernel's bit order). */
export const ctStateNames = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT"] as const;
/** One connection state keyword. */
export type CtStateName = (typeof ctStateNames)[number];

/** Connection status bits as `--ctstatus` takes them, in the order iptables-save prints them; NONE is no bit at all. */
export const ctStatusNames = ["NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"] as const;
/** One connection status keyword. */
export type CtStatusName = (typeof ctStatusNames)[number];

const ctStatusSet = keywordSet(ctStatusNames, "connection status", "ctStatuses");

/**
 * `--ctstatus LIST`. NONE stands for "no status bit", so next to other statuses it adds nothing and
 * iptables-save drops it (`NONE,EXPECTED` is saved as `EXPECTED`); the codec drops it the same way.
 */
export const ctStatusCodec: Codec<readonly CtStatusName[]> = {
  ...ctStatusSet,
  parse: (args, cx) => {
    const v = ctStatusSet.parse(args, cx);
    return v instanceof CodecError || v.length === 1 ? v : v.filter((s) => s !== "NONE");
  },
};

/** `--ctproto`: a protocol name or number, saved as the number (`--ctproto tcp` is saved as `--ctproto 6`). */
export const ctProtocolCodec: Codec<number> = {
  domain: { type: "custom", name: "protocol" },
  arity: 1,
  expected: "a protocol name or number",
  parse: ([t = ""]) => parseProtocol(t) ?? new CodecError(`"${t}" is not a known protocol name or number 0-255`),
  print: (n) => [String(n)],
};

/**
 * `--ctorigsrc` and friends: an address with prefix or mask, saved without the prefix when it covers the
 * whole address (`--ctorigdst 1.2.3.4`, unlike `-d 1.2.3.4/32`).
 */
export const ctAddressCodec: Codec<AddressMatch> = {
  ...addressMatch,
  print: (a) => [a.kind === "prefix" && a.length === (a.family === "ipv4" ? 32 : 128) ? a.address : `${a.address}/${a.kind === "prefix" ? String(a.length) : a.mask}`],
};

/** `-m conntrack`: state, status, direction, tuple addresses and ports, remaining lifetime. */
export const conntrackSchema = moduleSchema({
  name: "conntrack",
  options: {
    ctstate: option(["--ctstate"], keywordSet(ctStateNames, "connection state", "ctStates"), "negatable"),
    ctproto: option(["--ctproto"], ctProtocolCodec, "negatable"),
    ctorigsrc: option(["--ctorigsrc"], ctAddressCodec, "negatable"),
    ctorigdst: option(["--ctorigdst"], ctAddressCodec, "negatable"),
    ctreplsrc: option(["--ctreplsrc"], ctAddressCodec, "negatable"),
    ctrepldst: option(["--ctrepldst"], ctAddressCodec, "negatable"),
    ctorigsrcport: option(["--ctorigsrcport"], portRange, "negatable"),
    ctorigdstport: option(["--ctorigdstport"], portRange, "negatable"),
    ctreplsrcport: option(["--ctreplsrcport"], portRange, "negatable"),
    ctrepldstport: option(["--ctrepldstport"], portRange, "negatable"),
    ctstatus: option(["--ctstatus"], ctStatusCodec, "negatable"),
    ctexpire: option(["--ctexpire"], unsignedRange(0, 0xffffffff, "seconds"), "negatable"),
    ctdir: option(["--ctdir"], keyword(["ORIGINAL", "REPLY"] as const, "direction")),
  },
  // libxt_conntrack refuses a bare `-m conntrack`: "At least one option is required".
  check: (n) => (Object.values<unknown>(n).some((v) => v !== undefined) ? [] : [{ message: "at least one option is required" }]),
});
/** A `-m conntrack` match. */
export type ConntrackMatch = NodeOf<typeof conntrackSchema>;

/** Connection states as `--state` takes them (conntrack's without SNAT and DNAT), in iptables-save order. */
export const stateNames = ["INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED"] as const;
/** One `--state` keyword. */
export type StateName = (typeof stateNames)[number];

/** `-m state --state LIST` (the older spelling of `conntrack --ctstate`). */
export const stateSchema = moduleSchema({
  name: "state",
  options: {
    state: option(["--state"], keywordSet(stateNames, "connection state", "states"), "negatable"),
  },
  check: (n) => (n.state === undefined ? [{ message: "--state is required" }] : []),
});
/** A `-m state` match. */
export type StateMatch = NodeOf<typeof stateSchema>;

/**
 * A conntrack helper name as `--helper` takes it: at most 29 bytes (the kernel's field holds 30 with the
 * NUL). An empty name is allowed: it matches every connection that has a helper.
 */
export const helperName: Codec<string> = {
  domain: { type: "custom", name: "helperName" },
  arity: 1,
  expected: "a conntrack helper name such as ftp or ftp-2121",
  parse: ([t = ""]) => (Buffer.byteLength(t) > 29 ? new CodecError(`helper name "${t}" is longer than 29 bytes`) : t),
  print: (t) => [t],
};

/** `-m helper --helper NAME`: packets of connections set up by this conntrack helper (`ftp`, `sip-5060`). */
export const helperSchema = moduleSchema({
  name: "helper",
  options: {
    helper: option(["--helper"], helperName, "negatable"),
  },
  check: (n) => (n.helper === undefined ? [{ message: "--helper is required" }] : []),
});
/** A `-m helper` match. */
export type HelperMatch = NodeOf<typeof helperSchema>;

/** A range of 64-bit counts; `to` is 2^64 - 1 when the range is open (`--connbytes 1000`). */
export interface CountRange {
  readonly from: bigint;
  readonly to: bigint;
}

/**
 * `--connbytes FROM[:TO]`. A lone FROM is open-ended (at least FROM), unlike ports; iptables-save prints
 * an open range as FROM alone and a closed one as FROM:TO, even when FROM equals TO.
 */
export const connbytesRange: Codec<CountRange> = {
  domain: { type: "custom", name: "connbytesRange" },
  arity: 1,
  expected: "a count or range FROM[:TO]",
  parse: ([t = ""]) => {
    const i = t.indexOf(":");
    const a = i === -1 ? t : t.slice(0, i);
    const b = i === -1 ? "" : t.slice(i + 1);
    const from = a === "" && i !== -1 ? 0n : parseUnsigned64(a);
    const to = b === "" ? maxUint64 : parseUnsigned64(b);
    if (from === undefined) return new CodecError(`"${a}" is not a number from 0 to ${maxUint64}`);
    if (to === undefined) return new CodecError(`"${b}" is not a number from 0 to ${maxUint64}`);
    if (from > to) return new CodecError(`range ${t} is empty: ${from} is greater than ${to}`);
    return { from, to };
  },
  print: (r) => [r.to === maxUint64 ? r.from.toString() : `${r.from}:${r.to}`],
};

/** `-m connbytes`: how many packets or bytes a connection (or one direction of it) has carried so far. */
export const connbytesSchema = moduleSchema({
  name: "connbytes",
  options: {
    connbytes: option(["--connbytes"], connbytesRange, "negatable"),
    mode: option(["--connbytes-mode"], keyword(["packets", "bytes", "avgpkt"] as const, "connbytes mode", "exact-case")),
    dir: option(["--connbytes-dir"], keyword(["original", "reply", "both"] as const, "connbytes direction", "exact-case")),
  },
  check: (n) => [
    ...(n.connbytes === undefined ? [{ message: "--connbytes is required" }] : []),
    ...(n.mode === undefined ? [{ message: "--connbytes-mode is required" }] : []),
    ...(n.dir === undefined ? [{ message: "--connbytes-dir is required" }] : []),
  ],
});
/** A `-m connbytes` match. */
export type ConnbytesMatch = NodeOf<typeof connbytesSchema>;

/**
 * A connection label as `--label` takes it: a bit number 0-127, or a name that
 * /etc/xtables/connlabel.conf maps to a bit. That file belongs to the host the rules were saved on, so a
 * name is kept as written; the translator resolves it or reports it.
 */
export type ConnLabel = { readonly bit: number } | { readonly name: string };

/** `--label BIT|NAME`; iptables-save prints the bit, or the name when it can map the bit back. */
export const connLabelCodec: Codec<ConnLabel> = {
  domain: { type: "custom", name: "connlabel" },
  arity: 1,
  expected: "a label bit (0-127) or a label name from connlabel.conf",
  parse: ([t = ""]) => {
    const bit = parseUnsigned(t);
    if (bit !== undefined) return bit <= 127 ? { bit } : new CodecError(`label bit ${t} is out of range (0-127)`);
    if (/^[0-9]/.test(t) || t === "") return new CodecError(`"${t}" is not a label bit (0-127) or a label name`);
    return { name: t };
  },
  print: (l) => ["bit" in l ? String(l.bit) : l.name],
};

/** `-m connlabel --label L [--set]`: matches (and with --set, first sets) a connection label bit. */
export const connlabelSchema = moduleSchema({
  name: "connlabel",
  options: {
    label: option(["--label"], connLabelCodec, "negatable"),
    set: option(["--set"], flag),
  },
  check: (n) => (n.label === undefined ? [{ message: "--label is required" }] : []),
});
/** A `-m connlabel` match. */
export type ConnlabelMatch = NodeOf<typeof connlabelSchema>;

/**
 * `-m connlimit`: how many connections a source (or destination) group has. `! --connlimit-upto N` means
 * `--connlimit-above N`, which is how iptables-save prints it; the AST keeps the option as written.
 * iptables-save always adds `--connlimit-mask` (the family's full length by default) and
 * `--connlimit-saddr` unless `--connlimit-daddr` was given.
 */
export const connlimitSchema = moduleSchema({
  name: "connlimit",
  options: {
    upto: option(["--connlimit-upto"], unsigned(0, 0xffffffff), "negatable"),
    above: option(["--connlimit-above"], unsigned(0, 0xffffffff), "negatable"),
    mask: option(["--connlimit-mask"], prefixLength),
    saddr: option(["--connlimit-saddr"], flag),
    daddr: option(["--connlimit-daddr"], flag),
  },
  check: (n) => [...exactlyOne(n, ["upto", "above"], "--connlimit-upto or --connlimit-above"), ...atMostOne(n, ["saddr", "daddr"])],
});
/** A `-m connlimit` match. */
export type ConnlimitMatch = NodeOf<typeof connlimitSchema>;

