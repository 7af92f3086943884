/**
 * Arbitraries for option values, driven by each codec's {@link Domain}: `arbValueOf(domain, cx)` gives
 * values exactly as the codec's `parse` returns them (canonical spellings, masked addresses, keywords as
 * the codec stores them), so that `parse(print(v))` deep-equals `v`.
 *
 * `custom` domains are looked up by name in {@link customValueArbitraries}; a name missing there throws
 * when the arbitrary is built, naming the domain, so a new codec cannot go untested silently.
 * @module
 */
import fc from "fast-check";
import { type Family, formatIP, parseIP } from "../../src/ast/index.js";
import { maxUint64 } from "../../src/ast/codecs.js";
import { ctStateNames, ctStatusNames, stateNames } from "../../src/ast/matches/conntrack.js";
import { weekdayNames } from "../../src/ast/matches/meta.js";
import { hashlimitModeNames, hashlimitRate, limitRate } from "../../src/ast/matches/rates.js";
import { type Codec, CodecError, type Domain } from "../../src/ast/schema.js";
import { ctEventNames } from "../../src/ast/targets/flow.js";
import { arbAddressBits, arbAddressMatch, arbAddressPair, arbAddressRange, arbHostAddress } from "./address.js";
import { matchesACustomArbitraries } from "./matches-a-values.js";

/** What a value arbitrary needs to know: the family of the ruleset the value will be parsed in. */
export interface ValueContext {
  readonly family: Family;
  /** The rule's `-p` protocol (not negated), which modules with `protocols` and protocol checks need. */
  readonly protocol?: number;
}

/** One character of `alphabet` (ASCII alphabets: one UTF-16 unit is one character). */
export function arbCharOf(alphabet: string): fc.Arbitrary<string> {
  return fc.constantFrom(...Array.from(alphabet));
}

/** An integer in `[min, max]`, for bounds past 32 bits too (fast-check's `integer` stops at 2^31 - 1). */
export function arbUint(min: number, max: number): fc.Arbitrary<number> {
  if (max <= 0x7fffffff) return fc.integer({ min, max });
  return fc.oneof(fc.constantFrom(min, max), fc.bigInt(BigInt(min), BigInt(max)).map(Number));
}

/** A range `{ from, to }` inside `[min, max]`; single values, full ranges and open ends come up often. */
export function arbNumberRange(min: number, max: number): fc.Arbitrary<{ readonly from: number; readonly to: number }> {
  const n = arbUint(min, max);
  return fc.oneof(
    n.map((v) => ({ from: v, to: v })),
    fc.tuple(n, n).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a })),
    n.map((v) => ({ from: min, to: v })),
    n.map((v) => ({ from: v, to: max })),
  );
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a code point. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let out = "";
  let bytes = 0;
  for (const ch of text) {
    const b = Buffer.byteLength(ch, "utf8");
    if (bytes + b > maxBytes) break;
    out += ch;
    bytes += b;
  }
  return out;
}

/**
 * Text that a quoted iptables word can carry: anything but line breaks, which a save file cannot hold
 * inside a word. Mostly ASCII (quotes and backslashes included, to exercise escaping), sometimes any
 * Unicode code point.
 */
export function arbFreeText(maxBytes: number): fc.Arbitrary<string> {
  const ascii = fc.string({ unit: "grapheme-ascii", maxLength: Math.min(maxBytes, 40) });
  const tricky = fc.array(fc.constantFrom('"', "\\", " ", "\t", "!", "#", "-", "'", "a", "é", "😀", "\u0000"), { maxLength: 12 }).map((cs) => cs.join(""));
  const unicode = fc.string({ unit: "binary", maxLength: Math.min(maxBytes, 40) });
  return fc.oneof(ascii, tricky, unicode).map((s) => truncateUtf8(s.replace(/[\r\n]/g, " "), maxBytes));
}

