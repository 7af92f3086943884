/**
 * File access for the host command, behind an interface so tests can watch what is written.
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";

/** Reads and writes text files. */
export interface HostFiles {
  /** The file's text, or undefined when it does not exist. Other errors reject. */
  readonly readText: (path: string) => Promise<string | undefined>;
  /** Writes (or replaces) a file. */
  readonly writeText: (path: string, text: string) => Promise<void>;
}

/** {@link HostFiles} on the real file system. */
export const nodeHostFiles: HostFiles = {
  readText: async (path) => {
    try {
      return await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  },
  writeText: (path, text) => writeFile(path, text),
};
