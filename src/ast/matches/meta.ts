/**
 * Matches on metadata that is not in the packet headers: comment.
 * @module
 */
import { text } from "../codecs.js";
import { type NodeOf, moduleSchema, option } from "../schema.js";

/** `-m comment --comment TEXT` (at most 255 bytes in the kernel). */
export const commentSchema = moduleSchema({
  name: "comment",
  options: {
    comment: option(["--comment"], text(255, "comment")),
  },
  check: (n) => (n.comment === undefined ? [{ message: "--comment is required" }] : []),
});
/** A `-m comment` match. */
export type CommentMatch = NodeOf<typeof commentSchema>;
