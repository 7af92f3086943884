/**
 * Matches on metadata and payload rather than on the packet headers: comment, owner, socket, rpfilter,
 * time, nfacct, physdev, u32, string, bpf.
 * @module
 */
import { flag, interfaceName, keyword, name, parseUnsigned, text, unsigned } from "../codecs.js";
import { type Codec, CodecError, type NodeOf, type SchemaIssue, exactlyOne, moduleSchema, option } from "../schema.js";

/** `-m comment --comment TEXT` (at most 255 bytes in the kernel). */
export const commentSchema = moduleSchema({
  name: "comment",
  options: {
    comment: option(["--comment"], text(255, "comment")),
  },
  check: (n) => (n.comment === undefined ? [{ message: "--comment is required" }] : []),
});
/** A `-m comment` match. */
export type CommentMatch = NodeOf<typeof commentSchema>;

/**
 * A user or group as `--uid-owner`/`--gid-owner` take it: an id or id range, or a name. Names are looked
 * up in the passwd and group databases of the host that loads the rules, so only `root` (0 everywhere) is
 * resolved here; any other name is kept as written, for the translator to resolve or report.
 */
export type OwnerId = { readonly from: number; readonly to: number } | { readonly name: string };

/** The largest uid or gid: (uid_t)-1 means "no id" to the kernel, so iptables refuses it. */
const maxOwnerId = 0xfffffffe;

/** `ID[-ID]` or a name; iptables-save prints the numbers (`--uid-owner root` is saved as `--uid-owner 0`). */
export function ownerId(what: "user" | "group"): Codec<OwnerId> {
  return {
    domain: { type: "custom", name: "ownerId" },
    arity: 1,
    expected: `a ${what} id, id range ID-ID or ${what} name`,
    parse: ([t = ""]) => {
      if (t === "root") return { from: 0, to: 0 };
      const parts = t.split("-");
      const ids = parts.map(parseUnsigned);
      if (parts.length <= 2 && ids.every((v) => v !== undefined)) {
        const [from = 0, to = from] = ids;
        if (from > maxOwnerId || to > maxOwnerId) return new CodecError(`${what} id ${t} is out of range (0-${maxOwnerId})`);
        if (from > to) return new CodecError(`range ${t} is empty: ${from} is greater than ${to}`);
        return { from, to };
      }
      if (t === "" || /[\s:/]/.test(t)) return new CodecError(`"${t}" is not a ${what} id, id range or ${what} name`);
      return { name: t };
    },
    print: (o) => ["name" in o ? o.name : o.from === o.to ? String(o.from) : `${o.from}-${o.to}`],
  };
}

/** `-m owner`: the socket and process that sent a locally generated packet (OUTPUT and POSTROUTING only). */
export const ownerSchema = moduleSchema({
  name: "owner",
  options: {
    socketExists: option(["--socket-exists"], flag, "negatable"),
    uidOwner: option(["--uid-owner"], ownerId("user"), "negatable"),
    gidOwner: option(["--gid-owner"], ownerId("group"), "negatable"),
    supplGroups: option(["--suppl-groups"], flag),
  },
  check: (n) => {
    if (n.socketExists === undefined && n.uidOwner === undefined && n.gidOwner === undefined) return [{ message: "at least one of --uid-owner, --gid-owner or --socket-exists is required" }];
    if (n.supplGroups !== undefined && n.gidOwner === undefined) return [{ message: "--suppl-groups needs --gid-owner" }];
    return [];
  },
});
/** A `-m owner` match. */
export type OwnerMatch = NodeOf<typeof ownerSchema>;

/** `-m socket`: an open socket matches the packet (for transparent proxying). */
export const socketSchema = moduleSchema({
  name: "socket",
  options: {
    transparent: option(["--transparent"], flag),
    nowildcard: option(["--nowildcard"], flag),
    restoreSkmark: option(["--restore-skmark"], flag),
  },
});
/** A `-m socket` match. */
export type SocketMatch = NodeOf<typeof socketSchema>;

