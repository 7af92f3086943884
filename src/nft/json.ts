/**
 * The libnftables JSON printer (`nft -j -f`): one pure function per node kind, producing the objects
 * `man libnftables-json` describes and `nft -j list ruleset` prints.
 * @module
 */
import {
  assertNever,
  ruleStatements,
  type NftChain,
  type NftExpr,
  type NftFamily,
  type NftJsonValue,
  type NftMap,
  type NftObject,
  type NftRule,
  type NftRuleset,
  type NftSet,
  type NftStatement,
  type NftTable,
} from "./ast.js";
import type { NftPrintOptions } from "./text.js";

/** A JSON object as the printer builds it. */
export type NftJsonObject = { readonly [key: string]: NftJsonValue };

/**
 * A whole libnftables JSON document: `{"nftables":[{"metainfo":…}, {"table":…}, …]}`.
 *
 * @example
 * ```ts
 * const doc: NftJsonDocument = printNftJson({ kind: "ruleset", tables: [] });
 * doc.nftables; // [{ metainfo: { json_schema_version: 1 } }]
 * ```
 */
export type NftJsonDocument = { readonly nftables: readonly NftJsonObject[] };

/** The JSON schema version this printer writes (nft 1.0.6 reads version 1). */
const jsonSchemaVersion = 1;

