// The machine a benchmark ran on.

import { readFileSync } from "node:fs";
import os from "node:os";
import { wrangler } from "../lib.mjs";

export async function machineInfo() {
  const cpus = os.cpus();
  let wranglerVersion = "unknown";
  try {
    wranglerVersion = (await wrangler(["--version"], { capture: true })).trim().split("\n").pop();
  } catch {}
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)"?/m);
    if (pretty) osName = `${pretty[1]} (${os.type()} ${os.release()})`;
  } catch {}
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: osName,
    node: process.version,
    wrangler: wranglerVersion,
    date: new Date().toISOString(),
    loadAverage: os.loadavg(),
  };
}
