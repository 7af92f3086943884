/**
 * Turns the words of one command line into a command and a typed {@link Rule}.
 *
 * Options are assigned to modules as iptables does: to the module they follow when it knows them, else to
 * an earlier module that does, else to the protocol's implicit match (`-p tcp --dport 22`).
 * @module
 */
import type { Diagnostic, DiagnosticCode, Span } from "../diagnostic/index.js";
import type { Family } from "../ast/address.js";
import type { Counters, Match, Rule, Target, Verdict } from "../ast/rule.js";
import { ruleSchema } from "../ast/rule.js";
import { matchSchemas } from "../ast/matches/index.js";
import { targetSchemas } from "../ast/targets/index.js";
import { type AnyOptionSpec, type CodecContext, CodecError, type ModuleSchema, type OptionSpecs, type OptionValue, type RuleFacts } from "../ast/schema.js";
import { formatProtocol } from "../ast/protocol.js";
import type { OptionWord, TextRange, ValueWord, Word } from "./build.js";
import type { LineIndex } from "./lines.js";

type AnySchema = ModuleSchema<string, OptionSpecs>;

/** A schema with its options indexed by every spelling. */
interface IndexedSchema {
  readonly schema: AnySchema;
  readonly byName: ReadonlyMap<string, readonly [string, AnyOptionSpec]>;
}

function indexSchema(schema: AnySchema): IndexedSchema {
  const byName = new Map<string, readonly [string, AnyOptionSpec]>();
  for (const [key, spec] of Object.entries(schema.options)) for (const n of spec.names) byName.set(n, [key, spec]);
  return { schema, byName };
}

function indexSchemas(schemas: Readonly<Record<string, AnySchema>>): ReadonlyMap<string, IndexedSchema> {
  const m = new Map<string, IndexedSchema>();
  for (const s of Object.values(schemas)) {
    const indexed = indexSchema(s);
    m.set(s.name, indexed);
    for (const a of s.aliases ?? []) m.set(a, indexed);
  }
  return m;
}

const matchIndex = indexSchemas(matchSchemas);
const targetIndex = indexSchemas(targetSchemas);
const genericIndex = indexSchema(ruleSchema);

/** The module `-p NAME` loads implicitly when one of its options is used without `-m`. */
const implicitMatchByProtocol: ReadonlyMap<number, string> = new Map([
  [6, "tcp"],
  [17, "udp"],
  [33, "dccp"],
  [132, "sctp"],
  [1, "icmp"],
  [58, "icmp6"],
  [135, "mh"],
  [136, "udplite"],
]);

const verdicts: ReadonlySet<string> = new Set<Verdict>(["ACCEPT", "DROP", "RETURN", "QUEUE"]);

/**
 * What a command line asks for.
 *
 * @example
 * ```ts
 * const { value } = parseCommand("-P INPUT DROP");
 * const kind: CommandKind | undefined = value?.command; // "policy"
 * ```
 */
export type CommandKind = "append" | "insert" | "replace" | "delete" | "policy" | "new-chain" | "flush" | "delete-chain" | "zero";

/**
 * A parsed command line: the command, its table (when `-t` was given) and, for rule commands, the rule.
 *
 * @example
 * ```ts
 * const { value } = parseCommand("iptables -t nat -N KUBE-SERVICES");
 * const command: Command | undefined = value; // { command: "new-chain", table: "nat", chain: "KUBE-SERVICES", span, chainSpan }
 * parseCommand("-P INPUT DROP").value?.policy; // "DROP"
 * ```
 */
export interface Command {
  readonly command: CommandKind;
  readonly table?: string;
  readonly chain?: string;
  /** `-I CHAIN N` / `-R CHAIN N` / `-D CHAIN N`. */
  readonly position?: number;
  /** `-P CHAIN POLICY`. */
  readonly policy?: string;
  readonly rule?: Rule;
  readonly span: Span;
  /** Span of the chain name, for errors about it. */
  readonly chainSpan?: Span;
}

