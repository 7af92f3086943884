/**
 * Assembles the lines of a file into a {@link Ruleset} and checks what iptables-restore would check:
 * tables, COMMIT, declared chains, policies, jump targets.
 * @module
 */
import type { Diagnostic, DiagnosticCode, Span } from "../diagnostic/index.js";
import type { Family } from "../ast/address.js";
import { type Chain, type CommentLine, type Rule, type Ruleset, type Table, type TableName, builtinChains, tableNames } from "../ast/rule.js";
import type { RawLine, RawRuleset, TextRange } from "./build.js";
import type { LineIndex } from "./lines.js";
import { RuleBuilder } from "./rule.js";

/** Options for assembling a ruleset. */
export interface AssembleOptions {
  readonly file?: string;
  readonly family: Family;
  /** Table for `-S`-style files with no `*table` line. */
  readonly defaultTable: TableName;
}

interface TableDraft {
  readonly name: TableName;
  readonly start: number;
  end: number;
  readonly chains: Map<string, Chain>;
  readonly rules: Rule[];
  readonly leadingComments: CommentLine[];
  readonly comments: CommentLine[];
  committed: boolean;
  readonly headerRange: TextRange;
}

/**
 * The lines of a file in order, from the grammar (all at once) or the scanner (one at a time, so each
 * line's words are garbage before the next is read), with the file's offsets.
 */
export interface LineSource extends TextRange {
  readonly lines: Iterable<RawLine>;
  /** Whether some line is a `*table` header: then the file is in save format, else it is `-S` lines. */
  readonly hasTableHeader: boolean;
}

/** The grammar's result as a {@link LineSource}. */
export function lineSourceOf(raw: RawRuleset): LineSource {
  return { start: raw.start, end: raw.end, lines: raw.lines, hasTableHeader: raw.lines.some((l) => l?.t === "table") };
}

function isTableName(n: string): n is TableName {
  return (tableNames as readonly string[]).includes(n);
}

