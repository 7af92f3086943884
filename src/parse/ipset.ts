/**
 * Parsing `ipset save` output (what `ipset restore` reads) into the typed ipset AST, with the checks ipset
 * and the kernel would make: sets declared once and before use, members that fit the set's type and
 * family, numbers in range, options the set type and its extensions allow.
 * @module
 */
import type { Diagnostic, DiagnosticCode, Result, Span } from "../diagnostic/index.js";
import { hasErrors } from "../diagnostic/index.js";
import { type Family, familyBits, formatIP, parseAddressMatch, parseIP, prefixMask } from "../ast/address.js";
import {
  type IpsetAddressRange,
  type IpsetCreateOptionName,
  type IpsetCreateOptions,
  type IpsetDimension,
  type IpsetIcmpPart,
  ipsetIcmpNames,
  ipsetIcmpv6Names,
  type IpsetListPosition,
  type IpsetMember,
  type IpsetMethod,
  type IpsetPart,
  type IpsetPortProtocol,
  type IpsetPortRange,
  type IpsetSave,
  type IpsetSet,
  type IpsetSkbMark,
  type IpsetSkbPrio,
  type IpsetType,
  type IpsetTypeInfo,
  type IpsetTypeName,
  ipsetTypeName,
  ipsetTypes,
} from "../ast/ipset.js";
import { portByService, protocolByName } from "../ast/names.js";
import type { TextRange } from "./build.js";
import { parse as peggyParse, SyntaxError as PeggySyntaxError } from "./generated/ipset-save-parser.js";
import { type IpsetAddRaw, type IpsetCreateRaw, type IpsetElementPartRaw, ipsetGrammarBuilder, type IpsetSaveRaw, type IpsetWordRaw } from "./ipset-build.js";
import { LineIndex } from "./lines.js";
import { syntaxErrorDiagnostic } from "./syntax-error.js";

/**
 * Options for {@link parseIpsetSave}.
 *
 * @example
 * ```ts
 * const options: IpsetParseOptions = { file: "sets.save" };
 * const { diagnostics } = parseIpsetSave("create s hash:ip\nadd t 10.0.0.1\n", options);
 * formatDiagnostic(diagnostics[0]!); // "sets.save:2:5: error: set t is not created before this add [undeclared-set]"
 * ```
 */
export interface IpsetParseOptions {
  /** Name of the input, used in diagnostics. */
  readonly file?: string;
}

/** Longest set name the kernel takes (IPSET_MAXNAMELEN is 32 with the terminating NUL). */
const maxSetNameLength = 31;
/** Longest member comment the kernel stores (IPSET_MAX_COMMENT_SIZE). */
const maxCommentLength = 255;
/** Largest timeout ipset accepts, in seconds (UINT_MAX / MSEC_PER_SEC in the kernel). */
const maxTimeout = 2147483;
/** Longest interface name (IFNAMSIZ without the NUL). */
const maxIfaceLength = 15;
/** Most members a bitmap set can have. */
const maxBitmapMembers = 65536;

const assertNever = (x: never): never => {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
};

/** Why a word was refused: the diagnostic code and message, located by the caller. */
class Refusal {
  constructor(
    readonly code: DiagnosticCode,
    readonly message: string,
  ) {}
}

/** Parses a C unsigned number as strtoull with base 0 does: `0x` hex, leading-0 octal, else decimal. */
function parseCNumber(text: string): bigint | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return BigInt(text);
  if (/^0[0-7]+$/.test(text)) return BigInt(`0o${text.slice(1)}`);
  if (/^\d+$/.test(text)) return BigInt(text);
  return undefined;
}

/** A number in `[min, max]` (at most 2^53), or a refusal naming `what`. */
function parseNumberIn(text: string, min: number, max: number, what: string): number | Refusal {
  const n = parseCNumber(text);
  if (n === undefined) return new Refusal("bad-value", `"${text}" is not a valid ${what}`);
  if (n < BigInt(min) || n > BigInt(max)) return new Refusal("bad-value", `${what} ${text} is out of range (${min}-${max})`);
  return Number(n);
}

/** An unsigned 64-bit number (packet and byte counters). */
function parseU64(text: string, what: string): bigint | Refusal {
  const n = parseCNumber(text);
  if (n === undefined) return new Refusal("bad-value", `"${text}" is not a valid ${what}`);
  if (n > 0xffffffffffffffffn) return new Refusal("bad-value", `${what} ${text} is out of range (0-18446744073709551615)`);
  return n;
}

const methods: readonly IpsetMethod[] = ["hash", "bitmap", "list"];
const dimensions: readonly IpsetDimension[] = ["ip", "net", "port", "iface", "mark", "mac", "set"];

function isMethod(text: string): text is IpsetMethod {
  return (methods as readonly string[]).includes(text);
}

function isDimension(text: string): text is IpsetDimension {
  return (dimensions as readonly string[]).includes(text);
}