/** Context for building: where words sit in the input, and the ruleset's family. */
export interface BuildContext {
  readonly lines: LineIndex;
  readonly family: Family | undefined;
  readonly file?: string;
}

// A Map, not an object: every option word is looked up here, and a Map lookup does not intern the word.
const commandOptions: ReadonlyMap<string, CommandKind> = new Map<string, CommandKind>([
  ["-A", "append"],
  ["--append", "append"],
  ["-I", "insert"],
  ["--insert", "insert"],
  ["-R", "replace"],
  ["--replace", "replace"],
  ["-D", "delete"],
  ["--delete", "delete"],
  ["-P", "policy"],
  ["--policy", "policy"],
  ["-N", "new-chain"],
  ["--new-chain", "new-chain"],
  ["-F", "flush"],
  ["--flush", "flush"],
  ["-X", "delete-chain"],
  ["--delete-chain", "delete-chain"],
  ["-Z", "zero"],
  ["--zero", "zero"],
]);

/** A module being assembled: its schema (undefined when unknown) and the options given so far. */
interface ModuleDraft {
  readonly role: "match" | "target";
  readonly name: string;
  readonly indexed: IndexedSchema | undefined;
  readonly nameSpan: TextRange;
  /** Options by AST field, in the order given (a plain record: cheaper than a Map for two or three). */
  readonly options: OptionFields;
  readonly raw: string[];
  end: number;
}

/** Options by AST field name. */
type OptionFields = Record<string, OptionValue<unknown>>;

/** An option word with its `!` and its argument words. */
interface OptionGroup {
  readonly option: OptionWord;
  readonly bang: TextRange | undefined;
  readonly args: readonly ValueWord[];
  /** The module whose `-m`/`-j` it followed, if any. */
  readonly after: ModuleDraft | undefined;
}

/** Builds commands and rules from words, collecting diagnostics. */
export class RuleBuilder {
  readonly diagnostics: Diagnostic[] = [];

  /** What the codecs are told; one object for the whole input, since it never changes. */
  private readonly codecContext: CodecContext;

  constructor(private readonly cx: BuildContext) {
    this.codecContext = { family: cx.family };
  }

  private span(r: TextRange): Span {
    return this.cx.lines.span(r.start, r.end);
  }

  private error(code: DiagnosticCode, message: string, r: TextRange): void {
    this.report("error", code, message, r);
  }

  private report(severity: "error" | "warning", code: DiagnosticCode, message: string, r: TextRange): void {
    if (severity === "error") this.errorCount++;
    this.diagnostics.push({ severity, code, message, span: this.span(r), ...(this.cx.file === undefined ? {} : { file: this.cx.file }) });
  }

  /** Errors reported so far (warnings do not stop a rule from being built). */
  private errorCount = 0;

