/**
 * The table of match modules the parser knows. Adding a schema here adds its node to {@link KnownMatch}.
 * @module
 */
import type { NodeOf } from "../schema.js";
import { conntrackSchema, stateSchema } from "./conntrack.js";
import { markSchema } from "./marks.js";
import { commentSchema } from "./meta.js";
import { tcpSchema, udpSchema } from "./protocols.js";
import { statisticSchema } from "./rates.js";

/** Every known match module schema, keyed by its `-m` name. */
export const matchSchemas = {
  comment: commentSchema,
  conntrack: conntrackSchema,
  mark: markSchema,
  state: stateSchema,
  statistic: statisticSchema,
  tcp: tcpSchema,
  udp: udpSchema,
} as const;

/** A match module the parser knows, with typed options. */
export type KnownMatch = NodeOf<(typeof matchSchemas)[keyof typeof matchSchemas]>;
