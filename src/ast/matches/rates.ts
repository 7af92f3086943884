/**
 * Matches that depend on chance or on how many packets came before: statistic, limit, hashlimit, quota,
 * recent.
 * @module
 */
import { type Rate, flag, hostAddress, keyword, keywordSet, name, prefixLength, unsigned, unsigned64 } from "../codecs.js";
import { type Codec, CodecError, type NodeOf, atMostOne, exactlyOne, moduleSchema, option } from "../schema.js";

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

/** The time units a rate may be given in, with their length in seconds. */
const rateUnitSeconds: Readonly<Record<Rate["per"], bigint>> = { second: 1n, minute: 60n, hour: 3600n, day: 86400n };

/** How iptables-save spells each unit, coarsest first (the order its print_rate tries them in). */
const savedRateUnits: readonly (readonly [Rate["per"], string])[] = [
  ["day", "day"],
  ["hour", "hour"],
  ["minute", "min"],
  ["second", "sec"],
];

/**
 * Reads `N[/unit]` as libxt_limit and libxt_hashlimit do: N in decimal, the unit any non-empty prefix of
 * second, minute, hour or day in any case (`3/m`, `10/SEC`), per second when absent.
 */
function parseRateText(t: string): { readonly count: bigint; readonly per: Rate["per"] } | undefined {
  const m = /^(\d+)(?:\/(.*))?$/.exec(t);
  if (m === null) return undefined;
  const unit = m[2];
  const per = unit === undefined ? "second" : savedRateUnits.map(([p]) => p).find((p) => unit !== "" && p.startsWith(unit.toLowerCase()));
  return per === undefined ? undefined : { count: BigInt(m[1] ?? "0"), per };
}

/**
 * The rate iptables-save prints for a kernel period (`scale * unit / count`, rounded down): the finest
 * unit whose count still divides closely enough, exactly as print_rate in libxt_limit.c. So `60/min` is
 * saved as `1/sec`. Printing and re-reading its own output gives the same rate again.
 */
function savedRate(period: bigint, scale: bigint): Rate {
  let chosen: readonly [Rate["per"], string] = savedRateUnits[0] ?? ["day", "day"];
  for (const unit of savedRateUnits.slice(1)) {
    const m = scale * rateUnitSeconds[unit[0]];
    if (period > m || m / period < m % period) break;
    chosen = unit;
  }
  return { count: Number((scale * rateUnitSeconds[chosen[0]]) / period), per: chosen[0] };
}

/** Prints a rate as iptables-save does: `3/min`, `10/sec`. */
function printRate(r: Rate): string {
  const unit = savedRateUnits.find(([p]) => p === r.per)?.[1] ?? r.per;
  return `${r.count}/${unit}`;
}

/** XT_LIMIT_SCALE: libxt_limit stores the period between tokens in 1/10000 s. */
const limitScale = 10000n;

/**
 * `--limit N[/unit]`, stored as iptables-save prints it back: the kernel keeps only the period between
 * tokens (in 1/10000 s), and iptables-save picks the unit from it (`--limit 120/minute` is saved as
 * `--limit 2/sec`). Values are canonical: `parse(print(r))` is `r`.
 */
export const limitRate: Codec<Rate> = {
  domain: { type: "custom", name: "limitRate" },
  arity: 1,
  expected: "a rate N/second, N/minute, N/hour or N/day",
  parse: ([t = ""]) => {
    const r = parseRateText(t);
    if (r === undefined) return new CodecError(`"${t}" is not a rate like 10/second`);
    if (r.count === 0n) return new CodecError("a rate must be greater than zero");
    const period = (limitScale * rateUnitSeconds[r.per]) / r.count;
    if (period === 0n) return new CodecError(`rate ${t} is too fast: at most 10000/second`);
    return savedRate(period, limitScale);
  },
  print: (r) => [printRate(r)],
};

