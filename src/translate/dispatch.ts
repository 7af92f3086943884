/**
 * The tables that pick a translator for each match and target kind. Each family file exports its part;
 * the spread below must cover every kind, or this file does not compile.
 * @module
 */
import type { KnownMatch, KnownTarget } from "../ast/index.js";
import type { ByKind } from "./context.js";
import { protocolMatchTranslators } from "./protocols.js";
import { packetMatchTranslators } from "./packet.js";
import { addressMatchTranslators } from "./addresses.js";
import { conntrackMatchTranslators } from "./conntrack.js";
import { markMatchTranslators, markTargetTranslators } from "./marks.js";
import { metaMatchTranslators } from "./meta.js";
import { rateMatchTranslators } from "./rates.js";
import { flowTargetTranslators } from "./flow.js";
import { logTargetTranslators } from "./log.js";
import { natTargetTranslators } from "./nat.js";
import { packetTargetTranslators } from "./packet-targets.js";
import { verdictTargetTranslators } from "./verdicts.js";
import { setMatchTranslators, setTargetTranslators } from "./sets.js";

/** One translator per known match module. */
export const matchTranslators: ByKind<KnownMatch> = {
  ...protocolMatchTranslators,
  ...packetMatchTranslators,
  ...addressMatchTranslators,
  ...markMatchTranslators,
  ...conntrackMatchTranslators,
  ...rateMatchTranslators,
  ...metaMatchTranslators,
  ...setMatchTranslators,
};

/** One translator per known target extension. */
export const targetTranslators: ByKind<KnownTarget> = {
  ...natTargetTranslators,
  ...verdictTargetTranslators,
  ...logTargetTranslators,
  ...packetTargetTranslators,
  ...flowTargetTranslators,
  ...markTargetTranslators,
  ...setTargetTranslators,
};
