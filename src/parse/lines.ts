/**
 * Offset to line/column conversion, computed once per input so spans are cheap to build.
 * @module
 */
import type { Position, Span } from "../diagnostic/index.js";

/** The start offsets of every line of a text. */
export class LineIndex {
  private readonly starts: number[] = [0];
  /** The line of the last lookup: the parser asks about offsets in order, mostly on the same line. */
  private last = 0;
  /**
   * Positions made recently, by offset modulo the table size. Spans of a rule share ends (an option's
   * value ends where its module and often the rule end), and a Position is immutable, so one object serves
   * them all: a large ruleset's AST is mostly spans, and fewer objects make it cheaper to build and hold.
   */
  private readonly recent: (Position | undefined)[] = new Array<Position | undefined>(64).fill(undefined);

  constructor(text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  /** The 0-based line that holds `offset`. */
  private lineOf(offset: number): number {
    const starts = this.starts;
    const last = this.last;
    if ((starts[last] ?? 0) <= offset) {
      if (last + 1 >= starts.length || offset < (starts[last + 1] ?? 0)) return last;
      if (last + 2 >= starts.length || offset < (starts[last + 2] ?? 0)) return (this.last = last + 1);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return (this.last = lo);
  }

  /** The 1-based line and column of an offset. */
  position(offset: number): Position {
    const slot = offset & 63;
    const seen = this.recent[slot];
    if (seen?.offset === offset) return seen;
    const line = this.lineOf(offset);
    const made = { offset, line: line + 1, column: offset - (this.starts[line] ?? 0) + 1 };
    this.recent[slot] = made;
    return made;
  }

  /** The span between two offsets. */
  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }
}