/** A non-empty name without whitespace (set names, log prefixes' relatives), at most `maxBytes` bytes. */
export function arbNameText(maxBytes: number): fc.Arbitrary<string> {
  const unit = fc.oneof({ arbitrary: arbCharOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:"), weight: 8 }, { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), weight: 1 });
  return fc
    .array(unit, { minLength: 1, maxLength: Math.min(maxBytes, 32) })
    .map((cs) => truncateUtf8(cs.join("").replace(/[\s"\\]/g, "_"), maxBytes))
    .map((s) => (s === "" ? "n" : s));
}

/** A probability text as `--probability` takes it, with the kernel threshold `round(2^31 * p)`. */
export function arbProbability(): fc.Arbitrary<{ readonly text: string; readonly threshold: number }> {
  const digits = fc.string({ unit: arbCharOf("0123456789"), minLength: 1, maxLength: 10 });
  const text = fc.oneof(
    fc.constantFrom("0", "1", "0.5", "1.0", "1.", "0.0", ".5", "0.25"),
    digits.map((d) => `0.${d}`),
    digits.map((d) => `.${d}`),
    fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom("e", "E")).map(([m, k, e]) => `${m}${e}-${k}`),
  );
  return text.map((t) => ({ text: t, threshold: Math.round(2 ** 31 * Number(t)) }));
}

/** Interface names: up to 15 bytes; a wildcard (`eth+`) may have an empty prefix, a plain name may not end in `+`. */
export function arbInterfaceName(): fc.Arbitrary<{ readonly name: string; readonly wildcard: boolean }> {
  const chars = arbCharOf("abcdefghijklmnopqrstuvwxyz0123456789._-@");
  const named = fc.array(chars, { minLength: 1, maxLength: 15 }).map((cs) => cs.join(""));
  return fc.oneof(
    named.map((name) => ({ name, wildcard: false })),
    fc.array(chars, { maxLength: 15 }).map((cs) => ({ name: cs.join(""), wildcard: true })),
    fc.constantFrom("eth0", "lo", "docker0", "br-1a2b3c4d5e6f", "veth+", "wg0").map((n) => (n.endsWith("+") ? { name: n.slice(0, -1), wildcard: true } : { name: n, wildcard: false })),
  );
}

/** A 32-bit value with a mask; the mask is all ones (printed without `/MASK`) a third of the time. */
export function arbMarkMask(): fc.Arbitrary<{ readonly value: number; readonly mask: number }> {
  const u32 = arbUint(0, 0xffffffff);
  return fc.record({ value: u32, mask: fc.oneof(fc.constant(0xffffffff), u32, u32) });
}


/** A non-empty subset of `words`, in the order of `words` (how keyword-set codecs store their values). */
export function arbOrderedSubset<W>(words: readonly W[]): fc.Arbitrary<W[]> {
  return fc.subarray([...words], { minLength: 1 });
}

/** Parses `text` with `codec`, for values whose canonical form only the codec can compute (rates the kernel rounds). */
function parsedBy<T>(codec: Codec<T>, cx: ValueContext, what: string): (text: string) => T {
  return (text) => {
    const v = codec.parse([text], cx);
    if (v instanceof CodecError) throw new Error(`test/arb: generated ${what} "${text}" that its codec rejects: ${v.message}`);
    return v;
  };
}

/** A unit spelling `parseRateText` accepts: any non-empty prefix of the unit's name, in any case. */
function arbUnitSpelling(unit: "second" | "minute" | "hour" | "day"): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 1, max: unit.length }), fc.boolean()).map(([n, upper]) => (upper ? unit.slice(0, n).toUpperCase() : unit.slice(0, n)));
}

const unitSeconds = { second: 1, minute: 60, hour: 3600, day: 86400 } as const;

/** Rate text `N/unit` with at most `maxPerSecond` per second (so the kernel's period is not zero). */
function arbRateText(maxPerSecond: number): fc.Arbitrary<string> {
  return fc.constantFrom("second" as const, "minute" as const, "hour" as const, "day" as const).chain((unit) =>
    fc.tuple(fc.oneof(arbUint(1, 100), arbUint(1, maxPerSecond * unitSeconds[unit])), arbUnitSpelling(unit), fc.boolean()).map(([n, spelled, bare]) => (bare && unit === "second" ? String(n) : `${n}/${spelled}`)),
  );
}

/** Hashlimit byte rates `Nb/s`, `Nkb/s`, `Nmb/s` from 16 bytes to 1 GiB per second. */
export function arbHashlimitByteRateText(): fc.Arbitrary<string> {
  return fc.oneof(arbUint(16, 1 << 30).map((n) => `${n}b/s`), arbUint(1, 1 << 20).map((n) => `${n}kb/s`), arbUint(1, 1024).map((n) => `${n}mb/s`));
}

/** A letter, then letters, digits, `_`, `.`, `-`: a name no codec mistakes for a number. */
function arbWordName(maxLength: number): fc.Arbitrary<string> {
  return fc.tuple(arbCharOf("abcdefghijklmnopqrstuvwxyz"), fc.string({ unit: arbCharOf("abcdefghijklmnopqrstuvwxyz0123456789_.-"), maxLength: maxLength - 1 })).map(([a, b]) => a + b);
}

/** The reject types of each family, by the name iptables-save prints. */
const rejectTypes = {
  ipv4: ["icmp-net-unreachable", "icmp-host-unreachable", "icmp-proto-unreachable", "icmp-port-unreachable", "icmp-net-prohibited", "icmp-host-prohibited", "tcp-reset", "icmp-admin-prohibited"],
  ipv6: ["icmp6-no-route", "icmp6-adm-prohibited", "icmp6-addr-unreachable", "icmp6-port-unreachable", "tcp-reset", "icmp6-policy-fail", "icmp6-reject-route"],
} as const;

/** `--hmark-tuple` fields in the order the codec stores them. */
const hmarkTupleFields = ["src", "dst", "sport", "dport", "spi", "proto", "ct"] as const;

/** A network prefix of the family with its host bits cleared, at most `maxLength` long. */
function arbPrefix(family: Family, maxLength: number): fc.Arbitrary<object> {
  return fc.tuple(arbAddressMatch(family), fc.integer({ min: 0, max: maxLength })).map(([a, length]) => {
    const bits = family === "ipv4" ? 32 : 128;
    const value = parseIP(a.address)?.value ?? 0n;
    const mask = length === 0 ? 0n : (((1n << BigInt(bits)) - 1n) >> BigInt(bits - length)) << BigInt(bits - length);
    return { kind: "prefix", family, address: formatIP(family, value & mask), length };
  });
}

/** A log prefix: 1 to `maxBytes` bytes, no line breaks or NUL. */
function arbLogPrefix(maxBytes: number): fc.Arbitrary<string> {
  return arbFreeText(maxBytes).map((t) => t.replace(/\0/g, " ")).map((t) => (t === "" ? "p" : t));
}

/** A NAT port range `{ from, to }`, with DNAT's `/BASE` sometimes. */
function arbNatPorts(withBase: "with-base" | "without-base"): fc.Arbitrary<object> {
  const plain = arbNumberRange(0, 65535);
  if (withBase === "without-base") return plain;
  return fc.oneof(plain, fc.tuple(plain, arbUint(0, 65535)).map(([r, base]) => ({ ...r, base })));
}

/** A NAT range: addresses, ports, or both, as `natRange` parses `[ADDR[-ADDR]][:PORT[-PORT]]`. */
export function arbNatRange(family: Family, withBase: "with-base" | "without-base" = "without-base"): fc.Arbitrary<object> {
  const addresses = arbAddressPair(family).map(([from, to]) => ({ from, to }));
  const ports = arbNatPorts(withBase);
  return fc.oneof(
    addresses.map((a) => ({ addresses: a })),
    ports.map((p) => ({ ports: p })),
    fc.tuple(addresses, ports).map(([a, p]) => ({ addresses: a, ports: p })),
  );
}

/** One u32 test: a location of up to nine operator steps, and one to ten value ranges. */
function arbU32Test(): fc.Arbitrary<object> {
  const u32 = arbUint(0, 0xffffffff);
  const small = fc.oneof(fc.integer({ min: 0, max: 64 }), u32);
  return fc.record({
    start: small,
    steps: fc.array(fc.record({ op: fc.constantFrom("&", "<<", ">>", "@"), operand: small }), { maxLength: 9 }),
    values: fc.array(fc.oneof(u32.map((v) => ({ min: v, max: v })), fc.record({ min: u32, max: u32 })), { minLength: 1, maxLength: 10 }),
  });
}

/**
 * Arbitraries for `{ type: "custom", name }` domains, by name. Values are what the named codec's `parse`
 * returns. Add an entry when a codec with a new custom domain is added.
 */
export const customValueArbitraries: Readonly<Record<string, (cx: ValueContext) => fc.Arbitrary<unknown>>> = {
  // Addresses and interfaces (src/ast/codecs.ts, targets).
  addressMatch: (cx) => arbAddressMatch(cx.family),
  hostAddress: (cx) => arbHostAddress(cx.family),
  addressRange: (cx) => arbAddressRange(cx.family),
  interfaceName: () => arbInterfaceName(),
  gatewayAddress: (cx) => arbAddressBits(cx.family).map((v) => ({ family: cx.family, address: formatIP(cx.family, v === 0n ? 1n : v) })),
  prefixAddress: (cx) => arbPrefix(cx.family, cx.family === "ipv4" ? 32 : 128),
  nptPrefix: () => arbPrefix("ipv6", 64),
  natRange: (cx) => arbNatRange(cx.family),
  dnatRange: (cx) => arbNatRange(cx.family, "with-base"),
  // Numbers, marks and rates.
  rate: () => fc.record({ count: fc.oneof(arbUint(1, 10000), arbUint(1, 0xffffffff)), per: fc.constantFrom("second", "minute", "hour", "day") }),
  limitRate: (cx) => arbRateText(10000).map(parsedBy(limitRate, cx, "limit rate")),
  hashlimitRate: (cx) => fc.oneof(arbRateText(1000000), arbHashlimitByteRateText()).map(parsedBy(hashlimitRate, cx, "hashlimit rate")),
  hashlimitBurst: () => fc.record({ count: fc.oneof(arbUint(1, 1000), arbUint(1, 0xffffffff)), scale: fc.constantFrom("", "b", "kb", "mb") }),
  markMask: () => arbMarkMask(),
  markWithMask: () => arbMarkMask(),
  uint64: () => fc.oneof(fc.constantFrom(0n, maxUint64), fc.bigInt(0n, 0xffffffffn), fc.bigInt(0n, maxUint64)),
  connbytesRange: () =>
    fc.oneof(
      fc.bigInt(0n, maxUint64).map((from) => ({ from, to: maxUint64 })),
      fc.tuple(fc.bigInt(0n, maxUint64), fc.bigInt(0n, maxUint64)).map(([a, b]) => (a <= b ? { from: a, to: b } : { from: b, to: a })),
    ),
  probability: () => arbProbability(),
  protocol: () => fc.oneof(fc.constantFrom(0, 1, 6, 17, 58, 132), fc.integer({ min: 0, max: 255 })),
  queueBalance: () => fc.tuple(arbUint(0, 65535), arbUint(0, 65535)).map(([a, b]) => (a === b ? (a === 0 ? { from: 0, to: 1 } : { from: a - 1, to: a }) : a < b ? { from: a, to: b } : { from: b, to: a })).map((r) => (r.to - r.from + 1 > 65535 ? { from: r.from + 1, to: r.to } : r)),
  ctZone: () => fc.oneof(fc.constant("mark"), arbUint(0, 65535)),
  ledDelay: () => fc.oneof(fc.constant("inf"), arbUint(0, 0x7fffffff)),
  tcpMss: (cx) => arbUint(0, cx.family === "ipv6" ? 65495 : 65515),
  classId: () => fc.record({ major: arbUint(0, 0xffff), minor: arbUint(0, 0xffff) }),
  tosValueMask: () => fc.record({ value: arbUint(0, 255), mask: fc.oneof(fc.constant(0xff), fc.constant(0x3f), arbUint(0, 255)) }),
  // Keyword sets, stored in their codec's order.
  ctStates: () => arbOrderedSubset(ctStateNames),
  states: () => arbOrderedSubset(stateNames),
  // NONE means "no status bit": alone it stays, next to others the codec drops it.
  ctStatuses: () => arbOrderedSubset(ctStatusNames).map((ss) => (ss.length > 1 ? ss.filter((s) => s !== "NONE") : ss)),
  hashlimitModes: () => arbOrderedSubset(hashlimitModeNames),
  ctEvents: () => arbOrderedSubset(ctEventNames),
  ctExpEvents: () => fc.constant(["new"]),
  weekdays: () => arbOrderedSubset(weekdayNames),
  monthdays: () => arbOrderedSubset(Array.from({ length: 31 }, (_, i) => i + 1)),
  hmarkTuple: () => arbOrderedSubset(hmarkTupleFields),
  tcpOptionList: () => arbOrderedSubset(Array.from({ length: 254 }, (_, i) => i + 2)).map((ks) => ks.slice(0, 8)),
  setDirections: () => fc.array(fc.constantFrom("src", "dst"), { minLength: 1, maxLength: 6 }),
  rejectWith: (cx) => fc.constantFrom(...rejectTypes[cx.family]),
  // Names and text.
  helperName: () => fc.oneof(fc.constant(""), fc.constantFrom("ftp", "sip", "ftp-2121", "irc"), arbNameText(29)),
  connlabel: () => fc.oneof(fc.integer({ min: 0, max: 127 }).map((bit) => ({ bit })), arbWordName(20).map((name) => ({ name }))),
  ownerId: () =>
    fc.oneof(
      arbNumberRange(0, 0xfffffffe),
      arbWordName(16).map((n) => (n === "root" ? "roots" : n)).map((name) => ({ name })),
    ),
  logPrefix: () => arbLogPrefix(29),
  nflogPrefix: () => arbLogPrefix(63),
  // Times.
  timeOfDay: () => fc.integer({ min: 0, max: 86399 }),
  dateTime: () => fc.integer({ min: 0, max: Date.UTC(2038, 11, 31, 23, 59, 59) / 1000 }),
  // Programs and patterns.
  u32Program: () => fc.array(arbU32Test(), { minLength: 1, maxLength: 10 }),
  hexString: () => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 128 }),
  bpfProgram: () =>
    fc.array(fc.record({ code: arbUint(0, 0xffff), jt: fc.integer({ min: 0, max: 255 }), jf: fc.integer({ min: 0, max: 255 }), k: arbUint(0, 0xffffffff) }), { minLength: 1, maxLength: 64 }),
  // Packet header matches (part A: protocols, packet, addresses).
  ...matchesACustomArbitraries,
};