  /** Parses a command line's words. Returns undefined when it is not a command at all. */
  command(words: readonly Word[], range: TextRange, counters: (Counters & TextRange) | null): Command | undefined {
    let i = 0;
    const first = words[0];
    if (first?.t === "value" && !first.quoted && /^(ip6?tables)(-legacy|-nft)?$/.test(first.text)) i = 1;
    let table: string | undefined;
    let kind: CommandKind | undefined;
    let kindWord: OptionWord | undefined;
    let chain: ValueWord | undefined;
    let position: number | undefined;
    let policy: string | undefined;
    const ruleWords: Word[] = [];
    while (i < words.length) {
      const w = words[i] as Word;
      if (w.t === "option" && (w.text === "-t" || w.text === "--table")) {
        const v = words[i + 1];
        if (v?.t !== "value") {
          this.error("missing-argument", `${w.text} needs a table name`, w);
          return undefined;
        }
        table = v.text;
        i += 2;
        continue;
      }
      const ck = w.t === "option" ? commandOptions.get(w.text) : undefined;
      if (ck !== undefined && w.t === "option") {
        if (kind !== undefined) {
          this.error("conflicting-options", `only one command per line: ${kindWord?.text ?? ""} and ${w.text}`, w);
          return undefined;
        }
        kind = ck;
        kindWord = w;
        i++;
        const c = words[i];
        const needsChain = ck !== "flush" && ck !== "delete-chain" && ck !== "zero";
        if (c?.t === "value") {
          if (!isBareName(c.text)) {
            this.error("bad-value", `chain name ${JSON.stringify(c.text)} ${bareNameRule}`, c);
            return undefined;
          }
          chain = c;
          i++;
        } else if (needsChain) {
          this.error("missing-argument", `${w.text} needs a chain name`, w);
          return undefined;
        }
        const n = words[i];
        if ((ck === "insert" || ck === "replace" || ck === "delete") && n?.t === "value" && /^\d+$/.test(n.text)) {
          position = Number(n.text);
          i++;
        } else if (ck === "replace") {
          this.error("missing-argument", `${w.text} needs a rule number`, w);
          return undefined;
        }
        if (ck === "policy") {
          const p = words[i];
          if (p?.t !== "value") {
            this.error("missing-argument", `${w.text} needs a policy (ACCEPT or DROP)`, w);
            return undefined;
          }
          policy = p.text;
          i++;
        }
        continue;
      }
      ruleWords.push(w);
      i++;
    }
    if (kind === undefined) {
      this.error("syntax", "expected a command such as -A CHAIN", words[0] ?? range);
      return undefined;
    }
    // Built by assignment rather than spreads: this runs once per line of a file with tens of thousands.
    const cmd: Mutable<Command> = { command: kind, span: this.span(range) };
    if (table !== undefined) cmd.table = table;
    if (chain !== undefined) {
      cmd.chain = chain.text;
      cmd.chainSpan = this.span(chain);
    }
    if (position !== undefined) cmd.position = position;
    if (policy !== undefined) cmd.policy = policy;
    const takesRule = kind === "append" || kind === "insert" || kind === "replace" || (kind === "delete" && position === undefined);
    if (!takesRule) {
      if (ruleWords.length > 0) this.error("extra-argument", `unexpected ${describeWord(ruleWords[0] as Word)} after ${kindWord?.text ?? ""}`, ruleWords[0] as Word);
      return cmd;
    }
    const rule = this.rule(chain?.text ?? "", ruleWords, cmd.span, counters);
    if (rule === undefined) return undefined;
    cmd.rule = rule;
    return cmd;
  }