/** What each set type's member looks like, for messages: ipset's own help strings. */
const elementSyntax: Readonly<Record<IpsetDimension, string>> = {
  ip: "IP",
  net: "IP[/CIDR]",
  port: "[PROTO:]PORT",
  iface: "[physdev:]IFACE",
  mark: "MARK",
  mac: "MAC",
  set: "SETNAME",
};

/** The per-member options `add` takes, and what each needs of the set. */
type AddOptionName = "timeout" | "nomatch" | "wildcard" | "packets" | "bytes" | "comment" | "skbmark" | "skbprio" | "skbqueue" | "before" | "after";
const addOptionArity: Readonly<Record<AddOptionName, 0 | 1>> = {
  timeout: 1,
  nomatch: 0,
  wildcard: 0,
  packets: 1,
  bytes: 1,
  comment: 1,
  skbmark: 1,
  skbprio: 1,
  skbqueue: 1,
  before: 1,
  after: 1,
};

function isAddOption(text: string): text is AddOptionName {
  return Object.hasOwn(addOptionArity, text);
}

const createOptionArity: Readonly<Record<IpsetCreateOptionName, 0 | 1>> = {
  family: 1,
  range: 1,
  markmask: 1,
  hashsize: 1,
  maxelem: 1,
  netmask: 1,
  bitmask: 1,
  size: 1,
  timeout: 1,
  counters: 0,
  comment: 0,
  forceadd: 0,
  skbinfo: 0,
  bucketsize: 1,
  initval: 1,
};

function isCreateOption(text: string): text is IpsetCreateOptionName {
  return Object.hasOwn(createOptionArity, text);
}

/** An option word with its argument, as collected before interpretation. */
interface OptionUse<N extends string> {
  readonly name: N;
  readonly word: IpsetWordRaw;
  readonly arg: IpsetWordRaw | undefined;
}

/** A set being assembled: what later `add` lines need to know about it. */
interface SetInProgress {
  readonly typeName: IpsetTypeName;
  readonly info: IpsetTypeInfo;
  readonly set: Omit<IpsetSet, "members">;
  readonly members: IpsetMember[];
  readonly line: number;
}

/** Puts the lines of one file together into sets, collecting every problem it finds. */
class IpsetSaveAssembler {
  readonly diagnostics: Diagnostic[] = [];
  private readonly sets = new Map<string, SetInProgress>();
  /** Sets whose `create` line was refused: their `add` lines are skipped without more errors. */
  private readonly refusedSets = new Set<string>();

  constructor(
    private readonly lines: LineIndex,
    private readonly file: string | undefined,
  ) {}

  private span(r: TextRange): Span {
    return this.lines.span(r.start, r.end);
  }

  private report(code: DiagnosticCode, message: string, r: TextRange): void {
    this.diagnostics.push({ severity: "error", code, message, span: this.span(r), ...(this.file === undefined ? {} : { file: this.file }) });
  }

  private refuse(refusal: Refusal, r: TextRange): void {
    this.report(refusal.code, refusal.message, r);
  }

  assemble(raw: IpsetSaveRaw): IpsetSave {
    for (const line of raw.lines) {
      if (line === null) continue;
      switch (line.t) {
        case "comment":
          break;
        case "create":
          this.create(line);
          break;
        case "add":
          this.add(line);
          break;
        default:
          assertNever(line);
      }
    }
    const sets = [...this.sets.values()].map((s): IpsetSet => ({ ...s.set, members: s.members }));
    return { kind: "ipset-save", sets, span: this.span(raw) };
  }

  // ------------------------------------------------------------------ create

  private create(line: IpsetCreateRaw): void {
    const name = line.name.text;
    const existing = this.sets.get(name);
    if (existing !== undefined || this.refusedSets.has(name)) {
      const where = existing === undefined ? "" : ` (first created on line ${existing.line})`;
      this.report("duplicate-set", `set ${name} is created twice${where}`, line.name);
      return;
    }
    if (name.length > maxSetNameLength) {
      this.report("bad-value", `set name ${name} is longer than ${maxSetNameLength} characters`, line.name);
      this.refusedSets.add(name);
      return;
    }
    const setType = this.setType(line);
    if (setType === undefined) {
      this.refusedSets.add(name);
      return;
    }
    const options = this.createOptions(line, setType.typeName, setType.info);
    if (options === undefined) {
      this.refusedSets.add(name);
      return;
    }
    const set: Omit<IpsetSet, "members"> = {
      kind: "ipset",
      name,
      setType: { method: setType.info.method, dims: setType.info.dims },
      ...(options.family === undefined ? {} : { family: options.family }),
      options: options.options,
      span: this.span(line),
    };
    this.sets.set(name, { typeName: setType.typeName, info: setType.info, set, members: [], line: this.lines.position(line.start).line });
  }

