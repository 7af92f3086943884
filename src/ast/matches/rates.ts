/**
 * Matches that depend on chance or on how many packets came before: statistic.
 * @module
 */
import { keyword, unsigned } from "../codecs.js";
import { type Codec, CodecError, type NodeOf, moduleSchema, option } from "../schema.js";

/**
 * A probability kept exactly as written and as the kernel's integer threshold: libxt_statistic stores
 * `lround(0x80000000 * p)`, and xt_statistic matches when `(random32 & 0x7fffffff) < threshold`, so the
 * exact match probability is `threshold / 2^31`.
 */
export interface Probability {
  readonly text: string;
  readonly threshold: number;
}

/** Converts a decimal probability in [0, 1] to the kernel's threshold. */
export function probabilityThreshold(p: number): number {
  return Math.round(0x80000000 * p);
}

/** `--probability P` with P in [0, 1]. */
export const probability: Codec<Probability> = {
  domain: { type: "custom", name: "probability" },
  arity: 1,
  expected: "a probability between 0 and 1",
  parse: ([t = ""]) => {
    if (!/^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return new CodecError(`"${t}" is not a number`);
    const p = Number(t);
    if (!(p >= 0 && p <= 1)) return new CodecError(`probability ${t} is outside [0, 1]`);
    return { text: t, threshold: probabilityThreshold(p) };
  },
  print: (p) => [p.text],
};

/** `-m statistic --mode random --probability P` or `--mode nth --every N [--packet P]`. */
export const statisticSchema = moduleSchema({
  name: "statistic",
  options: {
    mode: option(["--mode"], keyword(["random", "nth"] as const, "statistic mode")),
    probability: option(["--probability"], probability, "negatable"),
    every: option(["--every"], unsigned(1, 0xffffffff), "negatable"),
    packet: option(["--packet"], unsigned(0, 0xffffffff)),
  },
  check: (n) => {
    if (n.mode === undefined) return [{ message: "--mode is required" }];
    if (n.mode.value === "random") {
      if (n.probability === undefined) return [{ message: "--mode random needs --probability" }];
      if (n.every !== undefined || n.packet !== undefined) return [{ option: n.every ? "every" : "packet", message: "--every and --packet belong to --mode nth" }];
      return [];
    }
    if (n.every === undefined) return [{ message: "--mode nth needs --every" }];
    if (n.probability !== undefined) return [{ option: "probability", message: "--probability belongs to --mode random" }];
    if (n.packet !== undefined && n.packet.value >= n.every.value) return [{ option: "packet", message: `--packet must be below --every (${n.every.value})` }];
    return [];
  },
});
/** A `-m statistic` match. */
export type StatisticMatch = NodeOf<typeof statisticSchema>;
