/**
 * The packet mark and the connection mark: the `mark` and `connmark` matches, the `MARK` and `CONNMARK`
 * targets. Each follows the kernel's arithmetic (xt_mark.c, xt_connmark.c) bit for bit; nft's `meta mark`
 * and `ct mark` hold the same 32-bit values.
 * @module
 */
import type { KnownMatch, KnownTarget, MarkMask } from "../ast/index.js";
import type { NftExpr, NftStatement } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, ok, refuse } from "./context.js";
import { binop, ct, eq, match, meta, num } from "./expr.js";

type MarkMatch = Extract<KnownMatch, { kind: "mark" }>;
type ConnmarkMatch = Extract<KnownMatch, { kind: "connmark" }>;
type MarkTarget = Extract<KnownTarget, { kind: "MARK" }>;
type ConnmarkTarget = Extract<KnownTarget, { kind: "CONNMARK" }>;

const allOnes = 0xffffffff;

/** A 32-bit constant written in hex, as marks are. */
function hex(n: number): NftExpr {
  return num(n >>> 0, "hex");
}

/**
 * `(key & mask) == value`, exactly as xt_mark and xt_connmark test it. The value is not masked: a value with
 * bits outside the mask (`--mark 0x3/0x1`) can never equal the masked mark, so the kernel never matches it,
 * and neither does `meta mark & 0x1 == 0x3`. A mask of all ones needs no `&`.
 */
export function matchMarkBits(key: NftExpr, m: MarkMask, negated: boolean): NftStatement {
  if (m.mask === allOnes) return match(key, hex(m.value), eq(negated));
  return match(binop("&", key, hex(m.mask)), hex(m.value), eq(negated));
}

/** `-m mark`: `(skb->mark & mask) == value`, inverted by `!`. */
export function translateMark(m: MarkMatch, _cx: RuleContext): Translation {
  // The schema requires --mark; a missing one cannot reach the translator.
  if (m.mark === undefined) return ok();
  return ok(matchMarkBits(meta("mark"), m.mark.value, m.mark.negated));
}

/**
 * `-m connmark`: `(ct->mark & mask) == value`. A packet without a connection never matches, even with `!`;
 * nft's `ct mark` stops the rule for such packets, which is the same.
 */
export function translateConnmark(m: ConnmarkMatch, _cx: RuleContext): Translation {
  if (m.mark === undefined) return ok();
  return ok(matchMarkBits(ct("mark"), m.mark.value, m.mark.negated));
}

/**
 * The new value `(key & ~mask) ^ xor` that `--set-xmark xor/mask` computes, written in the simplest nft form
 * with the same result: a constant when every bit is replaced, `key | v`, `key & v`, `key ^ v` for the
 * one-operation mnemonics, `(key & ~mask) | xor` when the new bits only set what was cleared.
 */
export function markValue(key: NftExpr, mask: number, xor: number): NftExpr {
  const keep = ~mask >>> 0;
  const x = xor >>> 0;
  if (keep === 0) return hex(x);
  if (x === 0) return keep === allOnes ? key : binop("&", key, hex(keep));
  if (keep === allOnes) return binop("^", key, hex(x));
  // Bits of xor inside the cleared mask are simply set: `|` says that more plainly than `^`.
  if ((x & keep) === 0) return x === mask >>> 0 ? binop("|", key, hex(x)) : binop("|", binop("&", key, hex(keep)), hex(x));
  return binop("^", binop("&", key, hex(keep)), hex(x));
}

/** The (mask, xor) pair each MARK/CONNMARK set operation stands for, as libxt_MARK and libxt_CONNMARK compute it. */
function setOperation(t: MarkTarget | ConnmarkTarget): { readonly mask: number; readonly xor: number } | undefined {
  if (t.setXmark !== undefined) return { mask: t.setXmark.value.mask, xor: t.setXmark.value.value };
  // --set-mark V/M clears M and V, then sets V: (mark & ~(M|V)) ^ V.
  if (t.setMark !== undefined) return { mask: (t.setMark.value.mask | t.setMark.value.value) >>> 0, xor: t.setMark.value.value };
  if (t.andMark !== undefined) return { mask: ~t.andMark.value >>> 0, xor: 0 };
  if (t.orMark !== undefined) return { mask: t.orMark.value, xor: t.orMark.value };
  if (t.xorMark !== undefined) return { mask: 0, xor: t.xorMark.value };
  return undefined;
}

/** `-j MARK`: `skb->mark = (skb->mark & ~mask) ^ xor`, then continue. */
export function translateMARK(t: MarkTarget, _cx: RuleContext): Translation {
  const op = setOperation(t);
  // The schema requires exactly one operation.
  if (op === undefined) return ok();
  return ok({ kind: "mangle", key: meta("mark"), value: markValue(meta("mark"), op.mask, op.xor) });
}