  private setType(line: IpsetCreateRaw): { typeName: IpsetTypeName; info: IpsetTypeInfo } | undefined {
    const raw = line.type;
    const text = `${raw.method}:${raw.dims.join(",")}`;
    if (!isMethod(raw.method)) {
      this.report("bad-value", `unknown set type ${text}: the method must be hash, bitmap or list`, raw);
      return undefined;
    }
    const dims: IpsetDimension[] = [];
    for (const d of raw.dims) {
      if (!isDimension(d)) {
        this.report("bad-value", `unknown set type ${text}: ${d} is not a data type (ip, net, port, iface, mark, mac, set)`, raw);
        return undefined;
      }
      dims.push(d);
    }
    const t: IpsetType = { method: raw.method, dims };
    const typeName = ipsetTypeName(t);
    if (typeName === undefined) {
      this.report("bad-value", `unknown set type ${text}`, raw);
      return undefined;
    }
    return { typeName, info: ipsetTypes[typeName] };
  }

  /** Collects option words and their arguments, reporting unknown, repeated and argument-less options. */
  private collect<N extends string>(words: readonly IpsetWordRaw[], known: (text: string) => text is N, arity: Readonly<Record<N, 0 | 1>>, unknown: (w: IpsetWordRaw) => string): OptionUse<N>[] | undefined {
    const uses: OptionUse<N>[] = [];
    let ok = true;
    for (let i = 0; i < words.length; i++) {
      const word = words[i];
      if (word === undefined) break;
      if (!known(word.text)) {
        this.report("unknown-option", unknown(word), word);
        ok = false;
        continue;
      }
      const name = word.text;
      if (uses.some((u) => u.name === name)) {
        this.report("duplicate-option", `option ${name} is given twice`, word);
        ok = false;
      }
      let arg: IpsetWordRaw | undefined;
      if (arity[name] === 1) {
        arg = words[i + 1];
        if (arg === undefined) {
          this.report("missing-argument", `option ${name} needs a value`, word);
          ok = false;
          continue;
        }
        i++;
      }
      uses.push({ name, word, arg });
    }
    return ok ? uses : undefined;
  }

  private createOptions(line: IpsetCreateRaw, typeName: IpsetTypeName, info: IpsetTypeInfo): { family: Family | undefined; options: IpsetCreateOptions } | undefined {
    const uses = this.collect(line.words, isCreateOption, createOptionArity, (w) =>
      isAddOption(w.text) ? `${w.text} is an option of add, not of create` : `unknown create option ${w.text}`,
    );
    if (uses === undefined) return undefined;
    let ok = true;
    for (const u of uses) {
      if (!info.createOptions.includes(u.name)) {
        this.report("unknown-option", `${u.name} is not an option of ${typeName} sets`, u.word);
        ok = false;
      }
    }
    if (!ok) return undefined;
    const use = (name: IpsetCreateOptionName): OptionUse<IpsetCreateOptionName> | undefined => uses.find((u) => u.name === name);
    const value = (name: IpsetCreateOptionName): IpsetWordRaw | undefined => use(name)?.arg;

    // The family comes first: the range, netmask and bitmask are read in it.
    let family: Family | undefined = info.family === "none" ? undefined : "ipv4";
    const familyWord = value("family");
    if (familyWord !== undefined) {
      if (familyWord.text === "inet" || familyWord.text === "ipv4") family = "ipv4";
      else if (familyWord.text === "inet6" || familyWord.text === "ipv6") family = "ipv6";
      else {
        this.report("bad-value", `family must be inet or inet6, not ${familyWord.text}`, familyWord);
        ok = false;
      }
    }
    const bits = family === undefined ? 32 : familyBits(family);

    const number = (name: IpsetCreateOptionName, min: number, max: number): number | undefined => {
      const w = value(name);
      if (w === undefined) return undefined;
      const n = parseNumberIn(w.text, min, max, name);
      if (n instanceof Refusal) {
        this.refuse(n, w);
        ok = false;
        return undefined;
      }
      return n;
    };
    const hashsize = number("hashsize", 1, 0xffffffff);
    const maxelem = number("maxelem", 1, 0xffffffff);
    const bucketsize = number("bucketsize", 1, 255);
    const initval = number("initval", 0, 0xffffffff);
    const size = number("size", 0, 0xffffffff);
    const timeout = number("timeout", 0, maxTimeout);
    const markmask = number("markmask", 1, 0xffffffff);
    const netmask = number("netmask", 1, bits);

    let bitmask: string | undefined;
    const bitmaskWord = value("bitmask");
    if (bitmaskWord !== undefined) {
      const ip = parseIP(bitmaskWord.text);
      if (ip === undefined) {
        this.report("bad-value", `bitmask ${bitmaskWord.text} is not an address`, bitmaskWord);
        ok = false;
      } else if (ip.family !== family) {
        this.report("family-mismatch", `bitmask ${bitmaskWord.text} is not an ${family ?? "ipv4"} address`, bitmaskWord);
        ok = false;
      } else {
        bitmask = formatIP(ip.family, ip.value);
      }
      const netmaskUse = use("netmask");
      if (netmaskUse !== undefined) {
        this.report("conflicting-options", "bitmask and netmask are mutually exclusive", netmaskUse.word);
        ok = false;
      }
    }

    let range: IpsetAddressRange | IpsetPortRange | undefined;
    if (info.createOptions.includes("range")) {
      const rangeWord = value("range");
      if (rangeWord === undefined) {
        this.report("missing-option", `${typeName} sets need a range`, line.type);
        ok = false;
      } else {
        const r = info.dims[0] === "port" ? parseBitmapPortRange(rangeWord.text) : parseBitmapAddressRange(rangeWord.text);
        if (r instanceof Refusal) {
          this.refuse(r, rangeWord);
          ok = false;
        } else {
          range = r;
          if (r.kind === "ip-range") {
            const from = parseIP(r.from)?.value ?? 0n;
            const to = parseIP(r.to)?.value ?? 0n;
            const members = ((to - from) >> BigInt(32 - (netmask ?? 32))) + 1n;
            if (members > BigInt(maxBitmapMembers)) {
              this.report("bad-value", `range ${rangeWord.text} holds ${members} members; a bitmap holds at most ${maxBitmapMembers}`, rangeWord);
              ok = false;
            }
          }
        }
      }
    }
    if (!ok) return undefined;
    const has = (name: IpsetCreateOptionName): boolean => use(name) !== undefined;
    const options: IpsetCreateOptions = {
      ...(range === undefined ? {} : { range }),
      ...(markmask === undefined ? {} : { markmask }),
      ...(hashsize === undefined ? {} : { hashsize }),
      ...(maxelem === undefined ? {} : { maxelem }),
      ...(netmask === undefined ? {} : { netmask }),
      ...(bitmask === undefined ? {} : { bitmask }),
      ...(size === undefined ? {} : { size }),
      ...(timeout === undefined ? {} : { timeout }),
      counters: has("counters"),
      comment: has("comment"),
      forceadd: has("forceadd"),
      skbinfo: has("skbinfo"),
      ...(bucketsize === undefined ? {} : { bucketsize }),
      ...(initval === undefined ? {} : { initval }),
    };
    return { family, options };
  }

