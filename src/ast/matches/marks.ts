/**
 * Matches on the packet mark and the connection mark: mark, connmark.
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

/** `-m connmark --mark VALUE[/MASK]`: matches when `(ctmark & MASK) == VALUE`; saved as `0xa/0xa`, or `0x2` for a full mask. */
export const connmarkSchema = moduleSchema({
  name: "connmark",
  options: {
    mark: option(["--mark"], markMask, "negatable"),
  },
  check: (n) => (n.mark === undefined ? [{ message: "--mark is required" }] : []),
});
/** A `-m connmark` match. */
export type ConnmarkMatch = NodeOf<typeof connmarkSchema>;
