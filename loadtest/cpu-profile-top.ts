// Where a process's CPU time went: reads a V8 .cpuprofile (node --cpu-prof) and prints the top
// functions by self time, and the top files (project files by path, dependencies by package).
//   npx tsx loadtest/cpu-profile-top.ts <file.cpuprofile> [rows]
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error("usage: cpu-profile-top.ts <file.cpuprofile> [rows]");
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (const [i, id] of profile.samples.entries())
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (url: string) => {
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1]!;
  if (url.startsWith("node:")) return url;
  const own = /\/(actors|gateway|src|workers|loadtest)\/.*/.exec(url);
  return own ? own[0].slice(1) : url || "(native)";
};
const functions = new Map<string, number>();
const files = new Map<string, number>();
for (const [id, us] of self) {
  const { callFrame } = byId.get(id)!;
  const place = where(callFrame.url);
  const name = `${callFrame.functionName || "(anonymous)"}  ${place}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ""}`;
  functions.set(name, (functions.get(name) ?? 0) + us);
  files.set(place, (files.get(place) ?? 0) + us);
}
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}`);
  }
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
print("self time by function", functions);
print("self time by file or package", files);