/** `-m limit`: a token bucket, 3/hour with a burst of 5 unless given. It cannot be negated. */
export const limitSchema = moduleSchema({
  name: "limit",
  options: {
    limit: option(["--limit"], limitRate),
    burst: option(["--limit-burst"], unsigned(0, 10000)),
  },
});
/** A `-m limit` match. */
export type LimitMatch = NodeOf<typeof limitSchema>;

/** XT_HASHLIMIT_SCALE_v2: hashlimit (revisions 2 and 3) stores packet periods in 1/1000000 s. */
const hashlimitScale = 1000000n;

/** XT_HASHLIMIT_BYTE_SHIFT: byte rates are kept in 16-byte units. */
const byteShift = 4n;

const u32Max = 0xffffffffn;

/** Kernel cost of a byte rate (bytes_to_cost in libxt_hashlimit.c). */
function bytesToCost(bytes: bigint): bigint {
  return u32Max / ((bytes >> byteShift) + 1n);
}

/** The byte rate a kernel cost stands for (cost_to_bytes in libxt_hashlimit.c). */
function costToBytes(cost: bigint): bigint {
  return ((cost === 0n ? u32Max : u32Max / cost) - 1n) << byteShift;
}

/** Byte multipliers as `20kb/s` and `--hashlimit-burst 1mb` take them, largest first. */
const byteScales: readonly (readonly [HashlimitByteScale, bigint])[] = [
  ["mb", 1048576n],
  ["kb", 1024n],
  ["b", 1n],
];

/** The suffix of a byte amount: bytes, KiB or MiB. */
export type HashlimitByteScale = "b" | "kb" | "mb";

/**
 * A hashlimit rate: packets per unit of time (`300/sec`), or bytes per second (`20kb/s`, `512b/s`).
 * Both are stored as iptables-save prints them back, which is canonical.
 */
export type HashlimitRate =
  | ({ readonly kind: "packets" } & Rate)
  | { readonly kind: "bytes"; readonly count: number; readonly scale: HashlimitByteScale };

/** The bytes per second of a byte rate. */
export function hashlimitBytesPerSecond(r: { readonly count: number; readonly scale: HashlimitByteScale }): bigint {
  return BigInt(r.count) * (byteScales.find(([s]) => s === r.scale)?.[1] ?? 1n);
}

/**
 * The byte rate iptables-save prints for a kernel cost (print_bytes in libxt_hashlimit.c): the largest
 * multiplier that still gives back the same cost.
 */
function savedByteRate(cost: bigint): { readonly count: number; readonly scale: HashlimitByteScale } {
  const r = costToBytes(cost);
  for (const [scale, size] of byteScales) {
    if (size === 1n || (r >= size && bytesToCost(r & ~(size - 1n)) === cost)) return { count: Number(r / size), scale };
  }
  return { count: Number(r), scale: "b" };
}

/**
 * `--hashlimit-upto`/`--hashlimit-above`: `N[/unit]` packets, or `N[k|m]b/s` bytes per second. Stored as
 * iptables-save prints it back (`60/min` as `1/sec`, `1000b/s` as `992b/s`). Byte rates below 16 b/s are
 * refused: the kernel keeps 16-byte units, and iptables-save would print `0b/s`, which it cannot read back.
 */
export const hashlimitRate: Codec<HashlimitRate> = {
  domain: { type: "custom", name: "hashlimitRate" },
  arity: 1,
  expected: "a rate N/second, N/minute, N/hour, N/day, or bytes per second as Nb/s, Nkb/s, Nmb/s",
  parse: ([t = ""]) => {
    const bytes = /^(\d+)([km]?)b\/s$/.exec(t);
    if (bytes !== null) {
      const amount = BigInt(bytes[1] ?? "0") * (bytes[2] === "m" ? 1048576n : bytes[2] === "k" ? 1024n : 1n);
      if (amount === 0n) return new CodecError("a rate must be greater than zero");
      const cost = bytesToCost(amount);
      if (cost === 0n) return new CodecError(`rate ${t} is too high`);
      const saved = savedByteRate(cost);
      if (saved.count === 0) return new CodecError(`rate ${t} is too low: hashlimit counts bytes in 16-byte units`);
      return { kind: "bytes", ...saved };
    }
    const r = parseRateText(t);
    if (r === undefined) return new CodecError(`"${t}" is not a rate like 10/second or 20kb/s`);
    if (r.count === 0n) return new CodecError("a rate must be greater than zero");
    const period = (hashlimitScale * rateUnitSeconds[r.per]) / r.count;
    if (period === 0n) return new CodecError(`rate ${t} is too fast: at most 1000000/second`);
    return { kind: "packets", ...savedRate(period, hashlimitScale) };
  },
  print: (r) => [r.kind === "packets" ? printRate(r) : `${r.count}${r.scale}/s`],
};

