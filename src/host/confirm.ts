/**
 * Waiting for the operator's "yes", as iptables-apply does: one line from standard input (a terminal or a
 * pipe) within a timeout. A signal counts as "no": an SSH session cut by the new rules hangs up, and the
 * rollback must still run.
 * @module
 */
import type { Readable } from "node:stream";
import type { Confirm, ConfirmationAnswer } from "./apply.js";

/** Where signals come from: `process`, or a fake in tests. */
export interface SignalSource {
  once(signal: NodeJS.Signals, listener: () => void): unknown;
  removeListener(signal: NodeJS.Signals, listener: () => void): unknown;
}

/** The signals that end the wait with `interrupted`. */
const stopSignals: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** True for the answers that confirm: `yes` or `y`, in any case. */
export function isYes(line: string): boolean {
  return /^\s*(yes|y)\s*$/i.test(line);
}

/**
 * A {@link Confirm} that writes the prompt with `write` and reads one line from `stream`.
 *
 * @example
 * ```ts
 * const confirm = confirmFromStream(process.stdin, (s) => process.stderr.write(s));
 * await confirm("Type yes within 30 s: ", 30); // "confirmed" | "declined" | "timeout" | "closed" | "interrupted"
 * ```
 */
export function confirmFromStream(stream: Readable, write: (s: string) => void, signals: SignalSource = process): Confirm {
  return (prompt, timeoutSeconds) =>
    new Promise<ConfirmationAnswer>((resolve) => {
      let buffered = "";
      const handlers = new Map<NodeJS.Signals, () => void>();
      const finish = (answer: ConfirmationAnswer): void => {
        clearTimeout(timer);
        stream.removeListener("data", onData);
        stream.removeListener("end", onEnd);
        stream.removeListener("error", onEnd);
        stream.pause();
        for (const [signal, handler] of handlers) signals.removeListener(signal, handler);
        resolve(answer);
      };
      const onData = (chunk: Buffer | string): void => {
        buffered += typeof chunk === "string" ? chunk : chunk.toString("utf8");
        const newline = buffered.indexOf("\n");
        if (newline >= 0) finish(isYes(buffered.slice(0, newline)) ? "confirmed" : "declined");
      };
      // A last line without a newline still counts.
      const onEnd = (): void => {
        finish(buffered.trim() === "" ? "closed" : isYes(buffered) ? "confirmed" : "declined");
      };
      const timer = setTimeout(() => {
        finish("timeout");
      }, timeoutSeconds * 1000);
      for (const signal of stopSignals) {
        const handler = (): void => {
          finish("interrupted");
        };
        handlers.set(signal, handler);
        signals.once(signal, handler);
      }
      write(prompt);
      if (stream.readableEnded) {
        finish("closed");
        return;
      }
      stream.on("data", onData);
      stream.once("end", onEnd);
      stream.once("error", onEnd);
      stream.resume();
    });
}
