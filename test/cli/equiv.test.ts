/**
 * The equiv command end to end, in-process: the seed kube-proxy ruleset is equivalent to its translation
 * (exit 0, counts printed), a refused file exits 1 as translate does, a bad file and bad flags exit 2.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";

async function run(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), stdin: Readable.from([""]), isStderrTTY: false });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "ipt2nft-equiv-"));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const kubeProxy = join(import.meta.dirname, "../../examples/kube-proxy-nat.rules");
const refused = write(
  "refused.rules",
  "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -m string --algo bm --string evil -j DROP\nCOMMIT\n",
);
const bad = write("bad.rules", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --bogus-option 1 -j ACCEPT\nCOMMIT\n");

describe("ipt2nft equiv", () => {
  it("finds the seed kube-proxy ruleset equivalent to its translation on every path and prints the counts", async () => {
    const r = await run(["equiv", kubeProxy, "--packets", "100", "--seed", "7"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^equivalent: (\d+) packet\(s\) checked on 3 path\(s\) \(input, forward, output\)\n/);
    const checked = Number(/^equivalent: (\d+)/.exec(r.out)?.[1]);
    // 100 packets on each of 3 paths; any not compared are listed, never counted as equal.
    const notCompared = Number(/(\d+) packet\(s\) not compared/.exec(r.out)?.[1] ?? "0");
    expect(checked + notCompared).toBe(300);
    expect(checked).toBeGreaterThan(0);
  });

  it("checks the same packets for the same seed", async () => {
    const a = await run(["equiv", kubeProxy, "--packets", "20", "--seed", "3"]);
    const b = await run(["equiv", kubeProxy, "--packets", "20", "--seed", "3"]);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
  });

  it("exits 1 on a ruleset with rules that have no nft equivalent, listing them as translate does", async () => {
    const r = await run(["equiv", refused]);
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/refused\.rules:6:\d+: error: .*string.* \[untranslatable\]/);
  });

  it("exits 2 on a file that does not parse, and on bad flags", async () => {
    expect((await run(["equiv", bad])).code).toBe(2);
    expect((await run(["equiv", join(dir, "missing.rules")])).code).toBe(2);
    const badCount = await run(["equiv", kubeProxy, "--packets", "many"]);
    expect(badCount.code).toBe(2);
    expect(badCount.err).toContain("--packets takes a positive whole number");
    expect((await run(["equiv", kubeProxy, "--seed"])).code).toBe(2);
  });

  it("is in the usage text", async () => {
    const r = await run(["--help"]);
    expect(r.out).toContain("ipt2nft equiv [FILE|-] [--ipset FILE] [-4|-6] [--packets N] [--seed N]");
  });
});
