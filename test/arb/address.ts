/**
 * Arbitraries for IPv4 and IPv6 addresses as the AST keeps them: canonical text, host bits cleared,
 * contiguous masks as prefix lengths and the others as masks.
 *
 * Addresses are built from their bits; only the final formatting goes through the AST's own
 * {@link formatIP}, which defines the canonical text the parser stores.
 * @module
 */
import fc from "fast-check";
import { type AddressMatch, type Family, formatIP } from "../../src/ast/index.js";
import type { AddressRange, HostAddress } from "../../src/ast/index.js";

/** Number of bits in an address of the family. */
function bitsOf(family: Family): number {
  return family === "ipv4" ? 32 : 128;
}

/** The mask with `length` leading one bits. */
function leadingOnes(family: Family, length: number): bigint {
  const bits = BigInt(bitsOf(family));
  const all = (1n << bits) - 1n;
  return ((all << (bits - BigInt(length))) & all);
}

/** The prefix length of `mask` when its one bits are contiguous from the top, else undefined. */
function contiguousLength(family: Family, mask: bigint): number | undefined {
  let ones = 0;
  for (let m = mask; m !== 0n; m >>= 1n) ones += Number(m & 1n);
  return leadingOnes(family, ones) === mask ? ones : undefined;
}

/**
 * An address as an integer. Octets and groups lean towards 0 and all-ones so that runs of zero groups
 * (the `::` of IPv6) and edge values come up often.
 */
export function arbAddressBits(family: Family): fc.Arbitrary<bigint> {
  const width = family === "ipv4" ? 8 : 16;
  const top = (1 << width) - 1;
  const part = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.constant(top), weight: 1 }, { arbitrary: fc.integer({ min: 0, max: top }), weight: 4 });
  const count = bitsOf(family) / width;
  const fromParts = fc.array(part, { minLength: count, maxLength: count }).map((ps) => ps.reduce((n, p) => (n << BigInt(width)) | BigInt(p), 0n));
  const max = (1n << BigInt(bitsOf(family))) - 1n;
  return fc.oneof(fromParts, fc.bigInt(0n, max));
}

/** A single address of the family, as `hostAddress` parses it. */
export function arbHostAddress(family: Family): fc.Arbitrary<HostAddress> {
  return arbAddressBits(family).map((v) => ({ family, address: formatIP(family, v) }));
}

/** `ADDR/LEN` or `ADDR/MASK` with the host bits cleared, as `addressMatch` parses it. */
export function arbAddressMatch(family: Family): fc.Arbitrary<AddressMatch> {
  const prefix = fc.tuple(arbAddressBits(family), fc.integer({ min: 0, max: bitsOf(family) })).map(([v, length]): AddressMatch => {
    const mask = leadingOnes(family, length);
    return { kind: "prefix", family, address: formatIP(family, v & mask), length };
  });
  // Any mask: when it happens to be contiguous the parser stores a prefix length, so do the same.
  const masked = fc.tuple(arbAddressBits(family), arbAddressBits(family)).map(([v, mask]): AddressMatch => {
    const address = formatIP(family, v & mask);
    const length = contiguousLength(family, mask);
    return length === undefined ? { kind: "mask", family, address, mask: formatIP(family, mask) } : { kind: "prefix", family, address, length };
  });
  return fc.oneof({ arbitrary: prefix, weight: 4 }, { arbitrary: masked, weight: 1 });
}

/** Two addresses in order, the first at most the second; a single address half of the time. */
export function arbAddressPair(family: Family): fc.Arbitrary<readonly [HostAddress, HostAddress]> {
  const one = arbAddressBits(family).map((v) => [v, v] as const);
  const two = fc.tuple(arbAddressBits(family), arbAddressBits(family)).map(([a, b]) => (a <= b ? ([a, b] as const) : ([b, a] as const)));
  return fc.oneof(one, two).map(([a, b]) => [
    { family, address: formatIP(family, a) },
    { family, address: formatIP(family, b) },
  ]);
}

/** `FROM-TO`, as `addressRange` (iprange) parses it. */
export function arbAddressRange(family: Family): fc.Arbitrary<AddressRange> {
  return arbAddressPair(family).map(([from, to]) => ({ family, from: from.address, to: to.address }));
}