/** `-m rpfilter`: reverse path filter (raw and mangle PREROUTING only). `--invert` stands in for `!`. */
export const rpfilterSchema = moduleSchema({
  name: "rpfilter",
  options: {
    loose: option(["--loose"], flag),
    validmark: option(["--validmark"], flag),
    acceptLocal: option(["--accept-local"], flag),
    invert: option(["--invert"], flag),
  },
});
/** A `-m rpfilter` match. */
export type RpfilterMatch = NodeOf<typeof rpfilterSchema>;

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** `hh:mm[:ss]`, 00:00:00 to 23:59:59, stored as seconds after midnight and saved as `hh:mm:ss`. */
export const timeOfDay: Codec<number> = {
  domain: { type: "custom", name: "timeOfDay" },
  arity: 1,
  expected: "a time of day hh:mm[:ss]",
  parse: ([t = ""]) => {
    const m = /^(\d+):(\d+)(?::(\d+))?$/.exec(t);
    const [h = 99, min = 0, s = 0] = m === null ? [] : [m[1], m[2], m[3] ?? "0"].map(Number);
    if (h > 23 || min > 59 || s > 59) return new CodecError(`"${t}" is not a time of day hh:mm[:ss] between 00:00:00 and 23:59:59`);
    return h * 3600 + min * 60 + s;
  },
  print: (v) => [`${pad2(Math.floor(v / 3600))}:${pad2(Math.floor(v / 60) % 60)}:${pad2(v % 60)}`],
};

/** The latest date `--datestart`/`--datestop` accept: 2038-12-31T23:59:59 (libxt_time allows years to 2038). */
const maxTimeDate = Date.UTC(2038, 11, 31, 23, 59, 59) / 1000;

/**
 * `YYYY[-MM[-DD[Thh[:mm[:ss]]]]]` in UTC, stored as seconds since 1970 and saved in full
 * (`2021` as `2021-01-01T00:00:00`). Like libxt_time (which uses mktime), an out-of-range day rolls
 * over: `2020-02-31` is 2020-03-02.
 */
export const dateTime: Codec<number> = {
  domain: { type: "custom", name: "dateTime" },
  arity: 1,
  expected: "a date YYYY[-MM[-DD[Thh[:mm[:ss]]]]]",
  parse: ([t = ""]) => {
    const m = /^(\d+)(?:-(\d+)(?:-(\d+)(?:T(\d+)(?::(\d+)(?::(\d+))?)?)?)?)?$/.exec(t);
    const bad = new CodecError(`"${t}" is not a date YYYY[-MM[-DD[Thh[:mm[:ss]]]]] from 1970 to 2038`);
    if (m === null) return bad;
    const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] = [m[1], m[2] ?? "1", m[3] ?? "1", m[4] ?? "0", m[5] ?? "0", m[6] ?? "0"].map(Number);
    if (year < 1970 || year > 2038 || month > 12 || day > 31 || hour > 23 || minute > 59 || second > 59) return bad;
    const seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
    return seconds >= 0 && seconds <= maxTimeDate ? seconds : bad;
  },
  print: (v) => [new Date(v * 1000).toISOString().slice(0, 19)],
};

/** Weekday names in the order iptables-save prints them (Monday is day 1). */
export const weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
/** One weekday. */
export type WeekdayName = (typeof weekdayNames)[number];

/**
 * `--weekdays LIST`: names (`Mon`, or any word starting with its first two letters, as `Mo` or `Monday`;
 * case matters) or numbers 1-7. Stored without repeats, Monday first, as iptables-save prints them.
 */
export const weekdays: Codec<readonly WeekdayName[]> = {
  domain: { type: "custom", name: "weekdays" },
  arity: 1,
  expected: "a comma-separated list of weekdays (Mon, Tue, ..., Sun or 1-7)",
  parse: ([t = ""]) => {
    const days = new Set<WeekdayName>();
    for (const part of t.split(",")) {
      // libxt_time reads each item into a 4-byte buffer, so only the first three characters count.
      const item = part.slice(0, 3);
      const n = /^\d+$/.test(item) ? Number(item) : undefined;
      const day = n === undefined ? weekdayNames.find((w) => item.length >= 2 && w.startsWith(item.slice(0, 2))) : weekdayNames[n - 1];
      if (day === undefined) return new CodecError(`"${part}" is not a weekday (Mon, Tue, Wed, Thu, Fri, Sat, Sun or 1-7)`);
      days.add(day);
    }
    return weekdayNames.filter((w) => days.has(w));
  },
  print: (ds) => [ds.join(",")],
};

/** `--monthdays LIST`: days 1-31, stored without repeats in ascending order, as iptables-save prints them. */
export const monthdays: Codec<readonly number[]> = {
  domain: { type: "custom", name: "monthdays" },
  arity: 1,
  expected: "a comma-separated list of days of the month (1-31)",
  parse: ([t = ""]) => {
    const days = new Set<number>();
    for (const part of t.split(",")) {
      const n = /^\d{1,2}$/.test(part) ? Number(part) : 0;
      if (n < 1 || n > 31) return new CodecError(`"${part}" is not a day of the month (1-31)`);
      days.add(n);
    }
    return [...days].sort((a, b) => a - b);
  },
  print: (ds) => [ds.join(",")],
};