/** A count as a JSON number; a bigint only when it does not fit a double exactly. */
function jsonCount(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Builds an object from entries, leaving out the undefined ones (optional properties of the model). */
function jsonObject(entries: readonly (readonly [string, NftJsonValue | undefined])[]): NftJsonObject {
  const out: Record<string, NftJsonValue> = {};
  for (const [key, value] of entries) if (value !== undefined) out[key] = value;
  return out;
}

/** An optional list: absent when empty, so `"flags": []` never appears. */
function jsonList<T extends NftJsonValue>(values: readonly T[] | undefined): readonly T[] | undefined {
  return values === undefined || values.length === 0 ? undefined : values;
}

// ---------------------------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------------------------

/** Prints one expression. */
export function printNftJsonExpr(expr: NftExpr): NftJsonValue {
  switch (expr.kind) {
    case "payload":
      return { payload: { protocol: expr.protocol, field: expr.field } };
    case "raw payload":
      return { payload: { base: expr.base, offset: expr.offset, len: expr.length } };
    case "exthdr":
    case "tcp option":
    case "ip option":
      return { [expr.kind]: jsonObject([["name", expr.name], ["field", expr.field]]) };
    case "meta":
      return { meta: { key: expr.key } };
    case "ct":
      // nft 1.0.6's JSON parser ignores a "family" property; the family prefixed to the key, as its own
      // listing writes it, is what it reads.
      return { ct: jsonObject([["key", expr.family === undefined ? expr.key : `${expr.family} ${expr.key}`], ["dir", expr.dir]]) };
    case "fib":
      return { fib: { result: expr.result, flags: expr.flags } };
    case "socket":
      return { socket: { key: expr.key } };
    case "numgen":
      return { numgen: jsonObject([["mode", expr.mode], ["mod", expr.mod], ["offset", expr.offset]]) };
    case "jhash":
      return { jhash: jsonObject([["mod", expr.mod], ["seed", expr.seed], ["offset", expr.offset], ["expr", printNftJsonExpr(expr.expr)]]) };
    case "symhash":
      return { symhash: jsonObject([["mod", expr.mod], ["offset", expr.offset]]) };
    case "rt":
      return { rt: jsonObject([["key", expr.key], ["family", expr.family]]) };
    case "ipsec":
      return { ipsec: jsonObject([["key", expr.key], ["family", expr.family], ["dir", expr.dir], ["spnum", expr.spnum]]) };
    case "number":
      return typeof expr.value === "bigint" ? jsonCount(expr.value) : expr.value;
    case "string":
    case "symbol":
      return expr.value;
    case "boolean":
      return expr.value;
    case "prefix":
      return { prefix: { addr: expr.addr, len: expr.len } };
    case "range":
      return { range: [printNftJsonExpr(expr.low), printNftJsonExpr(expr.high)] };
    case "list":
      return expr.values.map(printNftJsonExpr);
    case "set":
      return { set: expr.elements.map(printNftJsonExpr) };
    case "mapping":
      return [printNftJsonExpr(expr.key), printNftJsonExpr(expr.value)];
    case "elem":
      return { elem: jsonObject([["val", printNftJsonExpr(expr.val)], ["timeout", expr.timeout], ["comment", expr.comment]]) };
    case "set reference":
      return `@${expr.name}`;
    case "concat":
      return { concat: expr.exprs.map(printNftJsonExpr) };
    case "binop":
      return { [expr.op]: [printNftJsonExpr(expr.left), printNftJsonExpr(expr.right)] };
    case "map":
      return { map: { key: printNftJsonExpr(expr.key), data: printNftJsonExpr(expr.data) } };
    case "accept":
    case "drop":
    case "continue":
    case "return":
      return { [expr.kind]: null };
    case "jump":
    case "goto":
      return { [expr.kind]: { target: expr.target } };
    default:
      return assertNever(expr);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------------------------

/** An optional expression. */
function optionalExpr(expr: NftExpr | undefined): NftJsonValue | undefined {
  return expr === undefined ? undefined : printNftJsonExpr(expr);
}

/** Prints one statement. */
export function printNftJsonStatement(stmt: NftStatement): NftJsonValue {
  switch (stmt.kind) {
    case "match":
      return { match: { op: stmt.op, left: printNftJsonExpr(stmt.left), right: printNftJsonExpr(stmt.right) } };
    case "accept":
    case "drop":
    case "continue":
    case "return":
    case "jump":
    case "goto":
      return printNftJsonExpr(stmt);
    case "counter":
      return { counter: { packets: jsonCount(stmt.packets ?? 0n), bytes: jsonCount(stmt.bytes ?? 0n) } };
    case "objref":
      return { [stmt.type]: stmt.name };
    case "mangle":
      return { mangle: { key: printNftJsonExpr(stmt.key), value: printNftJsonExpr(stmt.value) } };
    case "log":
      return {
        log: jsonObject([
          ["prefix", stmt.prefix],
          ["group", stmt.group],
          ["snaplen", stmt.snaplen],
          ["queue-threshold", stmt.queueThreshold],
          ["level", stmt.level],
          ["flags", jsonList(stmt.flags)],
        ]),
      };
    case "reject":
      if (stmt.with === undefined) return { reject: null };
      return { reject: stmt.with.type === "tcp reset" ? { type: "tcp reset" } : { type: stmt.with.type, expr: stmt.with.code } };
    case "limit":
      return {
        limit: jsonObject([
          ["rate", stmt.rate],
          ["per", stmt.per],
          ["burst", stmt.burst],
          ["rate_unit", stmt.unit],
          // nft reads a missing burst unit as bytes for byte rates, and ignores it for packet rates.
          ["burst_unit", stmt.unit === "bytes" && stmt.burst !== undefined ? "bytes" : undefined],
          ["inv", stmt.over === true ? true : undefined],
        ]),
      };
    case "quota":
      return {
        quota: jsonObject([
          ["val", jsonCount(stmt.bytes)],
          ["val_unit", "bytes"],
          ["used", stmt.used === undefined ? undefined : jsonCount(stmt.used)],
          ["used_unit", stmt.used === undefined ? undefined : "bytes"],
          ["inv", stmt.over === true ? true : undefined],
        ]),
      };
    case "ct count":
      return { "ct count": jsonObject([["val", stmt.count], ["inv", stmt.over === true ? true : undefined]]) };
    case "set":
      return {
        set: jsonObject([
          ["op", stmt.op],
          ["elem", printNftJsonExpr(stmt.elem)],
          ["set", `@${stmt.set}`],
          ["stmt", jsonList((stmt.stmts ?? []).map(printNftJsonStatement))],
        ]),
      };
    case "meter":
      return {
        meter: jsonObject([
          ["name", stmt.name],
          ["key", printNftJsonExpr(stmt.key)],
          ["stmt", printNftJsonStatement(stmt.stmt)],
          ["size", stmt.size],
        ]),
      };
    case "snat":
    case "dnat":
      return {
        [stmt.kind]: jsonObject([
          ["family", stmt.family],
          ["addr", optionalExpr(stmt.addr)],
          ["port", optionalExpr(stmt.port)],
          // `prefix to` is the netmap flag plus the prefix type flag, as nft -j list shows it.
          ["flags", jsonList([...(stmt.flags ?? []), ...(stmt.prefix === true ? ["netmap"] : [])])],
          ["type_flags", stmt.prefix === true ? "prefix" : undefined],
        ]),
      };
    case "masquerade":
    case "redirect": {
      const args = jsonObject([["port", optionalExpr(stmt.port)], ["flags", jsonList(stmt.flags)]]);
      return { [stmt.kind]: Object.keys(args).length === 0 ? null : args };
    }
    case "tproxy":
      return { tproxy: jsonObject([["family", stmt.family], ["addr", optionalExpr(stmt.addr)], ["port", optionalExpr(stmt.port)]]) };
    case "queue": {
      const args = jsonObject([["num", optionalExpr(stmt.num)], ["flags", jsonList(stmt.flags)]]);
      return { queue: Object.keys(args).length === 0 ? null : args };
    }
    case "dup":
      return { dup: jsonObject([["addr", printNftJsonExpr(stmt.addr)], ["dev", optionalExpr(stmt.dev)]]) };
    case "synproxy": {
      // An empty object would name a synproxy object of the table; a statement without options is null.
      const body = jsonObject([["mss", stmt.mss], ["wscale", stmt.wscale], ["flags", jsonList(stmt.flags)]]);
      return { synproxy: Object.keys(body).length === 0 ? null : body };
    }
    case "notrack":
      return { notrack: null };
    case "vmap":
      return { vmap: { key: printNftJsonExpr(stmt.key), data: printNftJsonExpr(stmt.data) } };
    case "raw":
      return stmt.json;
    default:
      return assertNever(stmt);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Ruleset elements
// ---------------------------------------------------------------------------------------------------------------

/** Where a chain, set or object lives. */
interface TableRef {
  readonly family: NftFamily;
  readonly table: string;
}

/** One rule object. `leadingComments` have no JSON form and are left out. */
export function printNftJsonRule(rule: NftRule, where: TableRef & { readonly chain: string }): NftJsonObject {
  return {
    rule: jsonObject([
      ["family", where.family],
      ["table", where.table],
      ["chain", where.chain],
      ["comment", rule.comment],
      ["expr", ruleStatements(rule).map(printNftJsonStatement)],
    ]),
  };
}

/** One chain object (without its rules, which follow all chains). */
export function printNftJsonChain(chain: NftChain, where: TableRef): NftJsonObject {
  const base = chain.base;
  return {
    chain: jsonObject([
      ["family", where.family],
      ["table", where.table],
      ["name", chain.name],
      ["comment", chain.comment],
      ["type", base?.type],
      ["hook", base?.hook],
      ["prio", base?.priority],
      ["policy", base?.policy],
    ]),
  };
}

/** One set or map object. */
export function printNftJsonSet(set: NftSet | NftMap, where: TableRef): NftJsonObject {
  // nft 1.0.6's JSON parser refuses the `dynamic` flag; nft sets it itself on sets that rules update.
  const flags = (set.flags ?? []).filter((flag) => flag !== "dynamic");
  return {
    [set.kind]: jsonObject([
      ["family", where.family],
      ["table", where.table],
      ["name", set.name],
      ["type", set.type.length === 1 ? set.type[0] : set.type],
      ["map", set.kind === "map" ? set.map : undefined],
      ["policy", set.policy],
      ["flags", jsonList(flags)],
      ["timeout", set.timeout],
      ["gc-interval", set.gcInterval],
      ["size", set.size],
      ["comment", set.comment],
      ["stmt", set.kind === "set" && set.counter === true ? [{ counter: null }] : undefined],
      ["elem", set.elements === undefined || set.elements.length === 0 ? undefined : set.elements.map(printNftJsonExpr)],
    ]),
  };
}

/** One named object. */
export function printNftJsonObject(object: NftObject, where: TableRef): NftJsonObject {
  const head = [
    ["family", where.family],
    ["table", where.table],
    ["name", object.name],
  ] as const;
  switch (object.kind) {
    case "ct helper":
      return { "ct helper": jsonObject([...head, ["type", object.type], ["protocol", object.protocol], ["l3proto", object.l3proto]]) };
    case "counter":
      return {
        counter: jsonObject([
          ...head,
          ["comment", object.comment],
          ["packets", jsonCount(object.packets ?? 0n)],
          ["bytes", jsonCount(object.bytes ?? 0n)],
        ]),
      };
    case "quota":
      return {
        quota: jsonObject([
          ...head,
          ["bytes", jsonCount(object.bytes)],
          ["used", object.used === undefined ? undefined : jsonCount(object.used)],
          ["inv", object.over === true ? true : undefined],
        ]),
      };
    case "limit":
      return {
        limit: jsonObject([
          ...head,
          ["rate", object.rate],
          ["per", object.per],
          ["burst", object.burst],
          ["unit", object.unit],
          ["inv", object.over === true ? true : undefined],
        ]),
      };
    case "ct timeout": {
      // An unordered record: sorted, so the output does not depend on how it was built.
      const policy = Object.fromEntries(Object.entries(object.policy).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return { "ct timeout": jsonObject([...head, ["protocol", object.protocol], ["l3proto", object.l3proto], ["policy", policy]]) };
    }
    default:
      return assertNever(object);
  }
}

/**
 * The objects of one table, in an order nft can add them in, since JSON commands run one by one: the table,
 * its named objects and sets, every chain, the maps (whose verdicts may name chains), then every rule (which
 * may name any of them).
 */
export function printNftJsonTable(table: NftTable): readonly NftJsonObject[] {
  const where: TableRef = { family: table.family, table: table.name };
  return [
    { table: jsonObject([["family", table.family], ["name", table.name], ["comment", table.comment]]) },
    ...table.objects.map((o) => printNftJsonObject(o, where)),
    ...table.sets.map((s) => printNftJsonSet(s, where)),
    ...table.chains.map((c) => printNftJsonChain(c, where)),
    ...table.maps.map((m) => printNftJsonSet(m, where)),
    ...table.chains.flatMap((c) => c.rules.map((r) => printNftJsonRule(r, { ...where, chain: c.name }))),
  ];
}

/**
 * Prints a ruleset as a libnftables JSON document, the same ruleset {@link printNftText} prints as text.
 * Counts that do not fit a double stay bigints; {@link printNftJsonText} writes them exactly.
 *
 * @example
 * ```ts
 * printNftJson({ kind: "ruleset", tables: [{ kind: "table", family: "ip", name: "filter",
 *   objects: [], sets: [], maps: [], chains: [] }] });
 * // { nftables: [ { metainfo: { json_schema_version: 1 } },
 * //               { table: { family: "ip", name: "filter" } } ] }
 * ```
 */
export function printNftJson(ruleset: NftRuleset, options: NftPrintOptions = {}): NftJsonDocument {
  const preamble: NftJsonObject[] =
    options.preamble === "replace-tables"
      ? ruleset.tables.flatMap((t): NftJsonObject[] => [
          { add: { table: { family: t.family, name: t.name } } },
          { delete: { table: { family: t.family, name: t.name } } },
        ])
      : [];
  return { nftables: [{ metainfo: { json_schema_version: jsonSchemaVersion } }, ...preamble, ...ruleset.tables.flatMap(printNftJsonTable)] };
}

/** Serialises a JSON value; unlike `JSON.stringify` it writes bigints as exact numbers. `indent` "" means one line. */
export function stringifyNftJson(value: NftJsonValue, indent = ""): string {
  return serialiseJson(value, indent, "");
}

/** {@link stringifyNftJson} at a given depth (the indentation of the line the value starts on). */
function serialiseJson(value: NftJsonValue, indent: string, depth: string): string {
  if (value === null || typeof value === "boolean" || typeof value === "number" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return value.toString();
  const inner = depth + indent;
  const array = isJsonArray(value);
  const items = array
    ? value.map((x) => serialiseJson(x, indent, inner))
    : Object.entries(value).map(([k, x]) => `${JSON.stringify(k)}:${indent === "" ? "" : " "}${serialiseJson(x, indent, inner)}`);
  const [open, close] = array ? ["[", "]"] : ["{", "}"];
  if (items.length === 0) return open + close;
  if (indent === "") return `${open}${items.join(",")}${close}`;
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${depth}${close}`;
}

/** Narrows a JSON value to an array (`Array.isArray` loses readonly-ness). */
function isJsonArray(value: NftJsonValue): value is readonly NftJsonValue[] {
  return Array.isArray(value);
}

/**
 * Prints a ruleset as libnftables JSON text for `nft -j -f`: one line, or indented with `indent`.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset(text);
 * const ruleset = value && translate(value).value?.nft;
 * const json = ruleset && printNftJsonText(ruleset, { preamble: "replace-tables" });
 * // {"nftables":[{"metainfo":{"json_schema_version":1}},{"add":{"table":…}},{"delete":{"table":…}},…]}
 * ```
 */
export function printNftJsonText(ruleset: NftRuleset, options: NftPrintOptions & { readonly indent?: string } = {}): string {
  return `${stringifyNftJson(printNftJson(ruleset, options), options.indent ?? "")}\n`;
}
