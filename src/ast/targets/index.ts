/**
 * The table of target extensions the parser knows. Adding a schema here adds its node to {@link KnownTarget}.
 * @module
 */
import type { NodeOf } from "../schema.js";
import { CONNMARKSchema, MARKSchema } from "./marks.js";
import { DNATSchema, MASQUERADESchema, SNATSchema } from "./nat.js";

/** Every known target extension schema, keyed by its `-j` name. */
export const targetSchemas = {
  CONNMARK: CONNMARKSchema,
  DNAT: DNATSchema,
  MARK: MARKSchema,
  MASQUERADE: MASQUERADESchema,
  SNAT: SNATSchema,
} as const;

/** A target extension the parser knows, with typed options. */
export type KnownTarget = NodeOf<(typeof targetSchemas)[keyof typeof targetSchemas]>;