/**
 * `-m time`: the arrival time, in UTC unless `--kerneltz`. A negated day list stands for the other days
 * (iptables-save prints it that way, without `!`); the AST keeps the `!` as written. iptables-save also
 * prints a `--timestop 23:59:59` after a lone `--timestart` (and the other way round), and on 64-bit hosts
 * `--datestop 2038-01-19T03:14:07` when no end date was given.
 */
export const timeSchema = moduleSchema({
  name: "time",
  options: {
    timestart: option(["--timestart"], timeOfDay),
    timestop: option(["--timestop"], timeOfDay),
    monthdays: option(["--monthdays"], monthdays, "negatable"),
    weekdays: option(["--weekdays"], weekdays, "negatable"),
    datestart: option(["--datestart"], dateTime),
    datestop: option(["--datestop"], dateTime),
    kerneltz: option(["--kerneltz", "--localtz"], flag),
    contiguous: option(["--contiguous"], flag),
    utc: option(["--utc"], flag),
  },
  check: (n) => {
    const issues: SchemaIssue[] = [];
    if (n.utc !== undefined && n.kerneltz !== undefined) issues.push({ option: "utc", message: "--utc cannot be combined with --kerneltz" });
    // libxt_time: "--contiguous only makes sense when stoptime is smaller than starttime" (defaults 00:00:00, 23:59:59).
    if (n.contiguous !== undefined && (n.timestart?.value ?? 0) < (n.timestop?.value ?? 86399)) issues.push({ option: "contiguous", message: "--contiguous needs a --timestop earlier than --timestart" });
    return issues;
  },
});
/** A `-m time` match. */
export type TimeMatch = NodeOf<typeof timeSchema>;

/** `-m nfacct --nfacct-name NAME`: counts packets in the named nfacct object (at most 31 bytes). */
export const nfacctSchema = moduleSchema({
  name: "nfacct",
  options: {
    nfacctName: option(["--nfacct-name"], name(31, "nfacct object name")),
  },
  check: (n) => (n.nfacctName === undefined ? [{ message: "--nfacct-name is required" }] : []),
});
/** A `-m nfacct` match. */
export type NfacctMatch = NodeOf<typeof nfacctSchema>;

/** `-m physdev`: the bridge ports a bridged packet came in on or goes out of. */
export const physdevSchema = moduleSchema({
  name: "physdev",
  options: {
    physdevIsIn: option(["--physdev-is-in"], flag, "negatable"),
    physdevIn: option(["--physdev-in"], interfaceName, "negatable"),
    physdevIsOut: option(["--physdev-is-out"], flag, "negatable"),
    physdevOut: option(["--physdev-out"], interfaceName, "negatable"),
    physdevIsBridged: option(["--physdev-is-bridged"], flag, "negatable"),
  },
  check: (n) => (Object.values<unknown>(n).some((v) => v !== undefined) ? [] : [{ message: "at least one --physdev option is required" }]),
});
/** A `-m physdev` match. */
export type PhysdevMatch = NodeOf<typeof physdevSchema>;

/** A u32 location operator: AND, shifts, or `@` (move to the offset computed so far, then read). */
export type U32Operator = "&" | "<<" | ">>" | "@";

/** One step of a u32 location after its first number: an operator and its operand. */
export interface U32Step {
  readonly op: U32Operator;
  readonly operand: number;
}

/** A u32 test: a location (a first number, then steps) and the values it may have. */
export interface U32Test {
  readonly start: number;
  readonly steps: readonly U32Step[];
  /** Inclusive ranges; `min` may exceed `max` (iptables accepts it; such a range matches nothing). */
  readonly values: readonly { readonly min: number; readonly max: number }[];
}

/** XT_U32_MAXSIZE: at most 10 tests, 10 numbers per location and 10 ranges per value. */
const u32MaxSize = 10;

