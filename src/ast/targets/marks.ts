/**
 * Targets that set the packet mark or the connection mark: MARK, CONNMARK.
 * @module
 */
import { flag, markMask, markWithMask, unsigned } from "../codecs.js";
import { type NodeOf, exactlyOne, moduleSchema, option } from "../schema.js";

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

/** `-j CONNMARK`: set the connection mark, or copy between packet mark and connection mark with masks. */
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
  },
  check: (n) => exactlyOne(n, ["setXmark", "setMark", "andMark", "orMark", "xorMark", "saveMark", "restoreMark"], "one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark, --save-mark, --restore-mark"),
});
/** A `-j CONNMARK` target. */
export type CONNMARKTarget = NodeOf<typeof CONNMARKSchema>;
