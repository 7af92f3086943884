/**
 * Arbitraries that damage real input: byte flips, deletions, duplications, token swaps and insertions of
 * things parsers trip on (quotes, `!`, huge numbers, odd Unicode, option names of known modules), applied
 * to corpus lines or to whole files (where lines are also deleted, duplicated, swapped and borrowed from
 * other files).
 *
 * A mutation is data (`{ op: "delete", at, length }`) so that fast-check can shrink a failing input to the
 * fewest, smallest edits; positions are taken modulo the text's length when applied.
 * @module
 */
import fc from "fast-check";
import { matchSchemas, targetSchemas } from "../../src/ast/index.js";
import type { ModuleSchema, OptionSpecs } from "../../src/ast/schema.js";
import { ruleSchema } from "../../src/ast/index.js";

/** One edit of a text. Positions and indexes are reduced modulo the text's size when applied. */
export type Mutation =
  | { readonly op: "flip-bit"; readonly at: number; readonly bit: number }
  | { readonly op: "delete"; readonly at: number; readonly length: number }
  | { readonly op: "duplicate"; readonly at: number; readonly length: number; readonly to: number }
  | { readonly op: "insert"; readonly at: number; readonly text: string }
  | { readonly op: "swap-tokens"; readonly first: number; readonly second: number }
  | { readonly op: "replace-token"; readonly index: number; readonly text: string }
  | { readonly op: "truncate"; readonly at: number };

/** One edit of a file's lines. */
export type LineMutation =
  | { readonly op: "delete-line"; readonly index: number }
  | { readonly op: "duplicate-line"; readonly index: number; readonly to: number }
  | { readonly op: "swap-lines"; readonly first: number; readonly second: number }
  | { readonly op: "insert-line"; readonly index: number; readonly line: string }
  | { readonly op: "mutate-line"; readonly index: number; readonly edits: readonly Mutation[] };

type AnySchema = ModuleSchema<string, OptionSpecs>;

/** Words that steer a damaged line into the typed option parsers: every known option and module. */
function knownWords(): string[] {
  const schemas = [...Object.values(matchSchemas), ...Object.values(targetSchemas)] as unknown as AnySchema[];
  const words = new Set<string>();
  for (const s of [...schemas, ruleSchema as unknown as AnySchema]) for (const spec of Object.values(s.options)) for (const n of spec.names) words.add(n);
  for (const s of Object.values(matchSchemas) as unknown as AnySchema[]) words.add(`-m ${s.name}`);
  for (const s of Object.values(targetSchemas) as unknown as AnySchema[]) words.add(`-j ${s.name}`);
  return [...words].sort();
}

/** Fragments worth inserting: syntax characters, huge and malformed numbers, odd Unicode, odd addresses. */
const nastyFragments: readonly string[] = [
  '"',
  '""',
  '"\\',
  "\\",
  "!",
  " ! ",
  "! !",
  "#",
  "*",
  ":",
  "[",
  "]",
  "[0:0]",
  "[99999999999999999999999:1]",
  "-",
  "--",
  " -m ",
  " -j ",
  " -g ",
  " -A ",
  " -t nat ",
  " -c 1 2 ",
  "\t",
  "\r",
  "\n",
  "\r\n",
  "COMMIT",
  "*filter\n",
  ":X - [0:0]",
  "99999999999999999999999999",
  "18446744073709551616",
  "4294967296",
  "0xffffffffffffffffffffffff",
  "0x",
  "-1",
  "1e309",
  "NaN",
  "0777777777777777777777",
  "65536",
  "1:0",
  ":",
  "/",
  "/129",
  "/255.0.255.0",
  "::",
  ":::",
  "[::1]:80",
  "[::1",
  "1.2.3.4/33",
  "256.1.1.1",
  "1.2.3.4-1.2.3.3",
  "1.2.3.4:0-65536",
  "::ffff:1.2.3.4",
  "é",
  "\u0000",
  "\u0007",
  "\u2028",
  "\u00a0",
  "\ufeff",
  "\ud800",
  "\udc00",
  "😀",
  "\u202e",
  "ｍ",
  "İ",
  "x".repeat(300),
  "9".repeat(400),
  ",".repeat(50),
  "!".repeat(20),
];

/** Something to insert: a nasty fragment, a known option or module word, or random text. */
export function arbInsertion(): fc.Arbitrary<string> {
  const known = knownWords();
  return fc.oneof(
    { arbitrary: fc.constantFrom(...nastyFragments), weight: 4 },
    { arbitrary: fc.constantFrom(...known).map((w) => ` ${w} `), weight: 3 },
    { arbitrary: fc.string({ unit: "binary", maxLength: 8 }), weight: 1 },
    { arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 8 }), weight: 1 },
  );
}

/** One edit of a text. */
export function arbMutation(): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  return fc.oneof(
    fc.record({ op: fc.constant("flip-bit" as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant("delete" as const), at, length: fc.integer({ min: 1, max: 12 }) }),
    fc.record({ op: fc.constant("duplicate" as const), at, length: fc.integer({ min: 1, max: 40 }), to: fc.nat() }),
    fc.record({ op: fc.constant("insert" as const), at, text: arbInsertion() }),
    fc.record({ op: fc.constant("insert" as const), at, text: arbInsertion() }),
    fc.record({ op: fc.constant("swap-tokens" as const), first: fc.nat(), second: fc.nat() }),
    fc.record({ op: fc.constant("replace-token" as const), index: fc.nat(), text: arbInsertion() }),
    fc.record({ op: fc.constant("truncate" as const), at }),
  );
}