  // ------------------------------------------------------------------ add

  private add(line: IpsetAddRaw): void {
    const target = this.sets.get(line.name.text);
    if (target === undefined) {
      if (!this.refusedSets.has(line.name.text)) this.report("undeclared-set", `set ${line.name.text} is not created before this add`, line.name);
      return;
    }
    const parts = this.elementParts(line, target);
    const options = this.memberOptions(line, target);
    if (parts === undefined || options === undefined) return;
    target.members.push({ kind: "member", parts, ...options, span: this.span(line) });
  }

  private elementParts(line: IpsetAddRaw, target: SetInProgress): IpsetPart[] | undefined {
    const { info, typeName } = target;
    const raw = line.element.parts;
    const min = info.optionalLastPart ? info.dims.length - 1 : info.dims.length;
    // A list:set member is a set name, which may itself contain commas.
    const partsRaw: readonly IpsetElementPartRaw[] =
      info.dims[0] === "set" ? [{ start: line.element.start, end: line.element.end, text: raw.map((p) => p.text).join(",") }] : raw;
    if (partsRaw.length < min || partsRaw.length > info.dims.length) {
      const syntax = info.dims.map((d) => elementSyntax[d]).join(",");
      this.report("bad-value", `a member of ${typeName} set ${line.name.text} is ${syntax}, not ${partsRaw.map((p) => p.text).join(",")}`, line.element);
      return undefined;
    }
    const parts: IpsetPart[] = [];
    let ok = true;
    for (const [i, p] of partsRaw.entries()) {
      const part = this.elementPart(p, info.dims[i] ?? "ip", target);
      if (part instanceof Refusal) {
        this.refuse(part, p);
        ok = false;
      } else {
        parts.push(part);
      }
    }
    return ok ? parts : undefined;
  }

  private elementPart(p: IpsetElementPartRaw, dim: IpsetDimension, target: SetInProgress): IpsetPart | Refusal {
    const span = this.span(p);
    switch (dim) {
      case "ip":
      case "net":
        return parseAddressPart(p.text, dim, target, span);
      case "port":
        return target.info.method === "bitmap" ? parseBitmapPortPart(p.text, target, span) : parsePortPart(p.text, target.set.family ?? "ipv4", span);
      case "iface":
        return parseIfacePart(p.text, span);
      case "mark": {
        const n = parseNumberIn(p.text, 0, 0xffffffff, "mark");
        // The kernel stores the mark ANDed with the set's markmask, so the AST does too.
        return n instanceof Refusal ? n : { kind: "mark", value: (n & (target.set.options.markmask ?? 0xffffffff)) >>> 0, span };
      }
      case "mac":
        return parseMacPart(p.text, target, span);
      case "set": {
        const member = this.sets.get(p.text);
        if (member === undefined) return new Refusal("undeclared-set", `set ${p.text} is not created before it is added to ${target.set.name}`);
        if (member.info.method === "list") return new Refusal("bad-value", `${p.text} is a list:set, and a list:set cannot hold another list:set`);
        if (p.text === target.set.name) return new Refusal("bad-value", `set ${p.text} cannot hold itself`);
        return { kind: "set", name: p.text, span };
      }
      default:
        return assertNever(dim);
    }
  }

