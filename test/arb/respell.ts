/**
 * Other ways to write the same rule: every spelling an option has (`--dport`, `--destination-port`), long
 * forms of `-A -m -j -g`, `-c P B` for `[P:B]`, the old `--opt ! value` negation, quoted values and odd
 * blanks. iptables-restore reads them all as the same rule, so the parser must give the same AST.
 *
 * A respelling is driven by a list of choices (numbers) that fast-check generates and shrinks.
 * @module
 */
import fc from "fast-check";
import { type KnownTarget, type Match, type Rule, type Ruleset, type Target, matchSchemas, printRuleset, quoteWord, ruleSchema, targetSchemas } from "../../src/ast/index.js";
import type { OptionSpecs, OptionValue } from "../../src/ast/schema.js";

/** Reads choices in turn, starting over at the end. */
class Choices {
  private at = 0;
  constructor(private readonly list: readonly number[]) {}

  /** A number in `[0, n)`. */
  pick(n: number): number {
    const v = this.list.length === 0 ? 0 : (this.list[this.at++ % this.list.length] ?? 0);
    return v % n;
  }

  /** One of `items`. */
  of<T>(items: readonly [T, ...T[]]): T {
    return items[this.pick(items.length)] ?? items[0];
  }

  /** True about one time in `n`. */
  oneIn(n: number): boolean {
    return this.pick(n) === 0;
  }
}

/** Blanks between words: mostly a space. */
function blank(c: Choices): string {
  return c.of([" ", " ", " ", "  ", "\t", " \t "]);
}

/** A value word, quoted now and then (a quoted word is always a value, whatever it looks like). */
function valueWord(w: string, c: Choices): string {
  return c.oneIn(3) ? quoteWord(w, true) : quoteWord(w);
}

/** The words of a module's (or the rule's generic) options, in schema order, each spelled at random. */
function optionWords(specs: OptionSpecs, node: object, c: Choices): string[] {
  const fields = node as Readonly<Record<string, OptionValue<unknown> | undefined>>;
  const out: string[] = [];
  for (const [key, spec] of Object.entries(specs)) {
    const o = fields[key];
    if (o === undefined) continue;
    const name = c.of(spec.names);
    const args = spec.codec.print(o.value).map((w) => (spec.codec.domain.type === "text" ? quoteWord(w, true) : valueWord(w, c)));
    // The old negation `--opt ! value` needs a value after the `!`.
    if (o.negated && args.length > 0 && c.oneIn(3)) out.push(name, "!", ...args);
    else out.push(...(o.negated ? ["!"] : []), name, ...args);
  }
  return out;
}

/** Words of an unknown module: option-shaped words stay bare, values are quoted now and then. */
function unknownWords(args: readonly string[], c: Choices): string[] {
  return args.map((a) => (a === "!" || /^--?[a-zA-Z][a-zA-Z0-9_-]*$/.test(a) ? a : valueWord(a, c)));
}

function matchWords(m: Match, c: Choices): string[] {
  const head = c.of(["-m", "--match"]);
  if (m.kind === "unknown") return [head, m.name, ...unknownWords(m.args, c)];
  return [head, m.kind, ...optionWords(matchSchemas[m.kind].options, m, c)];
}

function isKnownTarget(t: Target): t is KnownTarget {
  return Object.hasOwn(targetSchemas, t.kind);
}

function targetWords(t: Target, c: Choices): string[] {
  const jump = c.of(["-j", "--jump"]);
  if (isKnownTarget(t)) return [jump, t.kind, ...optionWords(targetSchemas[t.kind].options, t, c)];
  switch (t.kind) {
    case "verdict":
      return [jump, t.verdict];
    case "jump":
      return [jump, t.chain];
    case "goto":
      return [c.of(["-g", "--goto"]), t.chain];
    case "unknown":
      return [jump, t.name, ...unknownWords(t.args, c)];
    default:
      return assertNeverTarget(t);
  }
}

function assertNeverTarget(x: never): never {
  throw new Error(`test/arb: unhandled target ${JSON.stringify(x)}`);
}

/** One rule line, respelled. */
export function respellRule(r: Rule, c: Choices): string {
  const counters = r.counters;
  const inLine = counters !== undefined && c.oneIn(2);
  const words = [
    ...(counters !== undefined && !inLine ? [`[${counters.packets}:${counters.bytes}]`] : []),
    c.of(["-A", "--append"]),
    r.chain,
    ...optionWords(ruleSchema.options, r, c),
    ...(inLine ? [c.of(["-c", "--set-counters"]), String(counters.packets), String(counters.bytes)] : []),
    ...r.matches.flatMap((m) => matchWords(m, c)),
    ...(r.target === undefined ? [] : targetWords(r.target, c)),
  ];
  return words.map((w, i) => (i === 0 ? w : blank(c) + w)).join("") + (c.oneIn(5) ? blank(c) : "");
}

/**
 * The ruleset's iptables-save text with every rule line respelled (chain and table lines as printed):
 * rule lines are the printed lines that start with `-A` or with counters, in the AST's order.
 */
export function respellRuleset(ast: Ruleset, choices: readonly number[]): string {
  const c = new Choices(choices);
  const rules = ast.tables.flatMap((t) => t.rules);
  let next = 0;
  return printRuleset(ast)
    .split("\n")
    .map((line) => {
      if (!line.startsWith("-A ") && !line.startsWith("[")) return line;
      const r = rules[next++];
      if (r === undefined) throw new Error(`test/arb: printed more rule lines than the ruleset has rules: ${line}`);
      return respellRule(r, c);
    })
    .join("\n");
}

/** Choices for {@link respellRuleset}. */
export function arbSpellingChoices(): fc.Arbitrary<number[]> {
  return fc.array(fc.nat({ max: 1 << 20 }), { minLength: 1, maxLength: 200 });
}
