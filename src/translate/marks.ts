/**
 * The packet mark and the connection mark: the `mark` and `connmark` matches, the `MARK` and `CONNMARK`
 * targets. Each follows the kernel's arithmetic (xt_mark.c, xt_connmark.c) bit for bit; nft's `meta mark`
 * and `ct mark` hold the same 32-bit values.
 * @module
 */
import type { KnownMatch, KnownTarget, MarkMask } from "../ast/index.js";
import type { Span } from "../diagnostic/index.js";
import type { NftExpr, NftStatement } from "../nft/index.js";
import { type ByKind, type RuleContext, type Translation, ok, refuse } from "./context.js";
import { binop, ct, eq, match, meta, num, sym } from "./expr.js";
import { addHelperChain } from "./helper-chains.js";

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

/** A CONNMARK shift: direction and bits. */
interface MarkShift {
  readonly dir: "<<" | ">>";
  readonly bits: number;
}

/** A 32-bit constant shifted as xt_connmark shifts a u32 (bits shifted out are lost). */
function shiftConstant(value: number, shift: MarkShift | undefined): number {
  if (shift === undefined) return value >>> 0;
  return shift.dir === ">>" ? value >>> shift.bits : (value << shift.bits) >>> 0;
}

/** Applies CONNMARK's `--left-shift-mark`/`--right-shift-mark` to a value; constants are shifted here. */
function shifted(value: NftExpr, shift: MarkShift | undefined): NftExpr {
  if (shift === undefined || shift.bits === 0) return value;
  if (value.kind === "number" && typeof value.value === "number") return hex(shiftConstant(value.value, shift));
  return binop(shift.dir, value, num(shift.bits));
}

/** The single bits of a 32-bit mask, lowest first. */
function bitsOf(mask: number): readonly number[] {
  return Array.from({ length: 32 }, (_, i) => (1 << i) >>> 0).filter((bit) => (mask & bit) >>> 0 !== 0);
}

/** The most helper chains one `--save-mark` may take: one per value of the copied packet-mark bits. */
const maxSaveMarkValues = 1 << 12;

/**
 * `-j CONNMARK`, as connmark_tg_shift in xt_connmark.c computes it:
 * - set: `ctmark = ((ctmark & ~ctmask) ^ ctmark') shifted` (the whole new mark is shifted);
 * - `--save-mark`: `ctmark = (ctmark & ~ctmask) ^ ((mark & nfmask) shifted)`;
 * - `--restore-mark`: `mark = (mark & ~nfmask) ^ ((ctmark & ctmask) shifted)`.
 * A packet without a connection is left alone (connmark_tg_shift returns at once): `ct mark set` does
 * nothing then, and a value read from `ct mark` stops the rule after its counter.
 *
 * nft 1.0.6 cannot combine two non-constant values (`meta mark & a | ct mark & b`: the right side of `|`,
 * `&`, `^` must be a constant), so a save or restore that keeps part of the old mark and copies the rest
 * goes through helper chains: {@link restoreMarkChain} copies bit by bit, {@link saveMarkVmap} picks one of
 * the possible new connection marks with a verdict map.
 */
export function translateCONNMARK(t: ConnmarkTarget, cx: RuleContext): Translation {
  const shiftBits = t.leftShiftMark?.value ?? t.rightShiftMark?.value;
  const shiftOption = t.leftShiftMark ?? t.rightShiftMark;
  if (shiftBits === 32 && shiftOption !== undefined) {
    // xt_connmark shifts a u32 by 32, which C leaves undefined; nft's shift refuses 32 bits.
    return refuse("a 32-bit mark shifted by 32 has no defined value in the kernel (C leaves it undefined) and nft refuses shifts of 32 bits", shiftOption.span);
  }
  const shift = shiftBits === undefined ? undefined : { dir: t.leftShiftMark !== undefined ? ("<<" as const) : (">>" as const), bits: shiftBits };
  const set = setOperation(t);
  if (set !== undefined) return ok({ kind: "mangle", key: ct("mark"), value: shifted(markValue(ct("mark"), set.mask, set.xor), shift) });
  const nfmask = ((t.mask ?? t.nfmask)?.value ?? allOnes) >>> 0;
  const ctmask = ((t.mask ?? t.ctmask)?.value ?? allOnes) >>> 0;
  if (t.saveMark !== undefined) {
    if (ctmask === allOnes) return ok({ kind: "mangle", key: ct("mark"), value: shifted(markValue(meta("mark"), ~nfmask >>> 0, 0), shift) });
    return saveMarkVmap(cx, nfmask, ctmask, shift, t.saveMark.span);
  }
  if (t.restoreMark !== undefined) {
    // The value reads `ct mark`, which stops the rule for packets without a connection, as xt leaves their mark alone.
    if (nfmask === allOnes && ctmask !== 0) return ok({ kind: "mangle", key: meta("mark"), value: shifted(markValue(ct("mark"), ~ctmask >>> 0, 0), shift) });
    return restoreMarkChain(cx, nfmask, ctmask, shift);
  }
  // The schema requires exactly one operation.
  return ok();
}