/** Applies CONNMARK's `--left-shift-mark`/`--right-shift-mark` to a value; constants are shifted here. */
function shifted(value: NftExpr, shift: { readonly dir: "<<" | ">>"; readonly bits: number } | undefined): NftExpr {
  if (shift === undefined || shift.bits === 0) return value;
  if (value.kind === "number" && typeof value.value === "number") {
    return hex(shift.dir === ">>" ? value.value >>> shift.bits : (value.value << shift.bits) >>> 0);
  }
  return binop(shift.dir, value, num(shift.bits));
}

/**
 * `-j CONNMARK`, as connmark_tg_shift in xt_connmark.c computes it:
 * - set: `ctmark = ((ctmark & ~ctmask) ^ ctmark') shifted` (the whole new mark is shifted);
 * - `--save-mark`: `ctmark = (ctmark & ~ctmask) ^ ((mark & nfmask) shifted)`;
 * - `--restore-mark`: `mark = (mark & ~nfmask) ^ ((ctmark & ctmask) shifted)`.
 *
 * A packet without a connection is left alone: `ct mark set` does nothing then, and a value read from
 * `ct mark` stops the rule, which is the last statement anyway. nft 1.0.6 cannot combine two non-constant
 * values (`ct mark & a | meta mark & b`: the right side of `|`, `&`, `^` must be a constant), so a save or
 * restore that keeps part of the old mark and copies the rest is refused.
 */
export function translateCONNMARK(t: ConnmarkTarget, _cx: RuleContext): Translation {
  const shiftBits = t.leftShiftMark?.value ?? t.rightShiftMark?.value;
  const shiftOption = t.leftShiftMark ?? t.rightShiftMark;
  if (shiftBits === 32 && shiftOption !== undefined) {
    // xt_connmark shifts a u32 by 32, which C leaves undefined; nft's shift refuses 32 bits.
    return refuse("a 32-bit mark shifted by 32 has no defined value in the kernel (C leaves it undefined) and nft refuses shifts of 32 bits", shiftOption.span);
  }
  const shift = shiftBits === undefined ? undefined : { dir: t.leftShiftMark !== undefined ? ("<<" as const) : (">>" as const), bits: shiftBits };
  const set = setOperation(t);
  if (set !== undefined) return ok({ kind: "mangle", key: ct("mark"), value: shifted(markValue(ct("mark"), set.mask, set.xor), shift) });
  const nfmask = (t.mask ?? t.nfmask)?.value ?? allOnes;
  const ctmask = (t.mask ?? t.ctmask)?.value ?? allOnes;
  const masks = `--nfmask 0x${nfmask.toString(16)} --ctmask 0x${ctmask.toString(16)}`;
  if (t.saveMark !== undefined) {
    if (ctmask === allOnes) return ok({ kind: "mangle", key: ct("mark"), value: shifted(markValue(meta("mark"), ~nfmask >>> 0, 0), shift) });
    // Nothing of the packet mark is copied: only the ctmask bits are cleared.
    if (nfmask === 0) return ok({ kind: "mangle", key: ct("mark"), value: markValue(ct("mark"), ctmask, 0) });
    return refuse(
      `--save-mark with ${masks} keeps part of the connection mark and copies part of the packet mark; nft 1.0.6 cannot combine two marks in one value (the right side of & | ^ must be a constant)`,
      t.saveMark.span,
    );
  }
  if (t.restoreMark !== undefined) {
    if (ctmask === 0) {
      // mark = mark & ~nfmask, but only for packets with a connection. The value then reads nothing of the
      // connection, so nothing would stop `meta mark set` for packets without one; a condition before it
      // would stop the rule (and its counter) for them instead.
      return refuse(
        `--restore-mark with ${masks} copies nothing from the connection mark and only clears packet-mark bits, for packets that have a connection; nft cannot make a mark change depend on the connection without also stopping the rule for packets that have none`,
        t.restoreMark.span,
      );
    }
    // The value reads `ct mark`, which stops the rule for packets without a connection, as xt leaves their mark alone.
    if (nfmask === allOnes) return ok({ kind: "mangle", key: meta("mark"), value: shifted(markValue(ct("mark"), ~ctmask >>> 0, 0), shift) });
    return refuse(
      `--restore-mark with ${masks} keeps part of the packet mark and copies part of the connection mark; nft 1.0.6 cannot combine two marks in one value (the right side of & | ^ must be a constant)`,
      t.restoreMark.span,
    );
  }
  // The schema requires exactly one operation.
  return ok();
}

/** The mark match translators this file provides. */
export const markMatchTranslators = {
  mark: translateMark,
  connmark: translateConnmark,
} satisfies Partial<ByKind<KnownMatch>>;

/** The mark target translators this file provides. */
export const markTargetTranslators = {
  MARK: translateMARK,
  CONNMARK: translateCONNMARK,
} satisfies Partial<ByKind<KnownTarget>>;
