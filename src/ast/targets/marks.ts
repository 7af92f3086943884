/**
 * Targets that set the packet mark or the connection mark: MARK, CONNMARK.
 * @module
 */
import { flag, markMask, markWithMask, unsigned } from "../codecs.js";
import { type NodeOf, atMostOne, exactlyOne, moduleSchema, option } from "../schema.js";

const u32hex = unsigned(0, 0xffffffff, "hex");

/**
 * `-j MARK`. `--set-xmark V/M` computes `(mark & ~M) ^ V`; `--set-mark V/M` is `(mark & ~M) | V`;
 * `--and-mark`, `--or-mark`, `--xor-mark` apply one bit operation.
 */
export const MARKSchema = moduleSchema({
  name: "MARK",
  options: {
    setXmark: option(["--set-xmark"], markWithMask),
    setMark: option(["--set-mark"], markMask),
    andMark: option(["--and-mark"], u32hex),
    orMark: option(["--or-mark"], u32hex),
    xorMark: option(["--xor-mark"], u32hex),
  },
  check: (n) => exactlyOne(n, ["setXmark", "setMark", "andMark", "orMark", "xorMark"], "one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark"),
});
/** A `-j MARK` target. */
export type MARKTarget = NodeOf<typeof MARKSchema>;

/** The CONNMARK options that choose what it does; exactly one is required. */
const connmarkOperations = ["setXmark", "setMark", "andMark", "orMark", "xorMark", "saveMark", "restoreMark"] as const;

/**
 * `-j CONNMARK`: set the connection mark (`--set-xmark V/M` is `ctmark = (ctmark & ~M) ^ V`, and the
 * `--set-mark`, `--and-mark`, `--or-mark`, `--xor-mark` mnemonics), or copy between packet mark and
 * connection mark: `--save-mark` is `ctmark = (ctmark & ~ctmask) ^ (nfmark & nfmask)`, `--restore-mark`
 * is `nfmark = (nfmark & ~nfmask) ^ (ctmark & ctmask)`; both masks default to 0xffffffff and `--mask M`
 * sets both. `--left-shift-mark N` / `--right-shift-mark N` shift the new mark (revision 2).
 *
 * iptables-save prints every set operation as `--set-xmark V/M` and the copies with both masks; the
 * mnemonics are kept as written here, because each maps onto its own nft expression.
 */
export const CONNMARKSchema = moduleSchema({
  name: "CONNMARK",
  options: {
    setXmark: option(["--set-xmark"], markWithMask),
    setMark: option(["--set-mark"], markMask),
    andMark: option(["--and-mark"], u32hex),
    orMark: option(["--or-mark"], u32hex),
    xorMark: option(["--xor-mark"], u32hex),
    saveMark: option(["--save-mark"], flag),
    restoreMark: option(["--restore-mark"], flag),
    nfmask: option(["--nfmask"], u32hex),
    ctmask: option(["--ctmask"], u32hex),
    mask: option(["--mask"], u32hex),
    leftShiftMark: option(["--left-shift-mark"], unsigned(0, 32)),
    rightShiftMark: option(["--right-shift-mark"], unsigned(0, 32)),
  },
  check: (n) => {
    const operation = exactlyOne(n, connmarkOperations, "one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark, --save-mark, --restore-mark");
    if (operation.length > 0) return operation;
    // iptables lets a later --ctmask overwrite the mask a set operation computed, so the result would
    // depend on the order of the words; the masks only mean something for the copies.
    const copies = n.saveMark !== undefined || n.restoreMark !== undefined;
    const masks = (["nfmask", "ctmask", "mask"] as const).filter((k) => n[k] !== undefined);
    const first = masks[0];
    if (!copies && first !== undefined) return [{ option: first, message: `--${first} applies to --save-mark and --restore-mark only` }];
    if (n.mask !== undefined && (n.nfmask !== undefined || n.ctmask !== undefined)) return [{ option: "mask", message: "--mask sets both --nfmask and --ctmask; give either --mask or those" }];
    return atMostOne(n, ["leftShiftMark", "rightShiftMark"]);
  },
});
/** A `-j CONNMARK` target. */
export type CONNMARKTarget = NodeOf<typeof CONNMARKSchema>;
