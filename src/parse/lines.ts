/**
 * Offset to line/column conversion, computed once per input so spans are cheap to build.
 * @module
 */
import type { Position, Span } from "../diagnostic/index.js";

/** The start offsets of every line of a text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  /** The 1-based line and column of an offset. */
  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 };
  }

  /** The span between two offsets. */
  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }
}
