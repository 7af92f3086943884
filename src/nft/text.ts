/**
 * The `nft -f` text printer: one pure function per node kind, laid out as `nft list ruleset` lays a ruleset
 * out (tabs, objects before sets before chains), so a reader sees what nft would show.
 * @module
 */
import {
  assertNever,
  ruleStatements,
  type NftBaseChain,
  type NftChain,
  type NftExpr,
  type NftFamily,
  type NftHook,
  type NftLog,
  type NftMap,
  type NftMatch,
  type NftNat,
  type NftObject,
  type NftRule,
  type NftRuleset,
  type NftSet,
  type NftStatement,
  type NftTable,
} from "./ast.js";

/**
 * How a printed file treats tables that already exist in the kernel.
 *
 * @example
 * ```ts
 * const { value } = parseRuleset(text);
 * const translated = value && translate(value).value;
 * const options: NftPrintOptions = { preamble: "replace-tables" };
 * if (translated) printNftText(translated.nft, options); // loading it replaces exactly the tables it defines
 * ```
 */
export interface NftPrintOptions {
  /**
   * `"none"` (default): only the tables' contents, which nft merges into existing tables of the same name.
   * `"replace-tables"`: first create each table empty and delete it, so loading the file atomically replaces
   * exactly the tables it defines and leaves all others alone (nft 1.0.6 has no `destroy table`).
   */
  readonly preamble?: "none" | "replace-tables";
}

// ---------------------------------------------------------------------------------------------------------------
// Quoting: the only place that decides how a word is written.
// ---------------------------------------------------------------------------------------------------------------

/**
 * Words nft 1.0.6 cannot take as a table, chain or set name, because its scanner reads them as keywords.
 * Measured: each word of nft's token table was tried as a table, chain, set and map name, jump/goto target and
 * `@set` reference with `nft -c`; these are the ones it refused.
 */
const reservedNames: ReadonlySet<string> = new Set(
  (
    "accept add ah all arp auto-merge bridge cgroup chain comment comp constant continue counter cpu create ct day " +
    "dccp define delete describe device devices dnat drop dst dup dynamic ecn element elements esp ether exists " +
    "expires export exthdr fib flags flow flowtable flush frag fwd gc-interval get goto handle hbh hook hour " +
    "ibriport ibrname icmp icmpv6 igmp iif iifgroup iifname iiftype import include index inet insert interval ip " +
    "ip6 ipsec jhash jump limit list ll log map mark masquerade meta meter mh missing monitor netdev nftrace nh " +
    "notrack numgen obriport obrname offload oif oifgroup oifname oiftype osf pkttype policy position priority " +
    "queue quota random redefine redirect reject rename replace reset return rt rt0 rt2 rtclassid rule ruleset " +
    "sctp secmark set size skgid skuid snat socket srh symhash synproxy table tcp th time timeout tproxy type " +
    "typeof udp udplite undefine update vlan vmap xt"
  ).split(" "),
);

/**
 * True when `name` can be written bare as a table, chain, set or object name: a letter or `_` first, then
 * letters, digits, `_`, `.` and `-`, and not an nft keyword. nft 1.0.6 accepts no other names in text at all
 * (not even quoted ones, which newer nft releases accept), so a translator renames chains that fail this test.
 *
 * @example
 * ```ts
 * isNftIdentifier("KUBE-SVC-1"); // true
 * isNftIdentifier("1abc"); // false: starts with a digit
 * isNftIdentifier("counter"); // false: an nft keyword
 * ```
 */
export function isNftIdentifier(name: string): boolean {
  // A character loop rather than a regular expression: every chain name and jump target is tested.
  if (name.length === 0 || name.length > 256) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!(letter || (i > 0 && ((c >= 48 && c <= 57) || c === 46 || c === 45)))) return false;
  }
  return !reservedNames.has(name);
}

/**
 * True when `value` can be written as an nft string: nft's scanner has no escapes, so a double quote or a line
 * break cannot appear inside one.
 *
 * @example
 * ```ts
 * isNftQuotable("ssh from lan"); // true
 * isNftQuotable('say "hi"'); // false
 * ```
 */