/**
 * `--restore-mark` that keeps part of the packet mark: `mark = (mark & ~nfmask) ^ ((ctmark & ctmask)
 * shifted)`, in a helper chain (so the rule's counter counts every packet, as iptables' does) that
 * - returns at once for a packet without a connection (`ct state invalid,untracked`), which xt_connmark
 *   leaves alone;
 * - clears the nfmask bits;
 * - flips, for each ctmask bit set in the connection mark, that bit shifted (`|` where it was cleared).
 * Only the packet's own mark changes, so nothing else can see the steps in between.
 */
function restoreMarkChain(cx: RuleContext, nfmask: number, ctmask: number, shift: MarkShift | undefined): Translation {
  const rules: NftStatement[][] = [];
  if (nfmask !== 0) {
    rules.push([match(ct("state"), { kind: "list", values: [sym("invalid"), sym("untracked")] }, "in"), { kind: "return" }]);
    rules.push([{ kind: "mangle", key: meta("mark"), value: markValue(meta("mark"), nfmask, 0) }]);
  }
  for (const bit of bitsOf(ctmask)) {
    const to = shiftConstant(bit, shift);
    // A bit shifted out of the 32 bits copies nothing.
    if (to === 0) continue;
    const value = binop((to & nfmask) >>> 0 !== 0 ? "|" : "^", meta("mark"), hex(to));
    // Reading ct mark here also stops the rule for packets without a connection.
    rules.push([match(binop("&", ct("mark"), hex(bit)), hex(bit)), { kind: "mangle", key: meta("mark"), value }]);
  }
  // (mark & ~0) ^ 0: the mark stays as it is.
  if (rules.length === 0) return ok();
  return ok({ kind: "jump", target: addHelperChain(cx, `CONNMARK_restore_${nfmask.toString(16)}_${ctmask.toString(16)}`, rules) });
}

/**
 * `--save-mark` that keeps part of the connection mark: `ctmark = (ctmark & ~ctmask) ^ ((mark & nfmask)
 * shifted)`. The new bits come from the packet mark's nfmask bits (those a shift keeps), so
 * `meta mark & BITS vmap { V : jump C_V, ... }` picks, for each possible value V of those bits, a helper
 * chain that writes the connection mark once: `ct mark set (ct mark & ~ctmask) ^ (V shifted)`. One write,
 * as xt_connmark's, so no other CPU reading the connection mark sees a half-copied value. A packet without
 * a connection reaches its helper chain too, where `ct mark set` does nothing, as xt_connmark does.
 * Up to 2^12 values; beyond that it is refused.
 */
function saveMarkVmap(cx: RuleContext, nfmask: number, ctmask: number, shift: MarkShift | undefined, span: Span): Translation {
  const copied = bitsOf(nfmask).filter((bit) => shiftConstant(bit, shift) !== 0);
  // Nothing of the packet mark arrives: only the ctmask bits are cleared (and nothing at all without them).
  if (copied.length === 0) return ctmask === 0 ? ok() : ok({ kind: "mangle", key: ct("mark"), value: markValue(ct("mark"), ctmask, 0) });
  const values = 2 ** copied.length;
  if (values > maxSaveMarkValues) {
    return refuse(
      `--save-mark with --nfmask 0x${nfmask.toString(16)} --ctmask 0x${ctmask.toString(16)} keeps part of the connection mark and copies ${copied.length} bits of the packet mark; nft 1.0.6 cannot combine two marks in one value (the right side of & | ^ must be a constant), and one helper chain per value of the copied bits would take ${values} chains (ipt2nft stops at ${maxSaveMarkValues})`,
      span,
    );
  }
  const key = copied.reduce((a, b) => (a | b) >>> 0, 0);
  const elements: NftExpr[] = Array.from({ length: values }, (_, i) => {
    const value = copied.reduce((v, bit, j) => ((i >> j) & 1 ? (v | bit) >>> 0 : v), 0);
    const arriving = shiftConstant(value, shift);
    const chain = addHelperChain(cx, `CONNMARK_save_${ctmask.toString(16)}_${arriving.toString(16)}`, [[{ kind: "mangle", key: ct("mark"), value: markValue(ct("mark"), ctmask, arriving) }]]);
    return { kind: "mapping", key: hex(value), value: { kind: "jump", target: chain } };
  });
  return ok({ kind: "vmap", key: binop("&", meta("mark"), hex(key)), data: { kind: "set", elements } });
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
