// Runs the real linkup server for the tests: built from this repository
// with `go build`, started with `linkup serve --addr 127.0.0.1:0`, its
// port read from the ready line, killed with real signals.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import WebSocket from "ws";

import { LinkupClient, type LinkupClientOptions, type WebSocketConstructor } from "../src/index.js";

const run = promisify(execFile);

/** The WebSocket of Node 20 (no global one without a flag); no cast needed. */
export const WS: WebSocketConstructor = WebSocket;

/** The repository root: the nearest directory above the tests with a go.mod. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "go.mod"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("no go.mod above the tests");
    dir = up;
  }
  return dir;
}

let built: Promise<string> | undefined;

/** Builds ./cmd/linkup once per test process (LINKUP_BIN skips the build). */
export function linkupBinary(): Promise<string> {
  if (process.env.LINKUP_BIN) return Promise.resolve(process.env.LINKUP_BIN);
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "linkup-ts-bin-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    const bin = join(dir, "linkup");
    await run("go", ["build", "-o", bin, "./cmd/linkup"], { cwd: repoRoot(), maxBuffer: 1 << 24 });
    return bin;
  })();
  return built;
}

/** A temporary data directory, removed when the process exits. */
export function tempData(): string {
  const dir = mkdtempSync(join(tmpdir(), "linkup-ts-data-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Server {
  proc: ChildProcess;
  port: number;
  url: string;
  data: string;
  /** Resolves with the exit code or signal when the process ends. */
  exited: Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<string>;
  /** SIGSTOP, then waits until every thread of the process is stopped. */
  stop(): Promise<void>;
  /** SIGCONT. */
  cont(): void;
}

/** Starts `linkup serve` on data (port 0: a free one) and waits for its ready line. */
export async function startServer(data: string, port = 0, extra: string[] = []): Promise<Server> {
  const bin = await linkupBinary();
  const proc = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, "--data", data, ...extra], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<string>((res) => proc.on("exit", (code, sig) => res(sig ?? String(code))));
  const addr = await new Promise<string>((res, rej) => {
    let buf = "";
    const onData = (chunk: Buffer): void => {
      buf += chunk.toString();
      for (const line of buf.split("\n")) {
        const m = /linkup ready.*?addr=(\S+)/.exec(line) ?? /"msg":"linkup ready".*?"addr":"([^"]+)"/.exec(line);
        if (m) {
          proc.stderr!.off("data", onData);
          proc.stderr!.resume(); // keep draining so the server never blocks on its log
          res(m[1]!);
          return;
        }
      }
    };
    proc.stderr!.on("data", onData);
    void exited.then((how) => rej(new Error(`linkup serve exited (${how}) before ready:\n${buf}`)));
  });
  const p = Number(addr.slice(addr.lastIndexOf(":") + 1));
  return {
    proc,
    port: p,
    url: `ws://127.0.0.1:${p}/ws`,
    data,
    exited,
    kill(signal: NodeJS.Signals = "SIGKILL") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
    async stop() {
      proc.kill("SIGSTOP");
      // A group stop reaches each thread when it next runs; until then a
      // thread may still answer. Wait until /proc shows every one stopped.
      await waitFor(() => allStopped(proc.pid!), "the server's threads to stop", 10_000);
    },
    cont() {
      proc.kill("SIGCONT");
    },
  };
}

function allStopped(pid: number): boolean {
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return true; // not Linux: trust the signal
  return readdirSync(dir).every((tid) => {
    try {
      const stat = readFileSync(`${dir}/${tid}/stat`, "utf8");
      return /^[TtXZ]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!);
    } catch {
      return true; // the thread is gone
    }
  });
}

/** `linkup token --data data --user user`: the token on its last line. */
export async function token(data: string, user: string, ...extra: string[]): Promise<string> {
  const { stdout } = await run(await linkupBinary(), ["token", "--data", data, "--user", user, ...extra]);
  const lines = stdout.trim().split("\n");
  return lines[lines.length - 1]!.trim();
}

/** A client for the tests: ws, short backoff, no heartbeat unless asked. */
export function client(url: string, tok: string, o: Partial<LinkupClientOptions> = {}): LinkupClient {
  return new LinkupClient({
    url,
    token: tok,
    WebSocket: WS,
    backoff: { baseMs: 50, maxMs: 500 },
    heartbeatMs: 0,
    ...o,
  });
}

/** Resolves when cond() becomes true (checked every 20 ms); rejects after ms. */
export function waitFor(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  return new Promise((res, rej) => {
    if (cond()) return res();
    const started = Date.now();
    const t = setInterval(() => {
      if (cond()) {
        clearInterval(t);
        res();
      } else if (Date.now() - started > ms) {
        clearInterval(t);
        rej(new Error(`timed out waiting for ${what}`));
      }
    }, 20);
  });
}
