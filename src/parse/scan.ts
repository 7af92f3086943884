/**
 * A fast path for the grammar's `Ruleset` rule. The peggy parser reads a file one character at a time and
 * allocates for each, which caps it at a few MB/s; a kube-proxy node's dump is megabytes. This scanner
 * walks each line with `indexOf` and `charCodeAt` and calls the same builders the grammar's actions call,
 * so for the inputs it accepts it returns exactly what the grammar returns.
 *
 * The grammar stays the definition of the syntax. The scanner accepts only the common shapes of each line
 * and declines (returns `undefined`) on anything else, valid or not: a lone `\r`, an unterminated quote,
 * a malformed `:CHAIN` line, counters not followed by a word. The caller then runs the grammar, which
 * parses the unusual line or reports the syntax error with what it expected. test/parse/scan.test.ts
 * checks that the two agree on every input the scanner accepts.
 * @module
 */
import type { Counters } from "../ast/index.js";
import { type CommandRaw, grammarBuilder, type RawLine, type RawRuleset, type TextRange, type Word } from "./build.js";
import type { LineSource } from "./ruleset.js";

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const BANG = 33;
const QUOTE = 34;
const HASH = 35;
const STAR = 42;
const DASH = 45;
const COLON = 58;
const LBRACKET = 91;
const BACKSLASH = 92;
const RBRACKET = 93;

/** The scanner met something only the grammar may judge. */
const decline = Symbol("decline");

const isWS = (c: number): boolean => c === SPACE || c === TAB;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Index of the first non-blank at or after `i`, or `end`. */
function skipWS(text: string, i: number, end: number): number {
  while (i < end && isWS(text.charCodeAt(i))) i++;
  return i;
}

/** Index of the first blank at or after `i`, or `end` (the end of a `[^ \t\r\n]+` run on a line). */
function skipWord(text: string, i: number, end: number): number {
  while (i < end && !isWS(text.charCodeAt(i))) i++;
  return i;
}

/** Whether `text[start, end)` is an option word: `-` or `--`, a letter, then letters, digits, `_`, `-`. */
function isOptionWord(text: string, start: number, end: number): boolean {
  let i = start + 1;
  if (i < end && text.charCodeAt(i) === DASH) i++;
  if (i >= end || !isLetter(text.charCodeAt(i))) return false;
  for (i++; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!(isLetter(c) || isDigit(c) || c === 95 || c === DASH)) return false;
  }
  return true;
}

/** `[PACKETS:BYTES]` at `i`, as the grammar's `Counters` rule builds it, or undefined. */
function scanCounters(text: string, i: number, end: number): (Counters & TextRange) | undefined {
  let j = i + 1;
  const packetsStart = j;
  while (j < end && isDigit(text.charCodeAt(j))) j++;
  if (j === packetsStart || text.charCodeAt(j) !== COLON) return undefined;
  const packetsEnd = j++;
  const bytesStart = j;
  while (j < end && isDigit(text.charCodeAt(j))) j++;
  if (j === bytesStart || j >= end || text.charCodeAt(j) !== RBRACKET) return undefined;
  return grammarBuilder.counters({ start: i, end: j + 1 }, text.slice(packetsStart, packetsEnd), text.slice(bytesStart, j));
}

/** `:CHAIN POLICY [p:b]` starting at the colon. */
function scanChainDeclaration(text: string, i: number, end: number): RawLine | typeof decline {
  const nameEnd = skipWord(text, i + 1, end);
  const policyStart = skipWS(text, nameEnd, end);
  if (nameEnd === i + 1 || policyStart === nameEnd || policyStart === end) return decline;
  const policyEnd = skipWord(text, policyStart, end);
  const countersStart = skipWS(text, policyEnd, end);
  const name = text.slice(i + 1, nameEnd);
  const policy = text.slice(policyStart, policyEnd);
  if (countersStart === end) return grammarBuilder.chainDeclaration({ start: i, end: policyEnd }, name, policy, null);
  const counters = text.charCodeAt(countersStart) === LBRACKET ? scanCounters(text, countersStart, end) : undefined;
  if (counters === undefined || skipWS(text, counters.end, end) !== end) return decline;
  return grammarBuilder.chainDeclaration({ start: i, end: counters.end }, name, policy, counters);
}