  private memberOptions(line: IpsetAddRaw, target: SetInProgress): Omit<IpsetMember, "kind" | "parts" | "span"> | undefined {
    const { info, typeName, set } = target;
    const uses = this.collect(line.words, isAddOption, addOptionArity, (w) =>
      isCreateOption(w.text) ? `${w.text} is an option of create, not of add` : `unknown add option ${w.text}`,
    );
    if (uses === undefined) return undefined;
    let ok = true;
    const needs = (u: OptionUse<AddOptionName>, have: boolean, extension: string): boolean => {
      if (have) return true;
      this.report("conflicting-options", `${u.name} needs a set created with ${extension}, and ${set.name} was not`, u.word);
      ok = false;
      return false;
    };
    let timeout: number | undefined;
    let packets: bigint | undefined;
    let bytes: bigint | undefined;
    let comment: string | undefined;
    let skbmark: IpsetSkbMark | undefined;
    let skbprio: IpsetSkbPrio | undefined;
    let skbqueue: number | undefined;
    let position: IpsetListPosition | undefined;
    let nomatch = false;
    let wildcard = false;
    const take = <T>(u: OptionUse<AddOptionName>, parse: (text: string) => T | Refusal): T | undefined => {
      if (u.arg === undefined) return undefined;
      const v = parse(u.arg.text);
      if (v instanceof Refusal) {
        this.refuse(v, u.arg);
        ok = false;
        return undefined;
      }
      return v;
    };
    for (const u of uses) {
      switch (u.name) {
        case "timeout":
          if (needs(u, set.options.timeout !== undefined, "timeout")) timeout = take(u, (t) => parseNumberIn(t, 0, maxTimeout, "timeout"));
          break;
        case "nomatch":
          if (info.nomatch) nomatch = true;
          else {
            this.report("unknown-option", `nomatch is not an option of ${typeName} members`, u.word);
            ok = false;
          }
          break;
        case "wildcard":
          if (info.wildcard) wildcard = true;
          else {
            this.report("unknown-option", `wildcard is not an option of ${typeName} members`, u.word);
            ok = false;
          }
          break;
        case "packets":
          if (needs(u, set.options.counters, "counters")) packets = take(u, (t) => parseU64(t, "packets"));
          break;
        case "bytes":
          if (needs(u, set.options.counters, "counters")) bytes = take(u, (t) => parseU64(t, "bytes"));
          break;
        case "comment":
          if (needs(u, set.options.comment, "comment"))
            comment = take(u, (t) =>
              t.length > maxCommentLength ? new Refusal("bad-value", `comment is ${t.length} characters long; ipset keeps at most ${maxCommentLength}`) : t,
            );
          break;
        case "skbmark":
          if (needs(u, set.options.skbinfo, "skbinfo")) skbmark = take(u, parseSkbMark);
          break;
        case "skbprio":
          if (needs(u, set.options.skbinfo, "skbinfo")) skbprio = take(u, parseSkbPrio);
          break;
        case "skbqueue":
          if (needs(u, set.options.skbinfo, "skbinfo")) skbqueue = take(u, (t) => parseNumberIn(t, 0, 0xffff, "skbqueue"));
          break;
        case "before":
        case "after": {
          if (info.method !== "list") {
            this.report("unknown-option", `${u.name} is an option of list:set members only`, u.word);
            ok = false;
            break;
          }
          if (position !== undefined) {
            this.report("conflicting-options", "before and after are mutually exclusive", u.word);
            ok = false;
            break;
          }
          const relation = u.name;
          position = take(u, (t) =>
            target.members.some((m) => m.parts[0]?.kind === "set" && m.parts[0].name === t)
              ? { relation, set: t }
              : new Refusal("bad-value", `${t} is not a member of ${set.name}, so nothing can go ${relation} it`),
          );
          break;
        }
        default:
          assertNever(u.name);
      }
    }
    if (!ok) return undefined;
    return {
      ...(position === undefined ? {} : { position }),
      ...(timeout === undefined ? {} : { timeout }),
      nomatch,
      wildcard,
      ...(packets === undefined ? {} : { packets }),
      ...(bytes === undefined ? {} : { bytes }),
      ...(comment === undefined ? {} : { comment }),
      ...(skbmark === undefined ? {} : { skbmark }),
      ...(skbprio === undefined ? {} : { skbprio }),
      ...(skbqueue === undefined ? {} : { skbqueue }),
    };
  }
}

// ------------------------------------------------------------------ element parts

function familyWord(f: Family): string {
  return f === "ipv4" ? "inet" : "inet6";
}