/** A burst as `--hashlimit-burst` takes it: a count with an optional byte suffix, as written (`1m` as `1mb`). */
export interface HashlimitBurst {
  readonly count: number;
  /** `""` for a bare number: packets, or bytes when the rate is in bytes. */
  readonly scale: "" | HashlimitByteScale;
}

/** The amount a burst stands for: packets, or bytes with a suffix (and bytes when the rate is in bytes). */
export function hashlimitBurstAmount(b: HashlimitBurst): bigint {
  return BigInt(b.count) * (byteScales.find(([s]) => s === b.scale)?.[1] ?? 1n);
}

/**
 * `--hashlimit-burst N[b|kb|mb]` (`k` and `m` alone mean `kb` and `mb`). Kept as written: iptables-save
 * prints a packet burst as a number and a byte burst with a suffix it rounds from the rate, so both read
 * back as they were printed.
 */
export const hashlimitBurst: Codec<HashlimitBurst> = {
  domain: { type: "custom", name: "hashlimitBurst" },
  arity: 1,
  expected: "a burst size N, or bytes as Nb, Nkb or Nmb",
  parse: ([t = ""]) => {
    const m = /^(\d+)(?:(k|m)b?|(b))?$/.exec(t);
    if (m === null) return new CodecError(`"${t}" is not a burst size like 5 or 1mb`);
    const count = Number(m[1]);
    const scale = m[2] === "k" ? "kb" : m[2] === "m" ? "mb" : m[3] === "b" ? "b" : "";
    if (count === 0) return new CodecError("a burst must be at least 1");
    return count <= 0xffffffff ? { count, scale } : new CodecError(`burst ${t} is too large`);
  },
  print: (b) => [`${b.count}${b.scale}`],
};

/** What hashlimit groups packets by, in the order iptables-save prints them. */
export const hashlimitModeNames = ["srcip", "srcport", "dstip", "dstport"] as const;
/** One `--hashlimit-mode` keyword. */
export type HashlimitModeName = (typeof hashlimitModeNames)[number];

const hashlimitModeSet = keywordSet(hashlimitModeNames, "hashlimit mode", "hashlimitModes", "exact-case");

/** `--hashlimit-mode LIST`, separated by `,` (or `|`, which libxt_hashlimit also splits on). */
export const hashlimitModes: Codec<readonly HashlimitModeName[]> = {
  ...hashlimitModeSet,
  parse: ([t = ""], cx) => hashlimitModeSet.parse([t.replaceAll("|", ",")], cx),
};

/**
 * `-m hashlimit`: a token bucket per group of packets (per source address, per destination port...).
 * `! --hashlimit-upto` means `--hashlimit-above`, which is how iptables-save prints it; the AST keeps the
 * option as written. iptables-save also prints `--hashlimit-burst 5` when no burst was given.
 */
