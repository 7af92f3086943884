/**
 * Builders the grammar's actions call. Each takes the offsets the grammar matched and returns a plain
 * record; the meaning of the words is decided later, in rule.ts and ruleset.ts.
 * @module
 */
import type { Counters } from "../ast/index.js";

/** Offsets of a matched text, as peggy's `range()` gives them. */
export interface TextRange {
  readonly start: number;
  readonly end: number;
}

/** A `!` word. */
export interface BangWord extends TextRange {
  readonly t: "bang";
}

/** A word that starts with `-` and a letter: an option name. */
export interface OptionWord extends TextRange {
  readonly t: "option";
  readonly text: string;
}

/** Any other word: an argument, quoted or bare (quotes and escapes removed). */
export interface ValueWord extends TextRange {
  readonly t: "value";
  readonly text: string;
  readonly quoted: boolean;
}

/** One word of a command line. */
export type Word = BangWord | OptionWord | ValueWord;

/** A `#` line. */
export interface CommentRaw extends TextRange {
  readonly t: "comment";
  readonly text: string;
}

/** A `*table` line. */
export interface TableHeaderRaw extends TextRange {
  readonly t: "table";
  readonly name: string;
}

/** A `:CHAIN POLICY [p:b]` line. */
export interface ChainDeclarationRaw extends TextRange {
  readonly t: "chain";
  readonly name: string;
  readonly policy: string;
  readonly counters: (Counters & TextRange) | null;
}

/** A `COMMIT` line. */
export interface CommitRaw extends TextRange {
  readonly t: "commit";
}

/** A command line (`[p:b] -A CHAIN ...`, `-P`, `-N`, `-t nat -A ...`). */
export interface CommandRaw extends TextRange {
  readonly t: "command";
  readonly counters: (Counters & TextRange) | null;
  readonly words: readonly Word[];
}

/** One line of a ruleset file; `null` for an empty line. */
export type RawLine = CommentRaw | TableHeaderRaw | ChainDeclarationRaw | CommitRaw | CommandRaw | null;

/** The whole file as the grammar sees it. */
export interface RawRuleset extends TextRange {
  readonly t: "ruleset";
  readonly lines: readonly RawLine[];
}

/** The builder object the generated parser receives as `options.build`. */
export const grammarBuilder = {
  ruleset: (r: TextRange, lines: RawLine[]): RawRuleset => ({ t: "ruleset", start: r.start, end: r.end, lines }),
  commandLine: (r: TextRange, words: Word[]): CommandRaw => ({ t: "command", start: r.start, end: r.end, counters: null, words }),
  comment: (r: TextRange, text: string): CommentRaw => ({ t: "comment", start: r.start, end: r.end, text }),
  tableHeader: (r: TextRange, name: string): TableHeaderRaw => ({ t: "table", start: r.start, end: r.end, name }),
  chainDeclaration: (r: TextRange, name: string, policy: string, counters: (Counters & TextRange) | null): ChainDeclarationRaw => ({
    t: "chain",
    start: r.start,
    end: r.end,
    name,
    policy,
    counters,
  }),
  commit: (r: TextRange): CommitRaw => ({ t: "commit", start: r.start, end: r.end }),
  commandLineInFile: (r: TextRange, counters: (Counters & TextRange) | null, words: Word[]): CommandRaw => ({
    t: "command",
    start: r.start,
    end: r.end,
    counters,
    words,
  }),
  counters: (r: TextRange, packets: string, bytes: string): Counters & TextRange => ({
    start: r.start,
    end: r.end,
    packets: BigInt(packets),
    bytes: BigInt(bytes),
  }),
  bang: (r: TextRange): BangWord => ({ t: "bang", start: r.start, end: r.end }),
  option: (r: TextRange, text: string): OptionWord => ({ t: "option", start: r.start, end: r.end, text }),
  quoted: (r: TextRange, text: string): ValueWord => ({ t: "value", start: r.start, end: r.end, text, quoted: true }),
  bare: (r: TextRange, text: string): ValueWord => ({ t: "value", start: r.start, end: r.end, text, quoted: false }),
};

/** The type of {@link grammarBuilder}, as the grammar's actions see it. */
export type GrammarBuilder = typeof grammarBuilder;
