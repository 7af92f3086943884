/**
 * Values of the custom domains of the part A match schemas (src/ast/matches/protocols.ts, packet.ts,
 * addresses.ts), exactly as their codecs' `parse` returns them: sets in the codec's order, normalised forms
 * only (no ICMP type 255 with a code in IPv4, no SCTP I_DATA flags, no length on IPv6 option 0).
 *
 * Meant to be spread into `customValueArbitraries` (test/arb/values.ts); it imports nothing from there, so
 * values.ts can import it without an import cycle.
 * @module
 */
import fc from "fast-check";
import { type AddrTypeName, addrTypeNames } from "../../src/ast/matches/addresses.js";
import { type Ipv6HeaderName, type Ipv6OptionTest, ipv6HeaderNames } from "../../src/ast/matches/packet.js";
import { type IcmpType, type SctpChunk, type SctpChunkTypes, dccpTypeNames, sctpChunkTypes } from "../../src/ast/matches/protocols.js";
import { arbHostAddress } from "./address.js";
import type { ValueContext } from "./values.js";

/** Address types the kernel accepts in the family (IPv6 has no BROADCAST, BLACKHOLE, PROHIBIT and later). */
function addrTypesOf(family: ValueContext["family"]): readonly AddrTypeName[] {
  const notInIpv6: readonly AddrTypeName[] = ["BROADCAST", "BLACKHOLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"];
  return family === "ipv6" ? addrTypeNames.filter((t) => !notInIpv6.includes(t)) : addrTypeNames;
}

/** One SCTP chunk with a random subset of its flags, each set or unset (I_DATA: never flags). */
function arbSctpChunk(entry: (typeof sctpChunkTypes)[number]): fc.Arbitrary<SctpChunk> {
  if (entry.name === "I_DATA" || entry.flags.length === 0) return fc.constant({ name: entry.name, flags: [] });
  return fc.subarray([...entry.flags]).chain((letters) =>
    fc.array(fc.boolean(), { minLength: letters.length, maxLength: letters.length }).map((sets) => ({ name: entry.name, flags: letters.map((letter, i) => ({ letter, set: sets[i] === true })) })),
  );
}

function arbSctpChunkTypes(): fc.Arbitrary<SctpChunkTypes> {
  const list = fc.subarray([...sctpChunkTypes], { minLength: 1 }).chain((entries) => fc.tuple(...entries.map(arbSctpChunk)));
  return fc.record({
    matchType: fc.constantFrom("all" as const, "any" as const, "only" as const),
    chunks: fc.oneof({ arbitrary: fc.constantFrom("ALL" as const, "NONE" as const), weight: 1 }, { arbitrary: list, weight: 4 }),
  });
}

function arbIcmpType(wildcard: "ipv4" | "ipv6"): fc.Arbitrary<IcmpType> {
  // In IPv4, type 255 is the kernel's wildcard and is stored without a code.
  const top = wildcard === "ipv4" ? 254 : 255;
  return fc.oneof(
    fc.integer({ min: 0, max: 255 }).map((type) => ({ type })),
    fc.tuple(fc.integer({ min: 0, max: top }), fc.integer({ min: 0, max: 255 })).map(([type, code]) => ({ type, code })),
  );
}

function arbIpv6OptionTest(): fc.Arbitrary<Ipv6OptionTest> {
  return fc.oneof(
    fc.integer({ min: 0, max: 255 }).map((type) => ({ type })),
    // 255 means "any length" and reads back as no length; option 0 (Pad1) has none.
    fc.tuple(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 254 })).map(([type, length]) => ({ type, length })),
  );
}

/** Values of the custom domains of part A's codecs, by domain name. */
export const matchesACustomArbitraries: Readonly<Record<string, (cx: ValueContext) => fc.Arbitrary<unknown>>> = {
  sctpChunkTypes: () => arbSctpChunkTypes(),
  dccpTypes: () => fc.subarray([...dccpTypeNames], { minLength: 1 }),
  icmpType: () => arbIcmpType("ipv4"),
  icmpv6Type: () => arbIcmpType("ipv6"),
  tosValue: () => fc.record({ value: fc.integer({ min: 0, max: 255 }), mask: fc.integer({ min: 0, max: 255 }) }),
  macAddress: () => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((bs) => bs.map((b) => b.toString(16).padStart(2, "0")).join(":")),
  ipv6OptionTests: () => fc.array(arbIpv6OptionTest(), { minLength: 1, maxLength: 16 }),
  ipv6AddressList: () => fc.array(arbHostAddress("ipv6"), { minLength: 1, maxLength: 16 }),
  ipv6Headers: () => fc.subarray<Ipv6HeaderName>([...ipv6HeaderNames], { minLength: 1 }),
  addrTypes: (cx) => fc.subarray([...addrTypesOf(cx.family)], { minLength: 1 }),
};