function parseAddressPart(text: string, dim: "ip" | "net", target: SetInProgress, span: Span): IpsetPart | Refusal {
  const family = target.set.family ?? "ipv4";
  const fits = (f: Family, shown: string): Refusal | undefined =>
    f === family ? undefined : new Refusal("family-mismatch", `${shown} is an ${f} address, but set ${target.set.name} holds ${family} addresses (family ${familyWord(family)})`);
  const dash = text.indexOf("-");
  if (dash !== -1) {
    const fromText = text.slice(0, dash);
    const toText = text.slice(dash + 1);
    const from = parseIP(fromText);
    const to = parseIP(toText);
    if (from === undefined) return new Refusal("bad-value", `"${fromText}" is not an IPv4 or IPv6 address (hostnames are not resolved)`);
    if (to === undefined) return new Refusal("bad-value", `"${toText}" is not an IPv4 or IPv6 address (hostnames are not resolved)`);
    const mismatch = fits(from.family, fromText) ?? fits(to.family, toText);
    if (mismatch !== undefined) return mismatch;
    if (family === "ipv6") return new Refusal("bad-value", `address ranges are IPv4 only; write ${text} as networks`);
    // The kernel swaps a reversed range rather than refusing it.
    const [lo, hi] = from.value <= to.value ? [from.value, to.value] : [to.value, from.value];
    const range = { kind: "ip-range" as const, family, from: formatIP(family, lo), to: formatIP(family, hi), span };
    const outside = bitmapOutside(target, lo, hi, text);
    return outside ?? range;
  }
  const slash = text.indexOf("/");
  if (slash !== -1 && !/^\d{1,3}$/.test(text.slice(slash + 1))) return new Refusal("bad-value", `"${text.slice(slash + 1)}" is not a prefix length`);
  const parsed = parseAddressMatch(text);
  if (typeof parsed === "string") return new Refusal("bad-value", parsed);
  if (parsed.kind !== "prefix") return new Refusal("bad-value", `${text} has a netmask; ipset takes a prefix length`);
  const mismatch = fits(parsed.family, text.slice(0, slash === -1 ? undefined : slash));
  if (mismatch !== undefined) return mismatch;
  const bits = familyBits(family);
  if (parsed.length === 0 && dim === "net" && target.typeName !== "hash:net,port,net")
    return new Refusal("bad-value", `a network with prefix length 0 cannot be stored in a ${target.typeName} set`);
  if (dim === "ip" && family === "ipv6" && parsed.length !== bits)
    return new Refusal("bad-value", `${text}: IPv6 networks cannot be added to an ip part (only IPv4 ones, which the kernel expands)`);
  const value = parseIP(parsed.address)?.value ?? 0n;
  if (target.typeName === "hash:ip" && parsed.length === bits && value === 0n) return new Refusal("bad-value", "the zero address cannot be stored in a hash:ip set");
  if (target.info.method === "bitmap") {
    const outside = bitmapOutside(target, value, value | (prefixMask(family, parsed.length) ^ prefixMask(family, bits)), text);
    if (outside !== undefined) return outside;
  }
  // A set with a netmask or bitmask stores addresses with those bits only (and save prints them so).
  const { netmask, bitmask } = target.set.options;
  const storeMask = netmask !== undefined ? prefixMask(family, netmask) : bitmask !== undefined ? parseIP(bitmask)?.value : undefined;
  const address = storeMask === undefined ? parsed : { ...parsed, address: formatIP(family, value & storeMask) };
  return { kind: "ip", address, span };
}

/** A refusal when a bitmap:ip member lies outside the set's range. */
function bitmapOutside(target: SetInProgress, lo: bigint, hi: bigint, text: string): Refusal | undefined {
  const range = target.set.options.range;
  if (range?.kind !== "ip-range") return undefined;
  const from = parseIP(range.from)?.value ?? 0n;
  const to = parseIP(range.to)?.value ?? 0n;
  if (lo >= from && hi <= to) return undefined;
  return new Refusal("bad-value", `${text} is outside the range ${range.from}-${range.to} of set ${target.set.name}`);
}

/** Parses `FROM-TO` or `IP/CIDR` as the range of a bitmap:ip or bitmap:ip,mac set (IPv4 only). */
function parseBitmapAddressRange(text: string): IpsetAddressRange | Refusal {
  const dash = text.indexOf("-");
  if (dash !== -1) {
    const from = parseIP(text.slice(0, dash));
    const to = parseIP(text.slice(dash + 1));
    if (from?.family !== "ipv4" || to?.family !== "ipv4") return new Refusal("bad-value", `range ${text} is not an IPv4 range FROM-TO`);
    const [lo, hi] = from.value <= to.value ? [from.value, to.value] : [to.value, from.value];
    return { kind: "ip-range", family: "ipv4", from: formatIP("ipv4", lo), to: formatIP("ipv4", hi) };
  }
  if (!text.includes("/")) return new Refusal("bad-value", `range ${text} is neither FROM-TO nor IP/CIDR`);
  const net = parseAddressMatch(text);
  if (typeof net === "string") return new Refusal("bad-value", net);
  if (net.kind !== "prefix" || net.family !== "ipv4") return new Refusal("bad-value", `range ${text} is not an IPv4 network`);
  const lo = parseIP(net.address)?.value ?? 0n;
  const hi = lo | (prefixMask("ipv4", net.length) ^ prefixMask("ipv4", 32));
  return { kind: "ip-range", family: "ipv4", from: net.address, to: formatIP("ipv4", hi) };
}

