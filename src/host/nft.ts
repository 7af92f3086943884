/**
 * Running `nft` on the host. Everything that executes a command goes through {@link CommandRunner}, whose
 * fake twin lets tests check the logic without root.
 * @module
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What a command printed and how it exited. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command with optional standard input. */
export type CommandRunner = (cmd: string, args: readonly string[], input?: string) => Promise<CommandResult>;

/** Runs real commands with `child_process.spawn`. A command that cannot start returns code 127. */
export const systemRunner: CommandRunner = (cmd, args, input) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      resolve({ code: 127, stdout: "", stderr: `${cmd}: ${e.message}` });
    });
    child.on("close", (code) => {
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input ?? "");
  });

/**
 * The outcome of checking a ruleset with `nft -c`. `unavailable` says the check could not run at all (no
 * root, no iproute2), as opposed to nft rejecting the ruleset.
 */
export type NftCheckResult = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly unavailable?: true };

/**
 * Checks that nft accepts a ruleset (`nft -c -f -`, or `nft -j -c -f -` for JSON) inside a throwaway network
 * namespace, so the check sees a kernel with no rules and never touches the host's own. Needs root.
 */
export async function checkInNetns(ruleset: string, format: "text" | "json", run: CommandRunner = systemRunner): Promise<NftCheckResult> {
  if (format === "json") {
    try {
      JSON.parse(ruleset);
    } catch (e) {
      // nft -j -f silently falls back to the text parser for non-JSON input, so check it ourselves.
      return { ok: false, message: `not JSON: ${(e as Error).message}` };
    }
  }
  const name = `ipt2nft-check-${randomUUID().slice(0, 8)}`;
  const made = await run("ip", ["netns", "add", name]);
  if (made.code !== 0) {
    const why = made.code === 127 ? "the ip command (iproute2) is not installed" : made.stderr.trim() || `ip exited ${made.code}`;
    return { ok: false, message: `cannot create a network namespace for the check (root is needed): ${why}`, unavailable: true };
  }
  // A file, not stdin: nft's JSON reader opens the path by name, and a pipe's /dev/stdin cannot be reopened.
  const dir = await mkdtemp(join(tmpdir(), "ipt2nft-check-"));
  const file = join(dir, format === "json" ? "ruleset.json" : "ruleset.nft");
  try {
    await writeFile(file, ruleset);
    const args = format === "json" ? ["netns", "exec", name, "nft", "-j", "-c", "-f", file] : ["netns", "exec", name, "nft", "-c", "-f", file];
    const r = await run("ip", args);
    if (r.code === 0) return { ok: true };
    return { ok: false, message: r.stderr.trim() || `nft exited ${r.code}` };
  } finally {
    await run("ip", ["netns", "delete", name]);
    await rm(dir, { recursive: true, force: true });
  }
}
