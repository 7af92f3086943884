/**
 * Layer-4 protocol matches: tcp, udp (and their implicit loading by `-p`).
 * @module
 */
import { flag, keywordList, pair, portRange, unsigned } from "../codecs.js";
import { type NodeOf, moduleSchema, option } from "../schema.js";

/** TCP flag names as `--tcp-flags` takes them; ALL and NONE are shorthands expanded by the codec. */
export const tcpFlagNames = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "ALL", "NONE"] as const;
/** One TCP flag keyword. */
export type TcpFlagName = (typeof tcpFlagNames)[number];

const tcpFlagList = keywordList(tcpFlagNames, "TCP flag");

/** `-m tcp`: ports, flags, options. */
export const tcpSchema = moduleSchema({
  name: "tcp",
  options: {
    sport: option(["--sport", "--source-port"], portRange, "negatable"),
    dport: option(["--dport", "--destination-port"], portRange, "negatable"),
    tcpFlags: option(["--tcp-flags"], pair(tcpFlagList, tcpFlagList, "MASK COMP, two comma-separated lists of TCP flags"), "negatable"),
    syn: option(["--syn"], flag, "negatable"),
    tcpOption: option(["--tcp-option"], unsigned(0, 255), "negatable"),
  },
  check: (n) => (n.syn !== undefined && n.tcpFlags !== undefined ? [{ option: "syn", message: "--syn cannot be combined with --tcp-flags" }] : []),
});
/** A `-m tcp` match. */
export type TcpMatch = NodeOf<typeof tcpSchema>;

/** `-m udp`: ports. */
export const udpSchema = moduleSchema({
  name: "udp",
  options: {
    sport: option(["--sport", "--source-port"], portRange, "negatable"),
    dport: option(["--dport", "--destination-port"], portRange, "negatable"),
  },
});
/** A `-m udp` match. */
export type UdpMatch = NodeOf<typeof udpSchema>;