/** Parses `[PROTO:]FROM-TO` as the range of a bitmap:port set; the protocol only picks service names. */
function parseBitmapPortRange(text: string): IpsetPortRange | Refusal {
  const { proto, rest } = splitProtocol(text);
  if (proto !== undefined && proto !== "tcp" && proto !== "udp") return new Refusal("bad-value", `a bitmap:port range takes tcp or udp ports, not ${proto}`);
  if (!rest.includes("-")) return new Refusal("bad-value", `range ${text} is not a port range FROM-TO`);
  const r = parsePorts(rest);
  return r instanceof Refusal ? r : { kind: "port-range", from: r.from, to: r.to };
}

/** Splits `PROTO:REST` at the first colon, as ipset does when the colon is neither first nor last. */
function splitProtocol(text: string): { proto: string | undefined; rest: string } {
  const colon = text.indexOf(":");
  if (colon <= 0 || colon === text.length - 1) return { proto: undefined, rest: text };
  return { proto: text.slice(0, colon), rest: text.slice(colon + 1) };
}

/** One port: a number or a service name, optionally in `[...]` (needed for names with a dash). */
function parsePort(token: string): number | Refusal {
  const name = token.startsWith("[") && token.endsWith("]") ? token.slice(1, -1) : token;
  const n = parseCNumber(name);
  if (n !== undefined) return n <= 65535n ? Number(n) : new Refusal("bad-value", `port ${name} is out of range (0-65535)`);
  const service = portByService.get(name);
  return service ?? new Refusal("bad-value", `"${name}" is not a port number or a known service name`);
}

/** `PORT` or `FROM-TO` (each a number or service name); a reversed range is swapped, as the kernel does. */
function parsePorts(text: string): { from: number; to: number } | Refusal {
  const m = /^(\[[^\]]*\]|[^-[\]]+)(?:-(\[[^\]]*\]|[^-[\]]+))?$/.exec(text);
  if (m === null) return new Refusal("bad-value", `"${text}" is not a port or port range`);
  const from = parsePort(m[1] ?? "");
  if (from instanceof Refusal) return from;
  const to = m[2] === undefined ? from : parsePort(m[2]);
  if (to instanceof Refusal) return to;
  return from <= to ? { from, to } : { from: to, to: from };
}

/** The protocol numbers that carry a port, by their ipset name. */
const portProtocols: ReadonlyMap<number, IpsetPortProtocol> = new Map<number, IpsetPortProtocol>([
  [6, "tcp"],
  [17, "udp"],
  [132, "sctp"],
  [136, "udplite"],
]);

/** Parses the port part of a hash type's member: `[PROTO:]PORT[-PORT]`, `icmp:NAME|T/C`, `icmpv6:...`, `PROTO:0`. */
function parsePortPart(text: string, family: Family, span: Span): IpsetPart | Refusal {
  const { proto, rest } = splitProtocol(text);
  if (proto === undefined) {
    const r = parsePorts(text);
    return r instanceof Refusal ? r : { kind: "port", protocol: "tcp", from: r.from, to: r.to, span };
  }
  const lower = proto.toLowerCase();
  let number = lower === "icmpv6" ? 58 : protocolByName.get(lower);
  if (number === undefined) {
    const n = parseCNumber(proto);
    if (n === undefined || n > 255n) return new Refusal("bad-value", `"${proto}" is not a protocol`);
    number = Number(n);
  }
  if (number === 0) return new Refusal("bad-value", `protocol ${proto} (0) cannot be stored`);
  const portProtocol = portProtocols.get(number);
  if (portProtocol !== undefined) {
    const r = parsePorts(rest);
    return r instanceof Refusal ? r : { kind: "port", protocol: portProtocol, from: r.from, to: r.to, span };
  }
  if (number === 1 || number === 58) {
    const icmpFamily: Family = number === 1 ? "ipv4" : "ipv6";
    if (icmpFamily !== family)
      return new Refusal("family-mismatch", `${number === 1 ? "ICMP" : "ICMPv6"} can be used with family ${familyWord(icmpFamily)} only, and this set is ${familyWord(family)}`);
    return parseIcmp(rest, icmpFamily, span);
  }
  if (rest !== "0") return new Refusal("bad-value", `protocol ${proto} can be used with pseudo port value 0 only`);
  return { kind: "protocol", protocol: number, span };
}