/** Values of a domain, as its codec's `parse` returns them. Throws, naming it, for an unknown custom domain. */
export function arbValueOf(domain: Domain, cx: ValueContext): fc.Arbitrary<unknown> {
  switch (domain.type) {
    case "flag":
      return fc.constant(true);
    case "uint":
      return arbUint(domain.min, domain.max);
    case "range":
      return arbNumberRange(domain.min, domain.max);
    case "list":
      return fc.array(arbValueOf(domain.item, cx), { minLength: 1, maxLength: Math.max(1, domain.maxItems) });
    case "keyword":
      return fc.constantFrom(...domain.words);
    case "keywordList":
      // The codec keeps the order given and drops repeats, so any non-empty ordering of distinct words.
      return fc.shuffledSubarray([...domain.words], { minLength: 1 });
    case "text":
      return arbFreeText(domain.maxLength);
    case "name":
      return arbNameText(domain.maxLength);
    case "pair":
      return fc.tuple(arbValueOf(domain.first, cx), arbValueOf(domain.second, cx));
    case "custom": {
      const make = customValueArbitraries[domain.name];
      if (make === undefined) throw new Error(`test/arb: no arbitrary for custom domain "${domain.name}"; add one to customValueArbitraries in test/arb/values.ts`);
      return make(cx);
    }
    default:
      return assertNeverDomain(domain);
  }
}

function assertNeverDomain(x: never): never {
  throw new Error(`test/arb: unhandled domain ${JSON.stringify(x)}`);
}