export const hashlimitSchema = moduleSchema({
  name: "hashlimit",
  options: {
    upto: option(["--hashlimit-upto", "--hashlimit"], hashlimitRate, "negatable"),
    above: option(["--hashlimit-above"], hashlimitRate, "negatable"),
    burst: option(["--hashlimit-burst"], hashlimitBurst),
    mode: option(["--hashlimit-mode"], hashlimitModes),
    name: option(["--hashlimit-name"], name(254, "hashlimit name")),
    htableSize: option(["--hashlimit-htable-size"], unsigned(0, 0xffffffff)),
    htableMax: option(["--hashlimit-htable-max"], unsigned(0, 0xffffffff)),
    htableGcinterval: option(["--hashlimit-htable-gcinterval"], unsigned(0, 0xffffffff)),
    htableExpire: option(["--hashlimit-htable-expire"], unsigned(0, 0xffffffff)),
    srcmask: option(["--hashlimit-srcmask"], prefixLength),
    dstmask: option(["--hashlimit-dstmask"], prefixLength),
    rateMatch: option(["--hashlimit-rate-match"], flag),
    rateInterval: option(["--hashlimit-rate-interval"], unsigned(1, 0x7fffffff)),
  },
  check: (n) => {
    const issues = [...exactlyOne(n, ["upto", "above"], "--hashlimit-upto or --hashlimit-above")];
    if (n.name === undefined) issues.push({ message: "--hashlimit-name is required" });
    const rate = (n.upto ?? n.above)?.value;
    if (n.burst !== undefined && rate !== undefined) {
      const amount = hashlimitBurstAmount(n.burst.value);
      if (rate.kind === "packets" && amount > 1000000n) issues.push({ option: "burst", message: "a burst of packets must be at most 1000000" });
      if (rate.kind === "bytes") {
        const least = costToBytes(bytesToCost(hashlimitBytesPerSecond(rate)));
        if (amount < least) issues.push({ option: "burst", message: `a burst of bytes must be at least the rate (${least}b)` });
      }
    }
    return issues;
  },
});
/** A `-m hashlimit` match. */
export type HashlimitMatch = NodeOf<typeof hashlimitSchema>;

/** `-m quota --quota BYTES`: matches until BYTES have passed (with `!`, only after). */
export const quotaSchema = moduleSchema({
  name: "quota",
  options: {
    quota: option(["--quota"], unsigned64, "negatable"),
  },
  check: (n) => (n.quota === undefined ? [{ message: "--quota is required" }] : []),
});
/** A `-m quota` match. */
export type QuotaMatch = NodeOf<typeof quotaSchema>;

/**
 * `-m recent`: a list of recently seen addresses. One command (`--set`, `--rcheck`, `--update`,
 * `--remove`) carries the rule's `!`. iptables-save always adds `--name DEFAULT`, the full `--mask` and
 * `--rsource` when they were not given; the AST keeps what was written.
 */
export const recentSchema = moduleSchema({
  name: "recent",
  options: {
    set: option(["--set"], flag, "negatable"),
    rcheck: option(["--rcheck"], flag, "negatable"),
    update: option(["--update"], flag, "negatable"),
    remove: option(["--remove"], flag, "negatable"),
    seconds: option(["--seconds"], unsigned(1, 0xffffffff)),
    reap: option(["--reap"], flag),
    hitcount: option(["--hitcount"], unsigned(0, 0xffffffff)),
    rttl: option(["--rttl"], flag),
    name: option(["--name"], name(199, "recent list name")),
    mask: option(["--mask"], hostAddress),
    rsource: option(["--rsource"], flag),
    rdest: option(["--rdest"], flag),
  },
  check: (n) => {
    const issues = [...exactlyOne(n, ["set", "rcheck", "update", "remove"], "one of --set, --rcheck, --update or --remove"), ...atMostOne(n, ["rsource", "rdest"])];
    if (n.reap !== undefined && n.seconds === undefined) issues.push({ message: "--reap needs --seconds" });
    // The man page and the kernel (xt_recent refuses them with EINVAL) allow these only when checking.
    if (n.set !== undefined || n.remove !== undefined) {
      const command = n.set !== undefined ? "--set" : "--remove";
      for (const [key, spelling] of [["seconds", "--seconds"], ["hitcount", "--hitcount"], ["rttl", "--rttl"]] as const) {
        if (n[key] !== undefined) issues.push({ option: key, message: `${spelling} needs --rcheck or --update, not ${command}` });
      }
    }
    return issues;
  },
});
/** A `-m recent` match. */
export type RecentMatch = NodeOf<typeof recentSchema>;
