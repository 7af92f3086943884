/**
 * Builders the ipset-save grammar's actions call. Each takes the offsets the grammar matched and returns a
 * plain record; what the words mean for a given set type is decided later, in ipset.ts.
 * @module
 */
import type { TextRange } from "./build.js";

/** A quoted or bare run of characters inside one word. */
export interface IpsetChunk extends TextRange {
  readonly text: string;
  readonly quoted: boolean;
}

/** One whitespace-separated word after the element or set type, with its quotes removed. */
export interface IpsetWordRaw extends TextRange {
  readonly text: string;
  /** True when any part of the word was quoted. ipset itself ignores this: `"nomatch"` is still the flag. */
  readonly quoted: boolean;
}

/** A set name where a line names its set. */
export interface IpsetNameRaw extends TextRange {
  readonly text: string;
}

/** The `method:dim,dim` type word of a `create` line, split but not yet checked. */
export interface IpsetTypeRaw extends TextRange {
  readonly method: string;
  readonly dims: readonly string[];
}

/** One comma-separated part of an element (`10.0.0.0/8`, `udp:53`, `physdev:eth0`). */
export interface IpsetElementPartRaw extends TextRange {
  readonly text: string;
}

/** The element of an `add` line, as its comma-separated parts. */
export interface IpsetElementRaw extends TextRange {
  readonly parts: readonly IpsetElementPartRaw[];
}

/** A `create NAME TYPE OPTIONS...` line. */
export interface IpsetCreateRaw extends TextRange {
  readonly t: "create";
  readonly name: IpsetNameRaw;
  readonly type: IpsetTypeRaw;
  readonly words: readonly IpsetWordRaw[];
}

/** An `add NAME ELEMENT OPTIONS...` line. */
export interface IpsetAddRaw extends TextRange {
  readonly t: "add";
  readonly name: IpsetNameRaw;
  readonly element: IpsetElementRaw;
  readonly words: readonly IpsetWordRaw[];
}

/** A `#` line. */
export interface IpsetCommentRaw extends TextRange {
  readonly t: "comment";
  readonly text: string;
}

/** One line of an ipset save file; `null` for an empty line. */
export type IpsetLineRaw = IpsetCreateRaw | IpsetAddRaw | IpsetCommentRaw | null;

/** The whole file as the grammar sees it. */
export interface IpsetSaveRaw extends TextRange {
  readonly t: "ipset-save";
  readonly lines: readonly IpsetLineRaw[];
}

/** The builder object the generated ipset-save parser receives as `options.build`. */
export const ipsetGrammarBuilder = {
  save: (r: TextRange, lines: IpsetLineRaw[]): IpsetSaveRaw => ({ t: "ipset-save", start: r.start, end: r.end, lines }),
  comment: (r: TextRange, text: string): IpsetCommentRaw => ({ t: "comment", start: r.start, end: r.end, text }),
  create: (r: TextRange, name: IpsetNameRaw, type: IpsetTypeRaw, words: IpsetWordRaw[]): IpsetCreateRaw => ({
    t: "create",
    start: r.start,
    end: r.end,
    name,
    type,
    words,
  }),
  add: (r: TextRange, name: IpsetNameRaw, element: IpsetElementRaw, words: IpsetWordRaw[]): IpsetAddRaw => ({
    t: "add",
    start: r.start,
    end: r.end,
    name,
    element,
    words,
  }),
  setName: (r: TextRange, text: string): IpsetNameRaw => ({ start: r.start, end: r.end, text }),
  setType: (r: TextRange, method: string, dims: string[]): IpsetTypeRaw => ({ start: r.start, end: r.end, method, dims }),
  element: (r: TextRange, parts: IpsetElementPartRaw[]): IpsetElementRaw => ({ start: r.start, end: r.end, parts }),
  elementPart: (r: TextRange, text: string): IpsetElementPartRaw => ({ start: r.start, end: r.end, text }),
  word: (r: TextRange, chunks: IpsetChunk[]): IpsetWordRaw => ({
    start: r.start,
    end: r.end,
    text: chunks.map((c) => c.text).join(""),
    quoted: chunks.some((c) => c.quoted),
  }),
  chunk: (r: TextRange, text: string, quoted: boolean): IpsetChunk => ({ start: r.start, end: r.end, text, quoted }),
};

/** The type of {@link ipsetGrammarBuilder}, as the grammar's actions see it. */
export type IpsetGrammarBuilder = typeof ipsetGrammarBuilder;