  /** Builds a rule from its words (everything after `-A CHAIN`); `span` is its command line's. */
  rule(chain: string, words: readonly Word[], span: Span, fileCounters: (Counters & TextRange) | null): Rule | undefined {
    const before = this.errorCount;
    const generic: OptionFields = {};
    const drafts: ModuleDraft[] = [];
    const groups: OptionGroup[] = [];
    let target: ModuleDraft | undefined;
    let chainTarget: { kind: "jump" | "goto"; name: ValueWord; word: OptionWord } | undefined;
    let counters: Counters | undefined = fileCounters === null ? undefined : { packets: fileCounters.packets, bytes: fileCounters.bytes };
    let bang: TextRange | undefined;
    let current: ModuleDraft | undefined;

    for (let i = 0; i < words.length; i++) {
      const w = words[i] as Word;
      if (w.t === "bang") {
        if (bang !== undefined) this.error("syntax", "two ! in a row", w);
        bang = w;
        continue;
      }
      if (w.t === "value") {
        this.error("extra-argument", `unexpected argument ${JSON.stringify(w.text)}`, w);
        continue;
      }
      const text = w.text;
      if (text === "-m" || text === "--match" || text === "-j" || text === "--jump" || text === "-g" || text === "--goto") {
        if (bang !== undefined) this.error("not-negatable", `${text} cannot be negated`, bang);
        bang = undefined;
        const v = words[i + 1];
        if (v?.t !== "value") {
          this.error("missing-argument", `${text} needs a ${text.startsWith("-m") || text === "--match" ? "module" : "target"} name`, w);
          continue;
        }
        i++;
        if (text === "-m" || text === "--match") {
          const d: ModuleDraft = { role: "match", name: v.text, indexed: matchIndex.get(v.text), nameSpan: { start: w.start, end: v.end }, options: {}, raw: [], end: v.end };
          drafts.push(d);
          current = d;
          continue;
        }
        if (target !== undefined || chainTarget !== undefined) {
          this.error("conflicting-options", "a rule has at most one target", w);
          continue;
        }
        if ((text === "-j" || text === "--jump") && (verdicts.has(v.text) || !targetIndex.has(v.text))) {
          chainTarget = { kind: "jump", name: v, word: w };
          // Options after a plain jump may still belong to an unknown target extension; decided below.
          current = { role: "target", name: v.text, indexed: undefined, nameSpan: { start: w.start, end: v.end }, options: {}, raw: [], end: v.end };
          target = current;
          continue;
        }
        if (text === "-g" || text === "--goto") {
          chainTarget = { kind: "goto", name: v, word: w };
          current = undefined;
          continue;
        }
        target = { role: "target", name: v.text, indexed: targetIndex.get(v.text), nameSpan: { start: w.start, end: v.end }, options: {}, raw: [], end: v.end };
        current = target;
        continue;
      }
      if (text === "-c" || text === "--set-counters") {
        const p = words[i + 1];
        const b = words[i + 2];
        if (p?.t !== "value" || b?.t !== "value" || !/^\d+$/.test(p.text) || !/^\d+$/.test(b.text)) {
          this.error("missing-argument", `${text} needs two numbers: packets and bytes`, w);
          continue;
        }
        counters = { packets: BigInt(p.text), bytes: BigInt(b.text) };
        i += 2;
        continue;
      }
      // An option: collect its argument words (and an old-style `!` right after it, as in `-s ! ADDR`).
      let neg = bang;
      bang = undefined;
      const args: ValueWord[] = [];
      let j = i + 1;
      const afterBang = words[j];
      if (neg === undefined && afterBang?.t === "bang" && words[j + 1]?.t === "value") {
        neg = afterBang;
        j++;
      }
      for (; j < words.length; j++) {
        const a = words[j] as Word;
        if (a.t !== "value") break;
        args.push(a);
      }
      i = j - 1;
      const genericSpec = genericIndex.byName.get(text);
      if (genericSpec !== undefined) {
        this.addOption(generic, genericSpec, { option: w, bang: neg, args, after: undefined }, genericIndex.schema.name);
        continue;
      }
      groups.push({ option: w, bang: neg, args, after: current });
    }
    if (bang !== undefined) this.error("syntax", "! must be followed by an option", bang);

    // Second pass: assign module options now that the protocol is known.
    const protocol = generic.protocol;
    for (const g of groups) {
      const owner = this.ownerOf(g, drafts, protocol, target);
      if (owner === undefined) continue;
      owner.end = Math.max(owner.end, (g.args[g.args.length - 1] ?? g.option).end);
      if (owner.indexed === undefined) {
        if (g.bang) owner.raw.push("!");
        owner.raw.push(g.option.text, ...g.args.map((a) => a.text));
        continue;
      }
      const spec = owner.indexed.byName.get(g.option.text);
      if (spec !== undefined) this.addOption(owner.options, spec, g, owner.name);
    }

    if (this.errorCount > before) return undefined;

    const protocolValue = protocol === undefined || protocol.negated ? undefined : (protocol.value as number);
    const facts: RuleFacts = { protocol: protocolValue === 0 ? undefined : protocolValue, family: this.cx.family };
    const matches: Match[] = [];
    for (const d of drafts) {
      const m = this.finishModule(d, facts);
      if (m !== undefined) matches.push(m as Match);
    }
    let finalTarget: Target | undefined;
    if (chainTarget !== undefined) {
      const raw = target?.raw ?? [];
      const sp = this.span({ start: chainTarget.word.start, end: target?.end ?? chainTarget.name.end });
      if (raw.length > 0 && chainTarget.kind === "jump") finalTarget = { kind: "unknown", name: chainTarget.name.text, args: raw, span: sp };
      else if (chainTarget.kind === "jump" && verdicts.has(chainTarget.name.text)) finalTarget = { kind: "verdict", verdict: chainTarget.name.text as Verdict, span: sp };
      else if (!isBareName(chainTarget.name.text)) this.error("bad-value", `chain name ${JSON.stringify(chainTarget.name.text)} ${bareNameRule}`, chainTarget.name);
      else finalTarget = { kind: chainTarget.kind, chain: chainTarget.name.text, span: sp };
    } else if (target !== undefined) {
      finalTarget = this.finishModule(target, facts) as Target | undefined;
    }
    if (this.errorCount > before) return undefined;

    // Built by assignment (faster than spreads on large files), in the fixed order kind, chain, counters,
    // generic options, matches, target, span, so that ASTs dumped as JSON read alike.
    const rule: Record<string, unknown> = { kind: "rule", chain };
    if (counters !== undefined) rule.counters = counters;
    for (const key in generic) rule[key] = generic[key];
    rule.matches = matches;
    if (finalTarget !== undefined) rule.target = finalTarget;
    rule.span = span;
    return rule as unknown as Rule;
  }

