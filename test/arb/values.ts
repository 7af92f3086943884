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
import type { Family } from "../../src/ast/index.js";
import type { Domain } from "../../src/ast/schema.js";
import { arbAddressMatch, arbAddressPair, arbAddressRange, arbHostAddress } from "./address.js";

/** What a value arbitrary needs to know: the family of the ruleset the value will be parsed in. */
export interface ValueContext {
  readonly family: Family;
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

/** A NAT range: addresses, ports, or both, as `natRange` parses `[ADDR[-ADDR]][:PORT[-PORT]]`. */
export function arbNatRange(family: Family): fc.Arbitrary<object> {
  const addresses = arbAddressPair(family).map(([from, to]) => ({ from, to }));
  const ports = arbNumberRange(0, 65535);
  return fc.oneof(
    addresses.map((a) => ({ addresses: a })),
    ports.map((p) => ({ ports: p })),
    fc.tuple(addresses, ports).map(([a, p]) => ({ addresses: a, ports: p })),
  );
}

/**
 * Arbitraries for `{ type: "custom", name }` domains, by name. Values are what the named codec's `parse`
 * returns. Add an entry when a codec with a new custom domain is added.
 */
export const customValueArbitraries: Readonly<Record<string, (cx: ValueContext) => fc.Arbitrary<unknown>>> = {
  addressMatch: (cx) => arbAddressMatch(cx.family),
  hostAddress: (cx) => arbHostAddress(cx.family),
  addressRange: (cx) => arbAddressRange(cx.family),
  interfaceName: () => arbInterfaceName(),
  rate: () => fc.record({ count: fc.oneof(arbUint(1, 10000), arbUint(1, 0xffffffff)), per: fc.constantFrom("second", "minute", "hour", "day") }),
  markMask: () => arbMarkMask(),
  markWithMask: () => arbMarkMask(),
  protocol: () => fc.oneof(fc.constantFrom(0, 1, 6, 17, 58, 132), fc.integer({ min: 0, max: 255 })),
  probability: () => arbProbability(),
  natRange: (cx) => arbNatRange(cx.family),
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
