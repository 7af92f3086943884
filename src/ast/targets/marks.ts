/**
 * Targets that set the packet mark or the connection mark: MARK, CONNMARK, HMARK.
 * @module
 */
import { flag, markMask, markWithMask, parseUnsigned, unsigned } from "../codecs.js";
import { type Codec, CodecError, type NodeOf, type SchemaIssue, atMostOne, exactlyOne, moduleSchema, option } from "../schema.js";

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

/** An unsigned number printed as iptables-save prints HMARK's masks: `0x` and at least `digits` hex digits. */
function hexFixed(max: number, digits: number): Codec<number> {
  const plain = unsigned(0, max);
  return { ...plain, print: (v) => [`0x${v.toString(16).padStart(digits, "0")}`] };
}

/** What `--hmark-tuple` can name: packet fields (each sets its mask to all ones) and `ct` (hash the conntrack tuple). */
export type HmarkTupleField = "src" | "dst" | "sport" | "dport" | "spi" | "proto" | "ct";
const hmarkTupleFields: readonly HmarkTupleField[] = ["src", "dst", "sport", "dport", "spi", "proto", "ct"];
/** The order libxt_HMARK tries the names in, which decides what an abbreviation means (`s` is `src`). */
const hmarkTupleLookup: readonly HmarkTupleField[] = ["ct", "src", "dst", "sport", "dport", "proto", "spi"];

/**
 * `--hmark-tuple FIELD[,FIELD...]`: each field may be abbreviated to a prefix, any case. Stored once each,
 * in a fixed order (the order does not change the hash).
 */
export const hmarkTuple: Codec<readonly HmarkTupleField[]> = {
  domain: { type: "custom", name: "hmarkTuple" },
  arity: 1,
  expected: `a comma-separated list of ${hmarkTupleFields.join(", ")}`,
  parse: ([t = ""]) => {
    const given = new Set<HmarkTupleField>();
    for (const part of t.split(",")) {
      const p = part.toLowerCase();
      const field = p === "" ? undefined : hmarkTupleLookup.find((f) => f.startsWith(p));
      if (field === undefined) return new CodecError(`bad HMARK tuple field "${part}" (one of ${hmarkTupleFields.join(", ")})`);
      given.add(field);
    }
    return hmarkTupleFields.filter((f) => given.has(f));
  },
  print: (fs) => [fs.join(",")],
};

/** `--hmark-src-prefix`/`--hmark-dst-prefix LEN`: 0-32 for IPv4, 0-128 for IPv6. */
export const hmarkPrefixLength: Codec<number> = {
  domain: { type: "uint", min: 0, max: 32 },
  arity: 1,
  expected: "a prefix length (0-32 for IPv4, 0-128 for IPv6)",
  parse: ([t = ""], cx) => {
    const max = cx.family === "ipv6" ? 128 : 32;
    const v = parseUnsigned(t);
    if (v === undefined || v > max) return new CodecError(`"${t}" is not a prefix length (0-${max})`);
    return v;
  },
  print: (v) => [String(v)],
};

/**
 * `-j HMARK`: set the packet mark to `hash(fields) % --hmark-mod + --hmark-offset`. The hashed fields come
 * from `--hmark-tuple` or from the prefix lengths and masks; `--hmark-sport`/`--hmark-dport`/`--hmark-spi`
 * OR a value into them. iptables-save prints a tuple as the masks it stands for (`src` as
 * `--hmark-src-prefix 32`); the tuple is kept here as written.
 */
export const HMARKSchema = moduleSchema({
  name: "HMARK",
  options: {
    hmarkSrcPrefix: option(["--hmark-src-prefix"], hmarkPrefixLength),
    hmarkDstPrefix: option(["--hmark-dst-prefix"], hmarkPrefixLength),
    hmarkSportMask: option(["--hmark-sport-mask"], hexFixed(0xffff, 4)),
    hmarkDportMask: option(["--hmark-dport-mask"], hexFixed(0xffff, 4)),
    hmarkSpiMask: option(["--hmark-spi-mask"], hexFixed(0xffffffff, 8)),
    hmarkSport: option(["--hmark-sport"], hexFixed(0xffff, 4)),
    hmarkDport: option(["--hmark-dport"], hexFixed(0xffff, 4)),
    hmarkSpi: option(["--hmark-spi"], hexFixed(0xffffffff, 8)),
    hmarkProtoMask: option(["--hmark-proto-mask"], hexFixed(0xffff, 2)),
    hmarkRnd: option(["--hmark-rnd"], hexFixed(0xffffffff, 8)),
    hmarkMod: option(["--hmark-mod"], unsigned(1, 0xffffffff)),
    hmarkOffset: option(["--hmark-offset"], unsigned(0, 0xffffffff)),
    hmarkTuple: option(["--hmark-tuple"], hmarkTuple),
  },
  check: (n) => {
    const issues: SchemaIssue[] = [];
    if (n.hmarkMod === undefined) issues.push({ message: "--hmark-mod is required" });
    if (n.hmarkRnd === undefined) issues.push({ message: "--hmark-rnd is required" });
    const tuple = n.hmarkTuple?.value ?? [];
    // A tuple field sets the same mask its option does, and iptables takes each only once.
    const sameMask = ([["src", "hmarkSrcPrefix"], ["dst", "hmarkDstPrefix"], ["sport", "hmarkSportMask"], ["dport", "hmarkDportMask"], ["spi", "hmarkSpiMask"], ["proto", "hmarkProtoMask"]] as const).find(([f, k]) => tuple.includes(f) && n[k] !== undefined);
    if (sameMask !== undefined) issues.push({ option: sameMask[1], message: `--hmark-tuple ${sameMask[0]} already sets this mask` });
    const spi = n.hmarkSpiMask !== undefined || tuple.includes("spi");
    const ports = n.hmarkSportMask !== undefined || n.hmarkDportMask !== undefined || tuple.includes("sport") || tuple.includes("dport");
    if (spi && ports) issues.push({ option: n.hmarkSpiMask === undefined ? "hmarkTuple" : "hmarkSpiMask", message: "the SPI mask and the port masks cannot be combined" });
    const selectors = ["hmarkTuple", "hmarkSrcPrefix", "hmarkDstPrefix", "hmarkSportMask", "hmarkDportMask", "hmarkSpiMask", "hmarkSport", "hmarkDport", "hmarkSpi", "hmarkProtoMask"] as const;
    if (!selectors.some((k) => n[k] !== undefined)) issues.push({ message: "--hmark-tuple (or a prefix or mask) is required" });
    return issues;
  },
});
/** A `-j HMARK` target. */
export type HMARKTarget = NodeOf<typeof HMARKSchema>;