function splice(text: string, at: number, remove: number, insert: string): string {
  return text.slice(0, at) + insert + text.slice(at + remove);
}

/** Splits into alternating tokens and whitespace runs (so joining gives the text back). */
function tokens(text: string): string[] {
  return text.split(/(\s+)/);
}

/** Applies one edit. */
export function applyMutation(text: string, m: Mutation): string {
  const pos = (n: number): number => (text.length === 0 ? 0 : n % (text.length + 1));
  switch (m.op) {
    case "flip-bit": {
      const bytes = Buffer.from(text, "utf8");
      if (bytes.length === 0) return text;
      const i = m.at % bytes.length;
      bytes[i] = (bytes[i] ?? 0) ^ (1 << m.bit);
      return bytes.toString("utf8");
    }
    case "delete":
      return splice(text, pos(m.at), m.length, "");
    case "duplicate": {
      const from = pos(m.at);
      return splice(text, pos(m.to), 0, text.slice(from, from + m.length));
    }
    case "insert":
      return splice(text, pos(m.at), 0, m.text);
    case "swap-tokens": {
      const ts = tokens(text);
      const words = ts.map((_t, i) => i).filter((i) => i % 2 === 0);
      if (words.length < 2) return text;
      const a = words[m.first % words.length] ?? 0;
      const b = words[m.second % words.length] ?? 0;
      const ta = ts[a] ?? "";
      ts[a] = ts[b] ?? "";
      ts[b] = ta;
      return ts.join("");
    }
    case "replace-token": {
      const ts = tokens(text);
      const i = 2 * (m.index % Math.ceil(ts.length / 2));
      ts[i] = m.text;
      return ts.join("");
    }
    case "truncate":
      return text.slice(0, pos(m.at));
    default:
      return assertNeverMutation(m);
  }
}

/** One edit of a file's lines. */
export function arbLineMutation(linePool: readonly string[]): fc.Arbitrary<LineMutation> {
  const index = fc.nat();
  return fc.oneof(
    fc.record({ op: fc.constant("delete-line" as const), index }),
    fc.record({ op: fc.constant("duplicate-line" as const), index, to: fc.nat() }),
    fc.record({ op: fc.constant("swap-lines" as const), first: fc.nat(), second: fc.nat() }),
    fc.record({ op: fc.constant("insert-line" as const), index, line: fc.constantFrom(...linePool) }),
    { arbitrary: fc.record({ op: fc.constant("mutate-line" as const), index, edits: fc.array(arbMutation(), { minLength: 1, maxLength: 3 }) }), weight: 4 },
  );
}

/** Applies one line edit to a file's text. */
export function applyLineMutation(text: string, m: LineMutation): string {
  const lines = text.split("\n");
  const at = (n: number): number => n % lines.length;
  switch (m.op) {
    case "delete-line":
      lines.splice(at(m.index), 1);
      break;
    case "duplicate-line":
      lines.splice(m.to % (lines.length + 1), 0, lines[at(m.index)] ?? "");
      break;
    case "swap-lines": {
      const a = at(m.first);
      const b = at(m.second);
      const la = lines[a] ?? "";
      lines[a] = lines[b] ?? "";
      lines[b] = la;
      break;
    }
    case "insert-line":
      lines.splice(m.index % (lines.length + 1), 0, m.line);
      break;
    case "mutate-line": {
      const i = at(m.index);
      lines[i] = m.edits.reduce(applyMutation, lines[i] ?? "");
      break;
    }
    default:
      return assertNeverLineMutation(m);
  }
  return lines.join("\n");
}

/** A corpus line with one to four edits. */
export function arbMutatedLine(lines: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...lines), fc.array(arbMutation(), { minLength: 1, maxLength: 4 })).map(([line, edits]) => edits.reduce(applyMutation, line));
}

/**
 * A save file rewritten as `iptables -S`-style commands (`-t nat -N CHAIN`, `-t nat -P CHAIN POLICY`,
 * `-t nat -A ...`), the other form the parser reads: no `*table` or `COMMIT` lines.
 */
export function toCommandsForm(text: string): string {
  let table = "filter";
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const header = /^\*(\S+)/.exec(line);
    const chain = /^:(\S+)\s+(\S+)/.exec(line);
    const rule = /^(\[\d+:\d+\]\s+)?(-A\s.*)$/.exec(line);
    if (header !== null) table = header[1] ?? table;
    else if (line.startsWith("COMMIT")) continue;
    else if (chain !== null) out.push(chain[2] === "-" ? `-t ${table} -N ${chain[1] ?? ""}` : `-t ${table} -P ${chain[1] ?? ""} ${chain[2] ?? ""}`);
    else if (rule !== null) out.push(`${rule[1] ?? ""}-t ${table} ${rule[2] ?? ""}`);
    else out.push(line);
  }
  return out.join("\n");
}

/**
 * A corpus file, sometimes in the commands form, with one to eight line edits (lines borrowed from
 * `linePool`) and sometimes a text edit.
 */
export function arbMutatedFile(files: readonly string[], linePool: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...files), fc.boolean(), fc.array(arbLineMutation(linePool), { minLength: 1, maxLength: 8 }), fc.array(arbMutation(), { maxLength: 2 }))
    .map(([file, commands, lineEdits, textEdits]) => textEdits.reduce(applyMutation, lineEdits.reduce(applyLineMutation, commands ? toCommandsForm(file) : file)));
}

function assertNeverMutation(x: never): never {
  throw new Error(`unhandled mutation ${JSON.stringify(x)}`);
}

function assertNeverLineMutation(x: never): never {
  throw new Error(`unhandled line mutation ${JSON.stringify(x)}`);
}