/** Parses a u32 program as libxt_u32 does: numbers in C notation, whitespace anywhere between tokens. */
export function parseU32(t: string): readonly U32Test[] | CodecError {
  let i = 0;
  const fail = (what: string): CodecError => new CodecError(`u32: at char ${i}: ${what}`);
  const skipSpace = (): void => {
    while (i < t.length && /\s/.test(t.charAt(i))) i++;
  };
  const number = (): number | CodecError => {
    skipSpace();
    const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(t.slice(i));
    const v = m === null ? undefined : parseUnsigned(m[0]);
    if (m === null || v === undefined || v > 0xffffffff) return fail("not a number or out of range");
    i += m[0].length;
    return v;
  };
  const tests: U32Test[] = [];
  for (;;) {
    const start = number();
    if (start instanceof CodecError) return start;
    const steps: U32Step[] = [];
    for (;;) {
      skipSpace();
      const op = (["<<", ">>", "&", "@"] as const).find((o) => t.startsWith(o, i));
      if (op === undefined) break;
      i += op.length;
      const operand = number();
      if (operand instanceof CodecError) return operand;
      steps.push({ op, operand });
      if (steps.length + 1 > u32MaxSize) return fail("too many operators");
    }
    if (t.charAt(i) !== "=") return fail(i >= t.length ? "abrupt end of input after location specifier" : "operator or \"=\" expected");
    i++;
    const values: { min: number; max: number }[] = [];
    for (;;) {
      const min = number();
      if (min instanceof CodecError) return min;
      skipSpace();
      let max = min;
      if (t.charAt(i) === ":") {
        i++;
        const m = number();
        if (m instanceof CodecError) return m;
        max = m;
      }
      values.push({ min, max });
      if (values.length > u32MaxSize) return fail('too many ","s');
      skipSpace();
      if (t.charAt(i) !== ",") break;
      i++;
    }
    tests.push({ start, steps, values });
    if (tests.length > u32MaxSize) return fail('too many "&&"s');
    if (i >= t.length) return tests;
    if (!t.startsWith("&&", i)) return fail('expected "," or "&&"');
    i += 2;
  }
}

const hex32 = (n: number): string => `0x${n.toString(16)}`;

/** Prints a u32 program as iptables-save does: every number in hex, no spaces. */
export function printU32(tests: readonly U32Test[]): string {
  return tests
    .map((x) => `${hex32(x.start)}${x.steps.map((s) => `${s.op}${hex32(s.operand)}`).join("")}=${x.values.map((v) => (v.min === v.max ? hex32(v.min) : `${hex32(v.min)}:${hex32(v.max)}`)).join(",")}`)
    .join("&&");
}

/** `--u32 TESTS`, parsed into tests so that it prints as iptables-save does (`0x0>>0x16&0x3c@0x0=0x1`). */
export const u32Program: Codec<readonly U32Test[]> = {
  domain: { type: "custom", name: "u32Program" },
  arity: 1,
  expected: 'u32 tests such as "0>>22&0x3C@0>>24=0"',
  parse: ([t = ""]) => parseU32(t),
  print: (tests) => [printU32(tests)],
};

/** `-m u32 --u32 TESTS`: reads words at computed packet offsets and compares them. */
export const u32Schema = moduleSchema({
  name: "u32",
  options: {
    u32: option(["--u32"], u32Program, "negatable"),
  },
  check: (n) => (n.u32 === undefined ? [{ message: "--u32 is required" }] : []),
});
/** A `-m u32` match. */
export type U32Match = NodeOf<typeof u32Schema>;

/** XT_STRING_MAX_PATTERN_SIZE. */
const maxPatternBytes = 128;

/**
 * Parses `--hex-string` as libxt_string does: text, with bytes in hex between `|` (`|0d 0a|`), and `\`
 * quoting the next character outside them. Returns the bytes of the pattern.
 */
export function parseHexString(t: string): readonly number[] | CodecError {
  if (t === "") return new CodecError("the pattern must not be empty");
  const bytes: number[] = [];
  const text = Buffer.from(t, "utf8");
  let inHex = false;
  for (let i = 0; i < text.length; ) {
    if (bytes.length >= maxPatternBytes) return new CodecError(`the pattern is longer than ${maxPatternBytes} bytes`);
    const c = text[i] ?? 0;
    if (c === 0x7c /* | */) {
      i++;
      // Spaces right after an opening | are skipped; after a closing one they are pattern text.
      if (!inHex) while (text[i] === 0x20) i++;
      inHex = !inHex;
      continue;
    }
    if (inHex) {
      const pair = text.subarray(i, i + 2).toString("latin1");
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) return new CodecError(`invalid hex byte "${pair}" in ${t}`);
      bytes.push(parseInt(pair, 16));
      i += 2;
      while (text[i] === 0x20) i++;
      continue;
    }
    if (c === 0x5c /* \ */) {
      if (i + 1 >= text.length) return new CodecError("a \\ at the end of the pattern quotes nothing");
      bytes.push(text[i + 1] ?? 0);
      i += 2;
      continue;
    }
    bytes.push(c);
    i++;
  }
  if (inHex) return new CodecError(`unterminated hex block in ${t}`);
  return bytes.length > maxPatternBytes ? new CodecError(`the pattern is longer than ${maxPatternBytes} bytes`) : bytes;
}

