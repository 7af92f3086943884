/**
 * Waiting for "yes": one line from a stream, a timeout, the end of input, and signals.
 */
import { EventEmitter } from "node:events";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { confirmFromStream, isYes, type SignalSource } from "../../src/host/index.js";

/** A signal source that records listeners and can raise a signal. */
class FakeSignals extends EventEmitter implements SignalSource {
  raise(signal: NodeJS.Signals): void {
    this.emit(signal);
  }
}

describe("isYes", () => {
  it.each(["yes", "YES", " y ", "Yes\r"])("accepts %j", (s) => {
    expect(isYes(s)).toBe(true);
  });
  it.each(["", "no", "yess", "ok", "y es"])("refuses %j", (s) => {
    expect(isYes(s)).toBe(false);
  });
});

describe("confirmFromStream", () => {
  const ask = (stream: Readable, timeout = 5, signals = new FakeSignals()) => {
    const written: string[] = [];
    const answer = confirmFromStream(stream, (s) => written.push(s), signals)("Type yes: ", timeout);
    return { answer, written, signals };
  };

  it("confirms on a yes line and writes the prompt", async () => {
    const { answer, written } = ask(Readable.from(["yes\n"]));
    expect(await answer).toBe("confirmed");
    expect(written).toEqual(["Type yes: "]);
  });

  it("declines on any other line, even if yes follows", async () => {
    expect(await ask(Readable.from(["no\n", "yes\n"])).answer).toBe("declined");
  });

  it("reads a line split across chunks", async () => {
    expect(await ask(Readable.from(["y", "e", "s\n"])).answer).toBe("confirmed");
  });

  it("takes a last line without a newline, and reports an empty end as closed", async () => {
    expect(await ask(Readable.from(["yes"])).answer).toBe("confirmed");
    expect(await ask(Readable.from([])).answer).toBe("closed");
  });

  it("times out when nothing comes", async () => {
    const stream = new PassThrough();
    const { answer } = ask(stream, 0.05);
    expect(await answer).toBe("timeout");
    stream.end();
  });

  it("ends with interrupted on a signal, and removes its listeners", async () => {
    const stream = new PassThrough();
    const signals = new FakeSignals();
    const { answer } = ask(stream, 5, signals);
    expect(signals.listenerCount("SIGHUP")).toBe(1);
    signals.raise("SIGHUP");
    expect(await answer).toBe("interrupted");
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) expect(signals.listenerCount(s)).toBe(0);
    expect(stream.listenerCount("data")).toBe(0);
    stream.end();
  });
});