/** A command line (`[p:b] -A CHAIN ...`) starting at its first non-blank. */
function scanCommandLine(text: string, i: number, end: number): CommandRaw | typeof decline {
  let counters: (Counters & TextRange) | null = null;
  let k = i;
  if (text.charCodeAt(i) === LBRACKET) {
    // Counters count only when a blank and a word follow; other `[...` words are for the grammar.
    const c = scanCounters(text, i, end);
    if (c === undefined || c.end >= end || !isWS(text.charCodeAt(c.end))) return decline;
    k = skipWS(text, c.end, end);
    if (k === end) return decline;
    counters = c;
  }
  const words: Word[] = [];
  let lastEnd = k;
  while (k < end) {
    const c = text.charCodeAt(k);
    if (c === QUOTE) {
      let value = "";
      let chunk = k + 1;
      let p = k + 1;
      while (p < end) {
        const q = text.charCodeAt(p);
        if (q === QUOTE) break;
        if (q === BACKSLASH) {
          if (p + 1 >= end) return decline;
          value += text.slice(chunk, p) + text.charAt(p + 1);
          p += 2;
          chunk = p;
          continue;
        }
        p++;
      }
      if (p >= end) return decline;
      value += text.slice(chunk, p);
      lastEnd = p + 1;
      if (lastEnd < end && !isWS(text.charCodeAt(lastEnd))) return decline;
      words.push(grammarBuilder.quoted({ start: k, end: lastEnd }, value));
    } else {
      lastEnd = skipWord(text, k + 1, end);
      const range = { start: k, end: lastEnd };
      if (c === BANG && lastEnd === k + 1) words.push(grammarBuilder.bang(range));
      else if (c === DASH && isOptionWord(text, k, lastEnd)) words.push(grammarBuilder.option(range, text.slice(k, lastEnd)));
      else words.push(grammarBuilder.bare(range, text.slice(k, lastEnd)));
    }
    k = skipWS(text, lastEnd, end);
  }
  return grammarBuilder.commandLineInFile({ start: i, end: lastEnd }, counters, words);
}

/** One line, `start` to `end` (without its line break). */
function scanLine(text: string, start: number, end: number): RawLine | typeof decline {
  const i = skipWS(text, start, end);
  if (i === end) return null;
  const c = text.charCodeAt(i);
  if (c === HASH) return grammarBuilder.comment({ start: i, end }, text.slice(i + 1, end));
  if (c === STAR) {
    const nameEnd = skipWord(text, i + 1, end);
    if (nameEnd === i + 1 || skipWS(text, nameEnd, end) !== end) return decline;
    return grammarBuilder.tableHeader({ start: i, end: nameEnd }, text.slice(i + 1, nameEnd));
  }
  if (c === COLON) return scanChainDeclaration(text, i, end);
  if (text.startsWith("COMMIT", i) && skipWS(text, i + 6, end) === end) return grammarBuilder.commit({ start: i, end: i + 6 });
  return scanCommandLine(text, i, end);
}

/**
 * The lines of a file, scanned one at a time as they are iterated, the way the grammar's `Ruleset` rule
 * parses them. When a line is not one of the shapes the scanner knows, iteration stops early and
 * {@link ScannedLines.declined} is set: whatever was built from the lines so far must be thrown away and
 * the grammar must parse the text.
 */
export class ScannedLines implements LineSource {
  readonly start = 0;
  readonly end: number;
  readonly hasTableHeader: boolean;
  /** Set when iteration met a line the scanner does not accept. */
  declined = false;

  constructor(private readonly text: string) {
    this.end = text.length;
    // The scanner reads a line starting with `*` as a table header or declines it, so for a scan that
    // completes, a line whose first non-blank is `*` is exactly a `*table` line.
    this.hasTableHeader = /^[ \t]*\*/m.test(text);
  }

  /** The scanner is its own line iterable. */
  get lines(): Iterable<RawLine> {
    return this;
  }

  *[Symbol.iterator](): Iterator<RawLine> {
    const text = this.text;
    let start = 0;
    for (;;) {
      const lf = text.indexOf("\n", start);
      const end = lf === -1 ? text.length : lf > start && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
      const line = scanLine(text, start, end);
      if (line === decline) {
        this.declined = true;
        return;
      }
      yield line;
      if (lf === -1) return;
      start = lf + 1;
    }
  }
}

/**
 * Starts scanning a file. Returns undefined when the text has a `\r` that is not part of a `\r\n` (the
 * grammar rejects those, and explains why).
 */
export function scanLines(text: string): ScannedLines | undefined {
  for (let r = text.indexOf("\r"); r !== -1; r = text.indexOf("\r", r + 1)) if (text.charCodeAt(r + 1) !== LF) return undefined;
  return new ScannedLines(text);
}

/** Scans a whole file into the grammar's `Ruleset` result, or undefined when the grammar must parse it. */
export function scanRuleset(text: string): RawRuleset | undefined {
  const scanned = scanLines(text);
  if (scanned === undefined) return undefined;
  const lines = [...scanned];
  return scanned.declined ? undefined : grammarBuilder.ruleset({ start: 0, end: text.length }, lines);
}
