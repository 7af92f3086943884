/**
 * Small builders for nft expressions, and the conversions of iptables values (addresses, ranges, marks,
 * interface names) into them.
 * @module
 */
import type { AddressMatch, Family, InterfaceName, NumberRange } from "../ast/index.js";
import type {
  NftBinaryOperator,
  NftCt,
  NftExpr,
  NftMatch,
  NftMatchOperator,
  NftMeta,
  NftMetaKey,
  NftPayload,
  NftPayloadFields,
  NftPayloadProtocol,
  NftStatement,
} from "../nft/index.js";

/** `protocol field`, e.g. `ip saddr`. */
export function payload<P extends NftPayloadProtocol>(protocol: P, field: NftPayloadFields[P]): NftPayload {
  return { kind: "payload", protocol, field } as NftPayload;
}

/** `meta KEY`. */
export function meta(key: NftMetaKey): NftMeta {
  return { kind: "meta", key };
}

/** `ct KEY` with optional direction. */
export function ct(key: NftCt["key"], dir?: NftCt["dir"], family?: NftCt["family"]): NftCt {
  return { kind: "ct", key, ...(dir === undefined ? {} : { dir }), ...(family === undefined ? {} : { family }) };
}

/** A number constant; `hex` prints it as `0x…` (marks, masks). */
export function num(value: number | bigint, display?: "hex"): NftExpr {
  return { kind: "number", value, ...(display === undefined ? {} : { display }) };
}

/** A bare symbolic constant (`established`, `tcp`, `10.0.0.1`). */
export function sym(value: string): NftExpr {
  return { kind: "symbol", value };
}

/** A quoted string constant. */
export function str(value: string): NftExpr {
  return { kind: "string", value };
}

/** `left OP right` as a match statement. */
export function match(left: NftExpr, right: NftExpr, op: NftMatchOperator = "=="): NftMatch {
  return { kind: "match", op, left, right };
}

/** `==`, or `!=` when negated. */
export function eq(negated: boolean): NftMatchOperator {
  return negated ? "!=" : "==";
}

/** `left OP right` as a binary expression. */
export function binop(op: NftBinaryOperator, left: NftExpr, right: NftExpr): NftExpr {
  return { kind: "binop", op, left, right };
}

/** A range or single value: `80` or `1024-65535`. */
export function rangeExpr(r: NumberRange, display?: "hex"): NftExpr {
  return r.from === r.to ? num(r.from, display) : { kind: "range", low: num(r.from, display), high: num(r.to, display) };
}

/** The whole range 0..max: a match on it only requires the field to exist. */
export function isFullRange(r: NumberRange, max: number): boolean {
  return r.from === 0 && r.to === max;
}

/** `left == range` (or `!=`), for ports and other numeric ranges. */
export function matchRange(left: NftExpr, r: NumberRange, negated: boolean, display?: "hex"): NftMatch {
  return match(left, rangeExpr(r, display), eq(negated));
}

/** The address field of an IP header for this family. */
export function addressField(family: Family, which: "saddr" | "daddr"): NftPayload {
  return family === "ipv4" ? payload("ip", which) : payload("ip6", which);
}

/** Matches an address field against an address with prefix or netmask, as `-s`/`-d` do. */
export function matchAddress(left: NftExpr, a: AddressMatch, negated: boolean): NftMatch {
  if (a.kind === "prefix") {
    const bits = a.family === "ipv4" ? 32 : 128;
    const right: NftExpr = a.length === bits ? sym(a.address) : { kind: "prefix", addr: a.address, len: a.length };
    return match(left, right, eq(negated));
  }
  return match(binop("&", left, sym(a.mask)), sym(a.address), eq(negated));
}

/** True for the address match that matches everything (`0.0.0.0/0`, `::/0`). */
export function isAnyAddress(a: AddressMatch): boolean {
  return a.kind === "prefix" && a.length === 0;
}

/**
 * An interface name as nft writes it: `eth+` becomes `eth*`. nft reads a final `*` as the wildcard and takes
 * everything before it literally; an exact name that itself ends in `*` writes that one as `\\*`.
 */
export function interfacePattern(i: InterfaceName): NftExpr {
  if (i.wildcard) return str(`${i.name}*`);
  return str(i.name.endsWith("*") ? `${i.name.slice(0, -1)}\\*` : i.name);
}

/**
 * The value expression for `key set (key & ~mask) ^ xor`: what MARK/CONNMARK `--set-xmark` and friends compute.
 * Simplified to a constant when the whole mark is overwritten.
 */
export function markUpdate(key: NftExpr, mask: number, xor: number): NftExpr {
  const keep = ~mask >>> 0;
  if (keep === 0) return num(xor >>> 0, "hex");
  const kept = keep === 0xffffffff ? key : binop("&", key, num(keep, "hex"));
  return xor === 0 ? kept : binop("^", kept, num(xor >>> 0, "hex"));
}

/** Statements of a translation, for readability at call sites. */
export type Statements = readonly NftStatement[];
