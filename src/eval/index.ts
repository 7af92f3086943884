/**
 * The evaluators and the equivalence check, as the rest of the library and the CLI see them.
 * @module
 */
export type { Clock, Conntrack, CtState, CtStatus, CtTuple, Hook, HostInterface, HostModel, HostRoute, Packet, PacketFamily, PacketPath, Rational, RoutingHeader, Socket } from "./packet.js";
export type { Effect, EvalEnvironment, EvalResult, EvalState, LimitBucket, Outcome, RecentEntry, RejectWith, RuleCounter, SetOverlayEntry, TraceStep, Unsupported, Verdict, WeightedOutcome } from "./common.js";
export { emptyState } from "./common.js";
export type { IptablesEvalOptions, IptablesProgram } from "./iptables.js";
export { evaluateIptables, prepareIptables } from "./iptables.js";
export type { NftEvalOptions } from "./nft.js";
export { NftProgram, evaluateNft, prepareNft } from "./nft.js";
export type { EquivalenceOptions, EquivalenceResult, PacketGenerationOptions, PacketSequence, SequencePosition, SideResult, TimedPacket, UnsupportedPacket } from "./equivalence.js";
export { checkEquivalence, defaultEquivalenceHost, describeCounterexample, generatePackets } from "./equivalence.js";
