// Runs wrk with a Lua script whose done() prints one line `WRK_RESULT {json}` (loadtest/wrk/*.lua)
// and gives back that JSON. With `stopOn`, a line the script prints once every answer is in ends
// the run at once with SIGINT (wrk's main thread otherwise sleeps out its whole -d duration).
import { spawn } from "node:child_process";

export function runWrk<T>(wrk: string, args: string[], options: { stopOn?: string } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (options.stopOn && out.includes(`${options.stopOn}\n`) && !out.includes("WRK_RESULT ")) {
        child.kill("SIGINT");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("WRK_RESULT "));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk exited with ${code}:\n${out}`));
        return;
      }
      resolve(JSON.parse(line.slice("WRK_RESULT ".length)) as T);
    });
  });
}