/** `--hex-string PATTERN`, stored as its bytes and printed as one hex block (`|0d0a|`). */
export const hexString: Codec<readonly number[]> = {
  domain: { type: "custom", name: "hexString" },
  arity: 1,
  expected: "a pattern with bytes in hex between | (|0d 0a|)",
  parse: ([t = ""]) => parseHexString(t),
  print: (bytes) => [`|${bytes.map((b) => b.toString(16).padStart(2, "0")).join("")}|`],
};

/**
 * `-m string`: a pattern anywhere in the packet between two offsets. iptables-save prints a pattern as
 * `--string` when every byte is printable and as `--hex-string` otherwise; the AST keeps the option that
 * was written.
 */
export const stringSchema = moduleSchema({
  name: "string",
  options: {
    string: option(["--string"], text(maxPatternBytes, "pattern"), "negatable"),
    hexString: option(["--hex-string"], hexString, "negatable"),
    algo: option(["--algo"], keyword(["bm", "kmp"] as const, "string search algorithm", "exact-case")),
    from: option(["--from"], unsigned(0, 65535)),
    to: option(["--to"], unsigned(0, 65535)),
    icase: option(["--icase"], flag),
  },
  check: (n) => {
    const issues: SchemaIssue[] = [...exactlyOne(n, ["string", "hexString"], "--string or --hex-string")];
    if (n.algo === undefined) issues.push({ message: "--algo is required" });
    if (n.from !== undefined && n.to !== undefined && n.from.value > n.to.value) issues.push({ option: "to", message: `--to ${n.to.value} is before --from ${n.from.value}` });
    return issues;
  },
});
/** A `-m string` match. */
export type StringMatch = NodeOf<typeof stringSchema>;

/** One classic BPF instruction: opcode, jump offsets if true and if false, and the generic field k. */
export interface BpfInstruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** XT_BPF_MAX_NUM_INSTR. */
const maxBpfInstructions = 64;

/**
 * `--bytecode "N,code jt jf k,..."` as nfbpf_compile and `tcpdump -ddd` write it: the instruction count,
 * then the instructions. Stored as the instructions; saved with the count in front, as iptables-save does.
 */
export const bpfProgram: Codec<readonly BpfInstruction[]> = {
  domain: { type: "custom", name: "bpfProgram" },
  arity: 1,
  expected: 'a BPF program "N,code jt jf k,code jt jf k,..."',
  parse: ([t = ""]) => {
    const [head = "", ...rest] = t.split(",");
    const count = /^\s*\d+\s*$/.test(head) ? Number(head) : undefined;
    if (count === undefined || count < 1 || count > maxBpfInstructions) return new CodecError(`"${head}" is not an instruction count from 1 to ${maxBpfInstructions}`);
    // A trailing comma is allowed, as in libxt_bpf.
    const items = rest.length > 0 && rest[rest.length - 1]?.trim() === "" ? rest.slice(0, -1) : rest;
    if (items.length !== count) return new CodecError(`the program has ${items.length} instructions but says ${count}`);
    const program: BpfInstruction[] = [];
    for (const [index, item] of items.entries()) {
      const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(item);
      const [code = 0, jt = 0, jf = 0, k = 0] = m === null ? [] : m.slice(1).map(Number);
      if (m === null || code > 0xffff || jt > 0xff || jf > 0xff || k > 0xffffffff) return new CodecError(`instruction ${index + 1} "${item}" is not "code jt jf k" (16, 8, 8 and 32-bit numbers)`);
      program.push({ code, jt, jf, k });
    }
    return program;
  },
  print: (p) => [[String(p.length), ...p.map((x) => `${x.code} ${x.jt} ${x.jf} ${x.k}`)].join(",")],
};

/** `-m bpf`: runs a classic BPF program (`--bytecode`) or a pinned eBPF object on the packet. */
export const bpfSchema = moduleSchema({
  name: "bpf",
  options: {
    bytecode: option(["--bytecode"], bpfProgram),
    objectPinned: option(["--object-pinned"], name(511, "path of a pinned eBPF object")),
  },
  check: (n) => exactlyOne(n, ["bytecode", "objectPinned"], "--bytecode or --object-pinned"),
});
/** A `-m bpf` match. */
export type BpfMatch = NodeOf<typeof bpfSchema>;