  /** Finds the module an option belongs to, creating the protocol's implicit match if needed. */
  private ownerOf(g: OptionGroup, drafts: ModuleDraft[], protocol: OptionValue<unknown> | undefined, target: ModuleDraft | undefined): ModuleDraft | undefined {
    const name = g.option.text;
    if (g.after !== undefined && (knows(g.after, name) || g.after.indexed === undefined && !(g.after.role === "target" && this.claimedByMatch(name, drafts, protocol)))) return g.after;
    for (let k = drafts.length - 1; k >= 0; k--) if (knows(drafts[k], name)) return drafts[k];
    if (protocol !== undefined && !protocol.negated) {
      const implicit = implicitMatchByProtocol.get(protocol.value as number);
      const indexed = implicit === undefined ? undefined : matchIndex.get(implicit);
      if (implicit !== undefined && indexed?.byName.has(name) === true) {
        const d: ModuleDraft = { role: "match", name: implicit, indexed, nameSpan: g.option, options: {}, raw: [], end: g.option.end };
        // iptables loads the implicit match when it meets its first option: keep that order.
        const at = g.after === undefined ? 0 : drafts.indexOf(g.after) + 1;
        drafts.splice(at < 0 ? drafts.length : at, 0, d);
        return d;
      }
    }
    if (knows(target, name)) return target;
    const where = g.after === undefined ? "" : ` for ${g.after.role === "match" ? "-m" : "-j"} ${g.after.name}`;
    const hint = protocol === undefined && ["--dport", "--sport", "--tcp-flags", "--syn", "--icmp-type"].includes(name) ? " (give -p PROTOCOL or -m PROTOCOL first)" : "";
    this.error("unknown-option", `unknown option ${name}${where}${hint}`, g.option);
    return undefined;
  }

  /** Whether a match (or the implicit protocol match) would take this option. */
  private claimedByMatch(name: string, drafts: readonly ModuleDraft[], protocol: OptionValue<unknown> | undefined): boolean {
    if (drafts.some((d) => d.indexed?.byName.has(name) === true)) return true;
    const implicit = protocol === undefined ? undefined : implicitMatchByProtocol.get(protocol.value as number);
    return implicit !== undefined && matchIndex.get(implicit)?.byName.has(name) === true;
  }

