/**
 * Connection tracking matches: conntrack, state.
 * @module
 */
import { addressMatch, keyword, keywordList, unsignedRange, portRange } from "../codecs.js";
import { protocolCodec } from "../protocol.js";
import { type NodeOf, moduleSchema, option } from "../schema.js";

/** Connection states as `--ctstate` and `--state` take them. */
export const ctStateNames = ["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED", "SNAT", "DNAT"] as const;
/** One connection state keyword. */
export type CtStateName = (typeof ctStateNames)[number];

/** Connection status bits as `--ctstatus` takes them. */
export const ctStatusNames = ["NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"] as const;
/** One connection status keyword. */
export type CtStatusName = (typeof ctStatusNames)[number];

/** `-m conntrack`. */
export const conntrackSchema = moduleSchema({
  name: "conntrack",
  options: {
    ctstate: option(["--ctstate"], keywordList(ctStateNames, "connection state"), "negatable"),
    ctproto: option(["--ctproto"], protocolCodec, "negatable"),
    ctorigsrc: option(["--ctorigsrc"], addressMatch, "negatable"),
    ctorigdst: option(["--ctorigdst"], addressMatch, "negatable"),
    ctreplsrc: option(["--ctreplsrc"], addressMatch, "negatable"),
    ctrepldst: option(["--ctrepldst"], addressMatch, "negatable"),
    ctorigsrcport: option(["--ctorigsrcport"], portRange, "negatable"),
    ctorigdstport: option(["--ctorigdstport"], portRange, "negatable"),
    ctreplsrcport: option(["--ctreplsrcport"], portRange, "negatable"),
    ctrepldstport: option(["--ctrepldstport"], portRange, "negatable"),
    ctstatus: option(["--ctstatus"], keywordList(ctStatusNames, "connection status"), "negatable"),
    ctexpire: option(["--ctexpire"], unsignedRange(0, 0xffffffff, "seconds"), "negatable"),
    ctdir: option(["--ctdir"], keyword(["ORIGINAL", "REPLY"] as const, "direction")),
  },
});
/** A `-m conntrack` match. */
export type ConntrackMatch = NodeOf<typeof conntrackSchema>;

/** `-m state --state LIST` (the older spelling of `conntrack --ctstate`). */
export const stateSchema = moduleSchema({
  name: "state",
  options: {
    state: option(["--state"], keywordList(["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED"] as const, "connection state"), "negatable"),
  },
  check: (n) => (n.state === undefined ? [{ message: "--state is required" }] : []),
});
/** A `-m state` match. */
export type StateMatch = NodeOf<typeof stateSchema>;