function parseIcmp(text: string, family: Family, span: Span): IpsetIcmpPart | Refusal {
  const table = family === "ipv4" ? ipsetIcmpNames : ipsetIcmpv6Names;
  const named = table.find(([name]) => name.toLowerCase() === text.toLowerCase());
  if (named !== undefined) return { kind: "icmp", family, type: named[1], code: named[2], span };
  const m = /^([^/]+)\/([^/]+)$/.exec(text);
  const what = family === "ipv4" ? "ICMP" : "ICMPv6";
  if (m === null) return new Refusal("bad-value", `"${text}" is not an ${what} name or TYPE/CODE`);
  const type = parseNumberIn(m[1] ?? "", 0, 255, `${what} type`);
  if (type instanceof Refusal) return type;
  const code = parseNumberIn(m[2] ?? "", 0, 255, `${what} code`);
  if (code instanceof Refusal) return code;
  return { kind: "icmp", family, type, code, span };
}

/** A bitmap:port member: `[tcp|udp:]PORT[-PORT]` inside the set's range; the protocol is not stored. */
function parseBitmapPortPart(text: string, target: SetInProgress, span: Span): IpsetPart | Refusal {
  const { proto, rest } = splitProtocol(text);
  if (proto !== undefined && proto !== "tcp" && proto !== "udp") return new Refusal("bad-value", `a bitmap:port member takes tcp or udp ports, not ${proto}`);
  const r = parsePorts(rest);
  if (r instanceof Refusal) return r;
  const range = target.set.options.range;
  if (range?.kind === "port-range" && (r.from < range.from || r.to > range.to))
    return new Refusal("bad-value", `${text} is outside the range ${range.from}-${range.to} of set ${target.set.name}`);
  return { kind: "port", from: r.from, to: r.to, span };
}

function parseIfacePart(text: string, span: Span): IpsetPart | Refusal {
  const physdev = text.startsWith("physdev:");
  const name = physdev ? text.slice("physdev:".length) : text;
  if (name === "") return new Refusal("bad-value", "the interface name is empty");
  if (name.length > maxIfaceLength) return new Refusal("bad-value", `interface name ${name} is longer than ${maxIfaceLength} characters`);
  return { kind: "iface", name, physdev, span };
}

function parseMacPart(text: string, target: SetInProgress, span: Span): IpsetPart | Refusal {
  if (!/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(text)) return new Refusal("bad-value", `cannot parse ${text} as an ethernet address`);
  const address = text
    .split(":")
    .map((b) => b.toUpperCase().padStart(2, "0"))
    .join(":");
  if (address === "00:00:00:00:00:00" && target.info.method === "hash") return new Refusal("bad-value", `the zero MAC address cannot be stored in a ${target.typeName} set`);
  return { kind: "mac", address, span };
}

function parseSkbMark(text: string): IpsetSkbMark | Refusal {
  const m = /^0x([0-9a-fA-F]{1,8})(?:\/0x([0-9a-fA-F]{1,8}))?$/.exec(text);
  if (m === null) return new Refusal("bad-value", `skbmark ${text} is not MARK or MARK/MASK (hex numbers with 0x)`);
  return { mark: parseInt(m[1] ?? "0", 16), mask: m[2] === undefined ? 0xffffffff : parseInt(m[2], 16) };
}

function parseSkbPrio(text: string): IpsetSkbPrio | Refusal {
  const m = /^([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})$/.exec(text);
  if (m === null) return new Refusal("bad-value", `skbprio ${text} is not MAJOR:MINOR (hex numbers)`);
  return { major: parseInt(m[1] ?? "0", 16), minor: parseInt(m[2] ?? "0", 16) };
}

// ------------------------------------------------------------------ entry point

/** Runs the grammar; a peggy SyntaxError becomes one located diagnostic. */
function runIpsetGrammar(text: string, lines: LineIndex, file: string | undefined): IpsetSaveRaw | Diagnostic {
  try {
    return peggyParse(text, { build: ipsetGrammarBuilder, grammarSource: file ?? "<input>" }) as IpsetSaveRaw;
  } catch (e) {
    if (!(e instanceof PeggySyntaxError)) throw e;
    return syntaxErrorDiagnostic(e, lines, file);
  }
}

/**
 * Parses `ipset save` output (or an `ipset restore` file of `create` and `add` lines) into typed sets.
 * The value is undefined when there are errors; every error found is in `diagnostics`.
 *
 * @example
 * ```ts
 * const { value } = parseIpsetSave("create ssh hash:ip,port family inet\nadd ssh 10.0.0.1,tcp:22\n", { file: "sets.save" });
 * value?.sets[0]?.members[0]?.parts; // [{ kind: "ip", address: { address: "10.0.0.1", length: 32, ... } }, { kind: "port", protocol: "tcp", from: 22, to: 22, ... }]
 * ```
 */
export function parseIpsetSave(text: string, options: IpsetParseOptions = {}): Result<IpsetSave | undefined> {
  const lines = new LineIndex(text);
  const raw = runIpsetGrammar(text, lines, options.file);
  if ("severity" in raw) return { value: undefined, diagnostics: [raw] };
  const assembler = new IpsetSaveAssembler(lines, options.file);
  const save = assembler.assemble(raw);
  return { value: hasErrors(assembler.diagnostics) ? undefined : save, diagnostics: assembler.diagnostics };
}