export function isNftQuotable(value: string): boolean {
  return !/["\r\n]/.test(value);
}

/**
 * `value` in double quotes. Throws for a string nft cannot represent (see {@link isNftQuotable}): whoever built
 * the model must have shortened or rewritten it, so this is a programmer error.
 */
export function quoteNftString(value: string): string {
  if (!isNftQuotable(value)) throw new Error(`nft strings cannot contain double quotes or line breaks: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

/** A name as nft text: bare when it is an identifier, quoted otherwise (accepted by nft releases after 1.0.6). */
export function printNftName(name: string): string {
  return isNftIdentifier(name) ? name : quoteNftString(name);
}

// ---------------------------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------------------------

/** Meta keys nft writes without the `meta` keyword, as `nft list` does. */
const bareMetaKeys: ReadonlySet<string> = new Set(["iif", "iifname", "oif", "oifname", "iifgroup", "oifgroup"]);

/** Prints one expression. */
export function printNftExpr(expr: NftExpr): string {
  switch (expr.kind) {
    case "payload":
      return `${expr.protocol} ${expr.field}`;
    case "raw payload":
      return `@${expr.base},${expr.offset},${expr.length}`;
    case "exthdr":
      return expr.field === undefined ? `exthdr ${expr.name}` : `${expr.name} ${expr.field}`;
    case "tcp option":
      return expr.field === undefined ? `tcp option ${expr.name}` : `tcp option ${expr.name} ${expr.field}`;
    case "ip option":
      return expr.field === undefined ? `ip option ${expr.name}` : `ip option ${expr.name} ${expr.field}`;
    case "meta":
      return bareMetaKeys.has(expr.key) ? expr.key : `meta ${expr.key}`;
    case "ct":
      return ["ct", expr.dir, expr.family, expr.key].filter((w) => w !== undefined).join(" ");
    case "fib":
      return `fib ${expr.flags.join(" . ")} ${expr.result}`;
    case "socket":
      return `socket ${expr.key}`;
    case "numgen":
      return `numgen ${expr.mode} mod ${expr.mod}${expr.offset === undefined ? "" : ` offset ${expr.offset}`}`;
    case "jhash":
      return (
        `jhash ${printNftExpr(expr.expr)} mod ${expr.mod}` +
        (expr.seed === undefined ? "" : ` seed 0x${expr.seed.toString(16)}`) +
        (expr.offset === undefined ? "" : ` offset ${expr.offset}`)
      );
    case "symhash":
      return `symhash mod ${expr.mod}${expr.offset === undefined ? "" : ` offset ${expr.offset}`}`;
    case "rt":
      return ["rt", expr.family, expr.key].filter((w) => w !== undefined).join(" ");
    case "ipsec":
      return ["ipsec", expr.dir, expr.spnum === undefined ? undefined : `spnum ${expr.spnum}`, expr.family, expr.key]
        .filter((w) => w !== undefined)
        .join(" ");
    case "number":
      return expr.display === "hex" ? `0x${expr.value.toString(16)}` : expr.value.toString();
    case "string":
      return quoteNftString(expr.value);
    case "symbol":
      return expr.value;
    case "boolean":
      return expr.value ? "exists" : "missing";
    case "prefix":
      return `${expr.addr}/${expr.len}`;
    case "range":
      return `${printNftExpr(expr.low)}-${printNftExpr(expr.high)}`;
    case "list":
      return expr.values.map(printNftExpr).join(",");
    case "set":
      return `{ ${expr.elements.map(printNftExpr).join(", ")} }`;
    case "mapping":
      return `${printNftExpr(expr.key)} : ${printNftExpr(expr.value)}`;
    case "elem":
      return (
        printNftExpr(expr.val) +
        (expr.timeout === undefined ? "" : ` timeout ${expr.timeout}s`) +
        (expr.comment === undefined ? "" : ` comment ${quoteNftString(expr.comment)}`)
      );
    case "set reference":
      return `@${printNftName(expr.name)}`;
    case "concat":
      return expr.exprs.map(printNftExpr).join(" . ");
    case "binop":
      return `${printBinopOperand(expr.left)} ${expr.op} ${printBinopOperand(expr.right)}`;
    case "map":
      return `${printNftExpr(expr.key)} map ${printNftExpr(expr.data)}`;
    case "accept":
    case "drop":
    case "continue":
    case "return":
      return expr.kind;
    case "jump":
    case "goto":
      return `${expr.kind} ${printNftName(expr.target)}`;
    default:
      return assertNever(expr);
  }
}

/**
 * An operand of a binary operation: nested operations in parentheses (nft's text grammar has C-like precedence,
 * the model has explicit nesting), flag lists as `(fin | syn)` because a comma there ends the expression.
 */
function printBinopOperand(expr: NftExpr): string {
  if (expr.kind === "binop") return `(${printNftExpr(expr)})`;
  if (expr.kind === "list") return `(${expr.values.map(printNftExpr).join(" | ")})`;
  return printNftExpr(expr);
}

/** Selectors of bitmask type, for which nft reads a missing operator as "any of these bits" instead of `==`. */
function isBitmaskSelector(expr: NftExpr): boolean {
  return (
    (expr.kind === "ct" && (expr.key === "state" || expr.key === "status" || expr.key === "label" || expr.key === "event")) ||
    (expr.kind === "payload" && expr.protocol === "tcp" && expr.field === "flags")
  );
}

/** The operator word of a match, or nothing where nft's implicit operator means the same. */
function printMatchOperator(match: NftMatch): string | undefined {
  switch (match.op) {
    case "in":
      // nft's implicit operator on a bitmask is exactly the JSON `in` test.
      return undefined;
    case "==":
      // Set lookups read the same either way; elsewhere `==` may only be left out where it cannot be read as `in`.
      if (match.right.kind === "set" || match.right.kind === "set reference") return undefined;
      if (match.left.kind === "binop" || match.right.kind === "list" || isBitmaskSelector(match.left)) return "==";
      return undefined;
    case "!=":
    case "<":
    case ">":
    case "<=":
    case ">=":
      return match.op;
    default:
      return assertNever(match.op);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------------------------

/** Prints one statement. */
export function printNftStatement(stmt: NftStatement): string {
  switch (stmt.kind) {
    case "match": {
      const op = printMatchOperator(stmt);
      return [printNftExpr(stmt.left), op, printNftExpr(stmt.right)].filter((w) => w !== undefined).join(" ");
    }
    case "accept":
    case "drop":
    case "continue":
    case "return":
    case "jump":
    case "goto":
      return printNftExpr(stmt);
    case "counter":
      return (stmt.packets ?? 0n) === 0n && (stmt.bytes ?? 0n) === 0n
        ? "counter"
        : `counter packets ${stmt.packets ?? 0n} bytes ${stmt.bytes ?? 0n}`;
    case "objref":
      switch (stmt.type) {
        case "counter":
        case "quota":
        case "limit":
          return `${stmt.type} name ${quoteNftString(stmt.name)}`;
        case "ct helper":
        case "ct timeout":
          return `${stmt.type} set ${quoteNftString(stmt.name)}`;
        default:
          return assertNever(stmt.type);
      }
    case "mangle":
      return `${printNftExpr(stmt.key)} set ${printNftExpr(stmt.value)}`;
    case "log":
      return printLog(stmt);
    case "reject":
      if (stmt.with === undefined) return "reject";
      return stmt.with.type === "tcp reset" ? "reject with tcp reset" : `reject with ${stmt.with.type} type ${stmt.with.code}`;
    case "limit":
      return (
        `limit rate ${stmt.over === true ? "over " : ""}${stmt.rate}${stmt.unit === "bytes" ? " bytes" : ""}/${stmt.per}` +
        (stmt.burst === undefined ? "" : ` burst ${stmt.burst} ${stmt.unit}`)
      );
    case "quota":
      return `quota ${stmt.over === true ? "over " : ""}${stmt.bytes} bytes${stmt.used === undefined ? "" : ` used ${stmt.used} bytes`}`;
    case "ct count":
      return `ct count ${stmt.over === true ? "over " : ""}${stmt.count}`;
    case "set": {
      const inner = [printNftExpr(stmt.elem), ...(stmt.stmts ?? []).map(printNftStatement)].join(" ");
      return `${stmt.op} @${printNftName(stmt.set)} { ${inner} }`;
    }
    case "meter":
      return `meter ${printNftName(stmt.name)}${stmt.size === undefined ? "" : ` size ${stmt.size}`} { ${printNftExpr(stmt.key)} ${printNftStatement(stmt.stmt)} }`;
    case "snat":
    case "dnat":
      return printNat(stmt);
    case "masquerade":
    case "redirect":
      return [stmt.kind, stmt.port === undefined ? undefined : `to :${printNftExpr(stmt.port)}`, stmt.flags?.join(",")]
        .filter((w) => w !== undefined && w !== "")
        .join(" ");
    case "tproxy":
      return [
        "tproxy",
        stmt.family,
        `to ${stmt.addr === undefined ? "" : printNatAddress(stmt.addr, stmt.port !== undefined)}${stmt.port === undefined ? "" : `:${printNftExpr(stmt.port)}`}`,
      ]
        .filter((w) => w !== undefined)
        .join(" ");
    case "queue":
      return [
        "queue",
        stmt.flags === undefined || stmt.flags.length === 0 ? undefined : `flags ${stmt.flags.join(",")}`,
        stmt.num === undefined ? undefined : `to ${printNftExpr(stmt.num)}`,
      ]
        .filter((w) => w !== undefined)
        .join(" ");
    case "dup":
      return `dup to ${printNftExpr(stmt.addr)}${stmt.dev === undefined ? "" : ` device ${printNftExpr(stmt.dev)}`}`;
    case "synproxy":
      return [
        "synproxy",
        stmt.mss === undefined ? undefined : `mss ${stmt.mss}`,
        stmt.wscale === undefined ? undefined : `wscale ${stmt.wscale}`,
        ...(stmt.flags ?? []),
      ]
        .filter((w) => w !== undefined)
        .join(" ");
    case "notrack":
      return "notrack";
    case "vmap":
      return `${printNftExpr(stmt.key)} vmap ${printNftExpr(stmt.data)}`;
    case "raw":
      return stmt.text;
    default:
      return assertNever(stmt);
  }
}

/** `log prefix "…" level … group … snaplen … queue-threshold … flags …`; each flag gets its own `flags` word. */
function printLog(log: NftLog): string {
  return [
    "log",
    log.prefix === undefined ? undefined : `prefix ${quoteNftString(log.prefix)}`,
    log.level === undefined ? undefined : `level ${log.level}`,
    log.group === undefined ? undefined : `group ${log.group}`,
    log.snaplen === undefined ? undefined : `snaplen ${log.snaplen}`,
    log.queueThreshold === undefined ? undefined : `queue-threshold ${log.queueThreshold}`,
    ...(log.flags ?? []).map((flag) => `flags ${flag}`),
  ]
    .filter((w) => w !== undefined)
    .join(" ");
}

/** `snat ip prefix to ADDR:PORT flags`. */
function printNat(nat: NftNat): string {
  const target =
    nat.addr === undefined && nat.port === undefined
      ? undefined
      : `to ${nat.addr === undefined ? "" : printNatAddress(nat.addr, nat.port !== undefined)}${nat.port === undefined ? "" : `:${printNftExpr(nat.port)}`}`;
  return [nat.kind, nat.family, nat.prefix === true ? "prefix" : undefined, target, nat.flags?.join(",")]
    .filter((w) => w !== undefined && w !== "")
    .join(" ");
}

/** A NAT or tproxy address; IPv6 literals go in brackets when a `:port` follows, so the colons stay unambiguous. */
function printNatAddress(addr: NftExpr, portFollows: boolean): string {
  if (!portFollows) return printNftExpr(addr);
  if (addr.kind === "symbol" && addr.value.includes(":")) return `[${addr.value}]`;
  if (addr.kind === "range") return `${printNatAddress(addr.low, true)}-${printNatAddress(addr.high, true)}`;
  return printNftExpr(addr);
}

// ---------------------------------------------------------------------------------------------------------------
// Rules, chains, sets, objects, tables
// ---------------------------------------------------------------------------------------------------------------

/** `# text` lines, one per line of each comment. */
function printLeadingComments(comments: readonly string[] | undefined, indent: string): string[] {
  return (comments ?? []).flatMap((c) => c.split("\n")).map((line) => `${indent}#${line === "" ? "" : ` ${line}`}`);
}

/** One rule: its `#` lines, then its statements (counter included) and comment on one line. */
export function printNftRule(rule: NftRule, indent = ""): string {
  let body = "";
  for (const s of ruleStatements(rule)) body = body === "" ? printNftStatement(s) : `${body} ${printNftStatement(s)}`;
  const line = rule.comment === undefined ? `${indent}${body}` : `${indent}${body} comment ${quoteNftString(rule.comment)}`;
  if (rule.leadingComments === undefined || rule.leadingComments.length === 0) return line;
  return [...printLeadingComments(rule.leadingComments, indent), line].join("\n");
}

/** Standard priority names of the ip, ip6 and inet families, with the hooks nft 1.0.6 accepts each on. */
const standardPriorities: readonly { readonly name: string; readonly value: number; readonly hooks?: readonly NftHook[] }[] = [
  { name: "raw", value: -300 },
  { name: "mangle", value: -150 },
  { name: "dstnat", value: -100, hooks: ["prerouting"] },
  { name: "filter", value: 0 },
  { name: "security", value: 50 },
  { name: "srcnat", value: 100, hooks: ["postrouting"] },
];

/** A chain priority: its standard name when one valid on the hook has exactly this value, else the number. */
export function printNftPriority(priority: number, hook: NftHook): string {
  const named = standardPriorities.find((p) => p.value === priority && (p.hooks === undefined || p.hooks.includes(hook)));
  return named?.name ?? String(priority);
}

/** `type nat hook prerouting priority dstnat; policy accept;` */
function printBaseChain(base: NftBaseChain): string {
  const policy = base.policy === undefined ? "" : ` policy ${base.policy};`;
  return `type ${base.type} hook ${base.hook} priority ${printNftPriority(base.priority, base.hook)};${policy}`;
}

/** One chain block. */
export function printNftChain(chain: NftChain, indent = "\t"): string {
  const inner = `${indent}\t`;
  return [
    ...printLeadingComments(chain.leadingComments, indent),
    `${indent}chain ${printNftName(chain.name)} {`,
    ...(chain.comment === undefined ? [] : [`${inner}comment ${quoteNftString(chain.comment)}`]),
    ...(chain.base === undefined ? [] : [`${inner}${printBaseChain(chain.base)}`]),
    ...(chain.rules.length === 0 ? [] : [chain.rules.map((rule) => printNftRule(rule, inner)).join("\n")]),
    ...printLeadingComments(chain.trailingComments, inner),
    `${indent}}`,
  ].join("\n");
}

/** The lines shared by set and map blocks after the type line. */
function printSetProperties(set: NftSet | NftMap, inner: string): string[] {
  return [
    ...(set.size === undefined ? [] : [`${inner}size ${set.size}`]),
    ...(set.flags === undefined || set.flags.length === 0 ? [] : [`${inner}flags ${set.flags.join(",")}`]),
    ...(set.timeout === undefined ? [] : [`${inner}timeout ${set.timeout}s`]),
    ...(set.gcInterval === undefined ? [] : [`${inner}gc-interval ${set.gcInterval}s`]),
    ...(set.policy === undefined ? [] : [`${inner}policy ${set.policy}`]),
    ...(set.kind === "set" && set.counter === true ? [`${inner}counter`] : []),
    ...(set.comment === undefined ? [] : [`${inner}comment ${quoteNftString(set.comment)}`]),
  ];
}

/** One named set or map block. */
export function printNftSet(set: NftSet | NftMap, indent = "\t"): string {
  const inner = `${indent}\t`;
  const type = set.type.join(" . ") + (set.kind === "map" ? ` : ${set.map}` : "");
  const elements = set.elements === undefined || set.elements.length === 0 ? [] : [`${inner}elements = { ${set.elements.map(printNftExpr).join(", ")} }`];
  return [`${indent}${set.kind} ${printNftName(set.name)} {`, `${inner}type ${type}`, ...printSetProperties(set, inner), ...elements, `${indent}}`].join(
    "\n",
  );
}

/** One named object block. */
export function printNftObject(object: NftObject, indent = "\t"): string {
  const inner = `${indent}\t`;
  const head = `${indent}${object.kind} ${printNftName(object.name)} {`;
  switch (object.kind) {
    case "ct helper":
      return [
        head,
        `${inner}type ${quoteNftString(object.type)} protocol ${object.protocol}`,
        ...(object.l3proto === undefined ? [] : [`${inner}l3proto ${object.l3proto}`]),
        `${indent}}`,
      ].join("\n");
    case "counter":
      return [
        head,
        ...(object.comment === undefined ? [] : [`${inner}comment ${quoteNftString(object.comment)}`]),
        `${inner}packets ${object.packets ?? 0n} bytes ${object.bytes ?? 0n}`,
        `${indent}}`,
      ].join("\n");
    case "quota":
      return [
        head,
        `${inner}${object.over === true ? "over " : ""}${object.bytes} bytes${object.used === undefined ? "" : ` used ${object.used} bytes`}`,
        `${indent}}`,
      ].join("\n");
    case "limit":
      return [
        head,
        `${inner}rate ${object.over === true ? "over " : ""}${object.rate}${object.unit === "bytes" ? " bytes" : ""}/${object.per}` +
          (object.burst === undefined ? "" : ` burst ${object.burst} ${object.unit}`),
        `${indent}}`,
      ].join("\n");
    case "ct timeout": {
      // A policy is an unordered record: sorted, so the output does not depend on how it was built.
      const policy = Object.entries(object.policy)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([state, seconds]) => `${state} : ${seconds}`)
        .join(", ");
      return [
        head,
        `${inner}protocol ${object.protocol}`,
        ...(object.l3proto === undefined ? [] : [`${inner}l3proto ${object.l3proto}`]),
        `${inner}policy = { ${policy} }`,
        `${indent}}`,
      ].join("\n");
    }
    default:
      return assertNever(object);
  }
}

/** One table block: comment, objects, sets, maps, chains, separated by blank lines as `nft list` does. */
export function printNftTable(table: NftTable): string {
  const blocks = [
    ...table.objects.map((o) => printNftObject(o)),
    ...table.sets.map((s) => printNftSet(s)),
    ...table.maps.map((m) => printNftSet(m)),
    ...table.chains.map((c) => printNftChain(c)),
  ];
  const comment = table.comment === undefined ? [] : [`\tcomment ${quoteNftString(table.comment)}`];
  const body = [...comment, blocks.join("\n\n")].filter((part) => part !== "").join("\n");
  return [
    ...printLeadingComments(table.leadingComments, ""),
    `table ${table.family} ${printNftName(table.name)} {`,
    ...(body === "" ? [] : [body]),
    "}",
  ].join("\n");
}

/** `table ip X {}` then `delete table ip X`: removes the table whether or not it existed, inside the same transaction. */
function printReplacePreamble(family: NftFamily, name: string): string {
  return `table ${family} ${printNftName(name)} {\n}\ndelete table ${family} ${printNftName(name)}`;
}

/**
 * Prints a ruleset as an `nft -f` file. The output never flushes anything by itself; with
 * `preamble: "replace-tables"` it replaces exactly the tables it defines.
 *
 * @example
 * ```ts
 * const table: NftTable = {
 *   kind: "table", family: "ip", name: "filter", objects: [], sets: [], maps: [],
 *   chains: [{
 *     kind: "chain", name: "INPUT", base: { type: "filter", hook: "input", priority: 0, policy: "accept" },
 *     rules: [{ kind: "rule", exprs: [
 *       { kind: "match", op: "==", left: { kind: "payload", protocol: "tcp", field: "dport" }, right: { kind: "number", value: 22 } },
 *       { kind: "accept" },
 *     ] }],
 *   }],
 * };
 * const text = printNftText({ kind: "ruleset", tables: [table] }, { preamble: "replace-tables" });
 * // table ip filter {
 * // }
 * // delete table ip filter
 * // table ip filter {
 * // 	chain INPUT {
 * // 		type filter hook input priority filter; policy accept;
 * // 		tcp dport 22 accept
 * // 	}
 * // }
 * ```
 */
export function printNftText(ruleset: NftRuleset, options: NftPrintOptions = {}): string {
  const preamble = options.preamble === "replace-tables" ? ruleset.tables.map((t) => printReplacePreamble(t.family, t.name)) : [];
  const parts = [...preamble, ...ruleset.tables.map(printNftTable)];
  return parts.length === 0 ? "" : `${parts.join("\n")}\n`;
}
