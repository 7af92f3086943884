/**
 * Matches on the packet mark and the connection mark.
 * @module
 */
import { markMask } from "../codecs.js";
import { type NodeOf, moduleSchema, option } from "../schema.js";

/** `-m mark --mark VALUE[/MASK]`: matches when `(mark & MASK) == VALUE`. */
export const markSchema = moduleSchema({
  name: "mark",
  options: {
    mark: option(["--mark"], markMask, "negatable"),
  },
  check: (n) => (n.mark === undefined ? [{ message: "--mark is required" }] : []),
});
/** A `-m mark` match. */
export type MarkMatch = NodeOf<typeof markSchema>;
