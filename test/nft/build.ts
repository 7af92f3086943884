/**
 * Short constructors for nft model nodes in tests, so cases read like the nft text they stand for.
 */
import type {
  NftExpr,
  NftMatch,
  NftMatchOperator,
  NftMeta,
  NftMetaKey,
  NftNumber,
  NftPayload,
  NftPayloadFields,
  NftPayloadProtocol,
  NftRule,
  NftStatement,
  NftString,
  NftSymbol,
} from "../../src/nft/index.js";

/** `PROTO FIELD`. */
export function payload<P extends NftPayloadProtocol>(protocol: P, field: NftPayloadFields[P]): NftPayload {
  return { kind: "payload", protocol, field } as NftPayload;
}

/** `meta KEY`. */
export const meta = (key: NftMetaKey): NftMeta => ({ kind: "meta", key });

/** A number, optionally shown in hex. */
export const num = (value: number | bigint, display?: "hex"): NftNumber =>
  display === undefined ? { kind: "number", value } : { kind: "number", value, display };

/** A bare word: address or symbolic constant. */
export const sym = (value: string): NftSymbol => ({ kind: "symbol", value });

/** A quoted string. */
export const str = (value: string): NftString => ({ kind: "string", value });

/** `LEFT OP RIGHT`. */
export const match = (left: NftExpr, right: NftExpr, op: NftMatchOperator = "=="): NftMatch => ({ kind: "match", op, left, right });

/** A rule of the given statements. */
export const rule = (...exprs: NftStatement[]): NftRule => ({ kind: "rule", exprs });
