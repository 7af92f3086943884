#!/usr/bin/env node
/**
 * The floor for any Node.js translator of an iptables-save file, measured by `npm run bench` next to
 * ipt2nft and iptables-restore-translate: start Node, read the file, split it into lines and each line into
 * words, and write the words back out. A translator must do at least this (and much more), so its time
 * bounds from below what any Node.js program, ipt2nft included, can reach on this machine.
 *
 * Usage: `node bench/floor.mjs FILE` (writes to /dev/null).
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";

const text = readFileSync(process.argv[2] ?? "/dev/stdin", "utf8");
/** @type {string[]} */
const out = [];
for (const line of text.split("\n")) out.push(line.split(" ").join(" "));
writeFileSync("/dev/null", out.join("\n"));