/** Builds the ruleset from the grammar's lines. */
export function assembleRuleset(raw: LineSource, lines: LineIndex, options: AssembleOptions): { ruleset: Ruleset; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const builder = new RuleBuilder({ lines, family: options.family, ...(options.file === undefined ? {} : { file: options.file }) });
  const span = (r: TextRange): Span => lines.span(r.start, r.end);
  const reportAt = (code: DiagnosticCode, message: string, at: Span): void => {
    diagnostics.push({ severity: "error", code, message, span: at, ...(options.file === undefined ? {} : { file: options.file }) });
  };
  const report = (code: DiagnosticCode, message: string, r: TextRange): void => {
    reportAt(code, message, span(r));
  };
  const format = raw.hasTableHeader ? "save" : "commands";
  const tables: TableDraft[] = [];
  let current: TableDraft | undefined;
  let pendingComments: CommentLine[] = [];

  const newTable = (name: TableName, r: TextRange): TableDraft => {
    const chains = new Map<string, Chain>();
    for (const c of builtinChains[name]) chains.set(c, { kind: "chain", name: c, builtin: true, policy: "ACCEPT", span: span(r) });
    const t: TableDraft = { name, start: r.start, end: r.end, chains, rules: [], leadingComments: pendingComments, comments: [], committed: false, headerRange: r };
    pendingComments = [];
    tables.push(t);
    return t;
  };
  // In the commands form every `-t` names its table, and lines without one go to the default table.
  const tableFor = (name: string | undefined, r: TextRange): TableDraft | undefined => {
    if (format === "save") {
      if (current === undefined || current.committed) {
        report("rule-outside-table", "rule before any *table line (or after COMMIT)", r);
        return undefined;
      }
      if (name !== undefined && name !== current.name) {
        report("unknown-table", `-t ${name} inside *${current.name}`, r);
        return undefined;
      }
      return current;
    }
    const n = name ?? options.defaultTable;
    if (!isTableName(n)) {
      report("unknown-table", `unknown table "${n}" (expected one of ${tableNames.join(", ")})`, r);
      return undefined;
    }
    return tables.find((t) => t.name === n) ?? newTable(n, r);
  };

  for (const line of raw.lines) {
    if (line === null) continue;
    switch (line.t) {
      case "comment": {
        const c: CommentLine = { kind: "comment", text: line.text, span: span(line) };
        if (current !== undefined && !current.committed) current.comments.push(c);
        else pendingComments.push(c);
        break;
      }
      case "table": {
        if (current !== undefined && !current.committed) report("missing-commit", `*${current.name} is not closed by COMMIT before *${line.name}`, current.headerRange);
        if (!isTableName(line.name)) {
          report("unknown-table", `unknown table "${line.name}" (expected one of ${tableNames.join(", ")})`, line);
          current = undefined;
          break;
        }
        if (tables.some((t) => t.name === line.name)) report("unknown-table", `table ${line.name} appears twice`, line);
        current = newTable(line.name, line);
        break;
      }
      case "commit": {
        if (current === undefined || current.committed) report("syntax", "COMMIT without a *table", line);
        else {
          current.committed = true;
          current.end = line.end;
        }
        break;
      }
      case "chain": {
        const t = current === undefined || current.committed ? undefined : current;
        if (t === undefined) {
          report("rule-outside-table", "chain declaration before any *table line", line);
          break;
        }
        const builtin = builtinChains[t.name].includes(line.name);
        const existing = t.chains.get(line.name);
        if (existing !== undefined && (!existing.builtin || existing.span.start.offset !== t.start)) {
          report("duplicate-chain", `chain ${line.name} is declared twice`, line);
          break;
        }
        if (builtin && line.policy !== "ACCEPT" && line.policy !== "DROP") {
          report("bad-value", `built-in chain ${line.name} needs policy ACCEPT or DROP, not ${line.policy}`, line);
          break;
        }
        if (!builtin && line.policy !== "-") {
          report("bad-value", `user chain ${line.name} cannot have a policy (${line.policy}); write -`, line);
          break;
        }
        if (line.name.length > 28) {
          report("bad-value", `chain name ${line.name} is longer than 28 characters`, line);
          break;
        }
        const counters = line.counters === null ? {} : { counters: { packets: line.counters.packets, bytes: line.counters.bytes } };
        t.chains.set(line.name, {
          kind: "chain",
          name: line.name,
          builtin,
          ...(builtin ? { policy: line.policy as "ACCEPT" | "DROP" } : {}),
          ...counters,
          span: span(line),
        });
        t.end = line.end;
        break;
      }
      case "command": {
        const cmd = builder.command(line.words, line, line.counters);
        if (cmd === undefined) break;
        const t = tableFor(cmd.table, line);
        if (t === undefined) break;
        t.end = line.end;
        const at = cmd.chainSpan ?? cmd.span;
        switch (cmd.command) {
          case "append":
          case "insert": {
            if (cmd.rule === undefined) break;
            if (!t.chains.has(cmd.rule.chain)) {
              reportAt("undeclared-chain", `chain ${cmd.rule.chain} is not declared in table ${t.name}`, at);
              break;
            }
            if (cmd.command === "insert") t.rules.splice(insertionIndex(t.rules, cmd.rule.chain, cmd.position ?? 1), 0, cmd.rule);
            else t.rules.push(cmd.rule);
            break;
          }
          case "policy": {
            const c = t.chains.get(cmd.chain ?? "");
            if (c === undefined || !c.builtin) {
              reportAt("builtin-chain", `-P needs a built-in chain of table ${t.name}, not ${cmd.chain ?? ""}`, at);
              break;
            }
            if (cmd.policy !== "ACCEPT" && cmd.policy !== "DROP") {
              report("bad-value", `policy must be ACCEPT or DROP, not ${cmd.policy ?? ""}`, line);
              break;
            }
            t.chains.set(c.name, { ...c, policy: cmd.policy, span: span(line), ...(line.counters === null ? {} : { counters: { packets: line.counters.packets, bytes: line.counters.bytes } }) });
            break;
          }
          case "new-chain": {
            const name = cmd.chain ?? "";
            if (t.chains.has(name)) {
              reportAt("duplicate-chain", `chain ${name} already exists`, at);
              break;
            }
            t.chains.set(name, { kind: "chain", name, builtin: false, span: span(line) });
            break;
          }
          case "replace":
          case "delete":
          case "flush":
          case "delete-chain":
          case "zero":
            report("syntax", `a ruleset file may only add rules and chains; ${cmd.command} is not supported here`, line);
            break;
          default:
            return assertNeverCommand(cmd.command);
        }
        break;
      }
      default:
        return assertNeverLine(line);
    }
  }
  if (format === "save" && current !== undefined && !current.committed) report("missing-commit", `*${current.name} is not closed by COMMIT`, current.headerRange);

  // Jump and goto targets must exist in the same table, and built-in chains cannot be jumped to.
  for (const t of tables) {
    for (const r of t.rules) {
      const tg = r.target;
      if (tg?.kind !== "jump" && tg?.kind !== "goto") continue;
      const c = t.chains.get(tg.chain);
      if (c === undefined) reportAt("undeclared-chain", `${tg.kind === "jump" ? "-j" : "-g"} ${tg.chain}: no chain or target of that name in table ${t.name}`, tg.span);
      else if (c.builtin) reportAt("builtin-chain", `cannot ${tg.kind} to built-in chain ${tg.chain}`, tg.span);
    }
  }

  const orderedTables = tables.map(
    (t): Table => ({
      kind: "table",
      name: t.name,
      chains: [...t.chains.values()],
      rules: t.rules,
      leadingComments: t.leadingComments,
      comments: t.comments,
      span: lines.span(t.start, t.end),
    }),
  );
  return {
    ruleset: { kind: "ruleset", family: options.family, tables: orderedTables, trailingComments: pendingComments, span: span(raw) },
    diagnostics: [...builder.diagnostics, ...diagnostics].sort((a, b) => a.span.start.offset - b.span.start.offset),
  };
}

/** Where `-I CHAIN N` puts a rule: before the chain's N-th rule, or after its last one. */
function insertionIndex(rules: readonly Rule[], chain: string, position: number): number {
  let seen = 0;
  let after = rules.length;
  for (let i = 0; i < rules.length; i++) {
    if (rules[i]?.chain !== chain) continue;
    seen++;
    if (seen === position) return i;
    after = i + 1;
  }
  return after;
}

function assertNeverCommand(x: never): never {
  throw new Error(`unhandled command ${JSON.stringify(x)}`);
}

function assertNeverLine(x: never): never {
  throw new Error(`unhandled line ${JSON.stringify(x)}`);
}
