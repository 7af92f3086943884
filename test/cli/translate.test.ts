/**
 * The translate command end to end, in-process: exit codes, refusal lists, --allow-untranslated comments
 * and warnings, --json, -o, and --check through a fake command runner.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import type { CommandRunner } from "../../src/host/index.js";

async function run(argv: readonly string[], stdin = "", runner?: CommandRunner): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    stdin: Readable.from([stdin]),
    isStderrTTY: false,
    ...(runner === undefined ? {} : { run: runner }),
  });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "ipt2nft-cli-"));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const good = write("good.rules", "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n");
// Line 6 is untranslatable and drops; line 5 is fine.
const refused = write(
  "refused.rules",
  "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -m string --algo bm --string evil -j DROP\nCOMMIT\n",
);

describe("ipt2nft translate", () => {
  it("translates a file to nft text and exits 0", async () => {
    const r = await run([good]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("table ip filter {");
    expect(r.out).toContain("type filter hook input priority filter; policy drop;");
    expect(r.out).toMatch(/tcp dport 22 counter packets 0 bytes 0 accept|tcp dport 22 counter accept/);
  });

  it("reads standard input with -", async () => {
    const r = await run(["translate", "-"], readFileSync(good, "utf8"));
    expect(r.code).toBe(0);
    expect(r.out).toContain("table ip filter {");
  });

  it("writes libnftables JSON with --json", async () => {
    const r = await run(["--json", good]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { nftables: unknown[] };
    expect(doc.nftables.length).toBeGreaterThan(3);
  });

  it("writes to -o FILE", async () => {
    const out = join(dir, "out.nft");
    const r = await run([good, "-o", out]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    expect(readFileSync(out, "utf8")).toContain("table ip filter {");
  });

  it("refuses with exit 1 and lists every untranslatable rule with its location", async () => {
    const r = await run([refused]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/refused\.rules:6:\d+: error: table filter, chain INPUT: .*string.* \[untranslatable\]/);
    expect(r.err).toContain("ipt2nft: refused: 1 construct(s)");
  });

  it("with --allow-untranslated, comments the rule out in place and warns that the result is more permissive", async () => {
    const r = await run(["--allow-untranslated", refused]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/# UNTRANSLATED \(line 6\): -A INPUT -m string .*-j DROP\n.*reason: string/);
    expect(r.err).toMatch(/warning: .*more permissive/);
    expect(r.err).toMatch(/warning: .*\[untranslatable\]/);
  });

  it("exits 2 with a located error on bad input", async () => {
    const bad = write("bad.rules", "*filter\n-A INPUT -p tcp --dport 70000 -j ACCEPT\nCOMMIT\n");
    const r = await run([bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:2:25: error:`);
    expect(r.err).toContain("^");
  });

  it("exits 2 on a usage error and on a missing file", async () => {
    expect((await run(["--nope"])).code).toBe(2);
    expect((await run([join(dir, "missing.rules")])).code).toBe(2);
  });

  it("--check loads the output with nft -c in a throwaway namespace and reports a rejection with exit 3", async () => {
    const calls: string[][] = [];
    const rejecting: CommandRunner = (cmd, args) => {
      calls.push([cmd, ...args]);
      const isNft = args.includes("nft");
      return Promise.resolve({ code: isNft ? 1 : 0, stdout: "", stderr: isNft ? "Error: something nft dislikes" : "" });
    };
    const r = await run(["--check", good], "", rejecting);
    expect(r.code).toBe(3);
    expect(r.err).toContain("nft rejected the output: Error: something nft dislikes");
    expect(calls[0]?.slice(0, 3)).toEqual(["ip", "netns", "add"]);
    expect(calls.some((c) => c.includes("-c") && c.includes("nft"))).toBe(true);
    expect(calls.at(-1)?.slice(0, 3)).toEqual(["ip", "netns", "delete"]);
  });

  it("--check says root is needed when no namespace can be made", async () => {
    const noRoot: CommandRunner = () => Promise.resolve({ code: 1, stdout: "", stderr: "mount --make-shared /run/netns failed: Operation not permitted" });
    const r = await run(["--check", good], "", noRoot);
    expect(r.code).toBe(3);
    expect(r.err).toContain("root is needed");
  });
});
