/**
 * The example scripts for a Docker host, a Podman host and a kube-proxy node run as written, with the built
 * CLI, and their `--from` directories give the results the scripts' comments describe.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import type { HostSummary } from "../../src/host/index.js";

const examples = new URL("../../examples/", import.meta.url).pathname;
const cli = new URL("../../dist/cli.js", import.meta.url).pathname;

async function host(argv: readonly string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await runCli(["host", "--no-check", ...argv], { stdout: () => undefined, stderr: (s) => (err += s), stdin: Readable.from([""]), isStderrTTY: false });
  return { code, err };
}

describe("example --from directories", () => {
  const out = mkdtempSync(join(tmpdir(), "ipt2nft-examples-"));

  it("docker-host: Docker's chains kept by default, and listed as removed jumps when excluded", async () => {
    const kept = await host(["--from", join(examples, "docker-host"), "-o", join(out, "d.nft"), "--summary-json", join(out, "d.json")]);
    expect(kept.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, "d.json"), "utf8")) as HostSummary;
    expect(summary.families.map((f) => f.family)).toEqual(["ipv4", "ipv6"]);
    expect(summary.managers.map((m) => [m.id, m.excluded])).toEqual([["docker", false]]);
    // Both families' translations are checked on generated packets through both evaluators.
    expect(summary.equivalence.status).toBe("equivalent");
    expect(kept.err).toMatch(/equivalence: ipv4: equivalent on \d+ packet\(s\) on 3 path\(s\); ipv6: equivalent on \d+ packet/);
    const excluded = await host(["--from", join(examples, "docker-host"), "--exclude-managed", "docker", "-o", join(out, "d2.nft")]);
    expect(excluded.code).toBe(0);
    expect(excluded.err).toContain("removed (jumps into docker's DOCKER-FORWARD): IPv4 filter");
    expect(readFileSync(join(out, "d2.nft"), "utf8")).not.toContain("DOCKER");
  });

  it("podman-host: netavark's chains recognised as Podman's", async () => {
    const r = await host(["--from", join(examples, "podman-host"), "--exclude-managed", "podman", "-o", join(out, "p.nft")]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("excluded: Podman and CNI plugins:");
    expect(readFileSync(join(out, "p.nft"), "utf8")).not.toContain("NETAVARK");
  });

  it("kube-proxy-node: refused as a whole (physdev in kube-router's chains), translated without kube-proxy and kube-router", async () => {
    expect((await host(["--from", join(examples, "kube-proxy-node"), "-o", join(out, "k.nft")])).code).toBe(1);
    const r = await host(["--from", join(examples, "kube-proxy-node"), "--exclude-managed", "kube-proxy,kube-router", "-o", join(out, "k.nft")]);
    expect(r.code).toBe(0);
    // Rules kube-router wrote straight into built-in chains stay (their comments still say KUBE-ROUTER).
    expect(readFileSync(join(out, "k.nft"), "utf8")).not.toMatch(/(chain|jump|goto) "?KUBE-/);
  });

  it.skipIf(!existsSync(cli))("the scripts run with the built CLI and exit 0", () => {
    for (const script of ["docker-host.sh", "podman-host.sh", "kube-proxy-node.sh"]) {
      const dir = mkdtempSync(join(tmpdir(), "ipt2nft-example-run-"));
      try {
        const r = spawnSync("sh", [join(examples, script)], { env: { ...process.env, OUT: dir, IPT2NFT: `${process.execPath} ${cli}` }, encoding: "utf8" });
        expect(r.status, `${script}: ${r.stderr}`).toBe(0);
        expect(r.stderr).toContain(`written to ${dir}:`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