  private addOption(into: OptionFields, [key, spec]: readonly [string, AnyOptionSpec], g: OptionGroup, moduleName: string): void {
    const { option, bang, args } = g;
    if (Object.hasOwn(into, key)) {
      this.error("duplicate-option", `${option.text} is given twice${moduleName === "rule" ? "" : ` in ${moduleName}`}`, option);
      return;
    }
    if (bang !== undefined && !spec.negatable) {
      this.error("not-negatable", `${option.text} cannot be negated`, bang);
      return;
    }
    const arity: number = spec.codec.arity;
    if (args.length < arity) {
      this.error("missing-argument", `${option.text} needs ${arity === 1 ? "an argument" : `${arity} arguments`}: ${spec.codec.expected}`, option);
      return;
    }
    if (args.length > arity) {
      const extra = args[arity] as ValueWord;
      this.error("extra-argument", `unexpected argument ${JSON.stringify(extra.text)} after ${option.text}`, extra);
      return;
    }
    const value: unknown = spec.codec.parse(args.map((a) => a.text), this.codecContext);
    if (value instanceof CodecError) {
      const at = args[value.argIndex] ?? option;
      this.error("bad-value", `${option.text}: ${value.message}`, at);
      return;
    }
    const start = bang?.start ?? option.start;
    const end = (args[args.length - 1] ?? option).end;
    into[key] = { value, negated: bang !== undefined, span: this.cx.lines.span(start, end) };
  }

  private finishModule(d: ModuleDraft, facts: RuleFacts): { kind: string } | undefined {
    const span = this.span({ start: d.nameSpan.start, end: d.end });
    if (d.indexed === undefined) return { kind: "unknown", name: d.name, args: d.raw, span } as { kind: string };
    const schema = d.indexed.schema;
    if (schema.family !== undefined && this.cx.family !== undefined && schema.family !== this.cx.family) {
      this.error("family-mismatch", `${d.role === "match" ? "-m" : "-j"} ${d.name} is for ${schema.family} only, and this is an ${this.cx.family} ruleset`, d.nameSpan);
      return undefined;
    }
    const flag = d.role === "match" ? "-m" : "-j";
    if (schema.protocols !== undefined && (facts.protocol === undefined || !schema.protocols.includes(facts.protocol))) {
      // The kernel refuses the rule, so iptables-save never prints it; a hand-written command still parses.
      const names = schema.protocols.map((n) => formatProtocol(n)).join(" or ");
      this.report("warning", "missing-option", `${flag} ${d.name} needs -p ${names} (the kernel refuses it otherwise)`, d.nameSpan);
    }
    if (schema.check !== undefined) {
      // Checks see the options alone (some look at every value), not the node with its kind and span.
      for (const issue of schema.check(d.options, facts)) {
        const at = issue.option !== undefined && Object.hasOwn(d.options, issue.option) ? d.options[issue.option] : undefined;
        const r = at === undefined ? d.nameSpan : { start: at.span.start.offset, end: at.span.end.offset };
        this.report(issue.severity ?? "error", issue.option === undefined ? "missing-option" : "conflicting-options", `${flag} ${d.name}: ${issue.message}`, r);
      }
    }
    const node: Record<string, unknown> = { kind: schema.name };
    for (const key in d.options) node[key] = d.options[key];
    node.span = span;
    return node as { kind: string };
  }
}

/** Whether a module takes the option `name`. */
function knows(d: ModuleDraft | undefined, name: string): boolean {
  return d?.indexed?.byName.has(name) === true;
}

/** A record type with its `readonly` modifiers removed, for building a value field by field. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Why {@link isBareName} refused a name, for messages. */
const bareNameRule = "cannot be saved: names have no blanks and do not start with \", - or !";

/**
 * Whether a chain name can be written back bare, as iptables-save writes chain names (`-A NAME`,
 * `-j NAME`). A quoted name with a blank, or one starting with `"`, `-` or `!`, would re-read as other
 * words; iptables itself refuses chain names starting with `-` or `!`.
 */
function isBareName(name: string): boolean {
  return /^[^ \t"!-][^ \t]*$/.test(name);
}

function describeWord(w: Word): string {
  return w.t === "bang" ? "!" : JSON.stringify(w.text);
}
