/**
 * Matches against ipset sets: set.
 * @module
 */
import { flag, name, pair, unsigned64 } from "../codecs.js";
import { type Codec, CodecError, type NodeOf, type SchemaIssue, atMostOne, moduleSchema, option } from "../schema.js";

/** Which address or port of the packet fills one dimension of a set element. */
export const setFlagNames = ["src", "dst"] as const;
/** One `src` or `dst` of `--match-set NAME src,dst`. */
export type SetFlag = (typeof setFlagNames)[number];

/** IPSET_DIM_MAX: a set element has at most six dimensions. */
const maxSetDimensions = 6;

/**
 * The flags of `--match-set`: one `src` or `dst` per dimension of the set's elements, in dimension order,
 * so repeats are meaningful (`dst,dst` for hash:ip,port). Lower case only, as libxt_set compares them.
 */
export const setFlags: Codec<readonly SetFlag[]> = {
  domain: { type: "list", item: { type: "keyword", words: setFlagNames }, maxItems: maxSetDimensions },
  arity: 1,
  expected: "a comma-separated list of src and dst, one per dimension of the set",
  parse: ([t = ""]) => {
    const parts = t.split(",");
    if (parts.length > maxSetDimensions) return new CodecError(`a set has at most ${maxSetDimensions} dimensions, so at most ${maxSetDimensions} flags, got ${parts.length}`);
    const out: SetFlag[] = [];
    for (const p of parts) {
      if (p !== "src" && p !== "dst") return new CodecError(`"${p}" is not src or dst`);
      out.push(p);
    }
    return out;
  },
  print: (fs) => [fs.join(",")],
};

/** IPSET_MAXNAMELEN is 32 with the NUL. */
const maxSetNameBytes = 31;

/**
 * `-m set --match-set NAME FLAGS`: the packet's addresses and ports, picked by FLAGS, form an element of
 * the ipset NAME. The counter options compare the element's own packet and byte counters (sets created
 * with `counters`); `! --update-counters` leaves those counters alone.
 */
export const setSchema = moduleSchema({
  name: "set",
  options: {
    matchSet: option(["--match-set", "--set"], pair(name(maxSetNameBytes, "set name"), setFlags, "SETNAME FLAGS, as in --match-set myset src,dst"), "negatable"),
    returnNomatch: option(["--return-nomatch"], flag),
    updateCounters: option(["--update-counters"], flag, "negatable"),
    updateSubcounters: option(["--update-subcounters"], flag, "negatable"),
    packetsEq: option(["--packets-eq"], unsigned64, "negatable"),
    packetsLt: option(["--packets-lt"], unsigned64),
    packetsGt: option(["--packets-gt"], unsigned64),
    bytesEq: option(["--bytes-eq"], unsigned64, "negatable"),
    bytesLt: option(["--bytes-lt"], unsigned64),
    bytesGt: option(["--bytes-gt"], unsigned64),
  },
  check: (n) => {
    const issues: SchemaIssue[] = n.matchSet === undefined ? [{ message: "--match-set is required" }] : [];
    return [...issues, ...atMostOne(n, ["packetsEq", "packetsLt", "packetsGt"]), ...atMostOne(n, ["bytesEq", "bytesLt", "bytesGt"])];
  },
});
/** A `-m set` match. */
export type SetMatch = NodeOf<typeof setSchema>;
