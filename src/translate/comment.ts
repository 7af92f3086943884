/**
 * Rule comments: `-m comment` texts become the nft rule comment. nft keeps at most 128 bytes and has no
 * escapes, so a longer comment is shortened and its full text kept in a `#` line above the rule.
 * @module
 */
import type { Rule } from "../ast/index.js";

/** The most bytes nft accepts in a rule comment. */
export const maxCommentBytes = 128;

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, max: number): string {
  if (Buffer.byteLength(s) <= max) return s;
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > max) break;
    out += ch;
    bytes += b;
  }
  return out;
}

const noLines: readonly string[] = [];
const noComment = { comment: undefined, leadingComments: noLines } as const;
/** Printable ASCII without a double quote: an nft string as it is, one byte per character. */
const plainComment = /^[ !#-~]*$/;

/** The nft comment of a rule, and `#` lines to print above it when the comment had to change. */
export function ruleComment(rule: Rule): { readonly comment: string | undefined; readonly leadingComments: readonly string[] } {
  const texts: string[] = [];
  for (const m of rule.matches) if (m.kind === "comment" && m.comment !== undefined) texts.push(m.comment.value);
  if (texts.length === 0) return noComment;
  const full = texts.length === 1 ? (texts[0] as string) : texts.join("; ");
  // Most comments (every kube-proxy and Docker one) are short printable ASCII: nothing to rewrite.
  if (full.length <= maxCommentBytes && plainComment.test(full)) return { comment: full, leadingComments: noLines };
  // nft strings cannot hold double quotes or line breaks.
  const quotable = full.replace(/"/g, "'").replace(/[\r\n]+/g, " ");
  const comment = truncateUtf8(quotable, maxCommentBytes);
  if (comment === full) return { comment, leadingComments: [] };
  const why = comment !== quotable ? `comment shortened to ${maxCommentBytes} bytes (nft's limit)` : "comment rewritten: nft strings cannot contain double quotes or line breaks";
  return { comment, leadingComments: [`${why}; full text: ${full.replace(/[\r\n]+/g, " ")}`] };
}
