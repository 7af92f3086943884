/**
 * Throwaway network namespaces for kernel checks. Every namespace is named with a prefix and this process's
 * pid, so parallel test files never collide, and every one is deleted when the test is done.
 */
import { spawnSync } from "node:child_process";

/** Output of a command run inside a namespace. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A network namespace this process created. */
export interface Netns {
  readonly name: string;
  /** Runs `cmd args` inside the namespace, with `input` on stdin. */
  exec(cmd: string, args: readonly string[], input?: string): ExecResult;
  /** Deletes the namespace (idempotent). */
  destroy(): void;
}

let counter = 0;

/** True when this process can create namespaces and run the netfilter tools (root on Linux). */
export function canUseNetns(): boolean {
  return process.platform === "linux" && process.getuid?.() === 0 && spawnSync("ip", ["netns", "list"]).status === 0;
}

/** True when the command is on PATH. */
export function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

function run(cmd: string, args: readonly string[], input?: string): ExecResult {
  const r = spawnSync(cmd, args, { input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr + (r.error ? String(r.error) : "") };
}

/** Creates a fresh namespace `PREFIX-PID-N`. Throws if it cannot (callers skip when {@link canUseNetns} is false). */
export function createNetns(prefix: string): Netns {
  const name = `${prefix}-${process.pid}-${++counter}`.slice(0, 60);
  const made = run("ip", ["netns", "add", name]);
  if (made.code !== 0) throw new Error(`ip netns add ${name} failed: ${made.stderr}`);
  let alive = true;
  return {
    name,
    exec: (cmd, args, input) => run("ip", ["netns", "exec", name, cmd, ...args], input),
    destroy: () => {
      if (!alive) return;
      alive = false;
      run("ip", ["netns", "delete", name]);
    },
  };
}

/** Runs `fn` with a fresh namespace and deletes it afterwards, whatever happens. */
export async function withNetns<T>(prefix: string, fn: (ns: Netns) => T | Promise<T>): Promise<T> {
  const ns = createNetns(prefix);
  try {
    return await fn(ns);
  } finally {
    ns.destroy();
  }
}
