// The committed browser module with the platform's own WebSocket (the
// WHATWG API browsers have; Node 20 has it behind --experimental-websocket):
// no constructor injected, and a handshake refusal that carries no detail
// (as in browsers, which hide the HTTP status) still leads to refreshToken.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

import { startServer, tempData, token } from "./harness.js";

const run = promisify(execFile);

const script = `
const { LinkupClient } = await import(process.env.DIST);
if (typeof WebSocket !== "function") throw new Error("no global WebSocket");
const out = {};
for (const tokenVia of ["query", "subprotocol"]) {
  let refreshed = 0;
  const c = new LinkupClient({
    url: process.env.URL, token: "expired-or-wrong", tokenVia, heartbeatMs: 0,
    backoff: { baseMs: 50, maxMs: 200 },
    refreshToken: async () => { refreshed++; return process.env.TOKEN; },
  });
  await c.connect();
  const st = await c.getConnectionStatus();
  const ack = await c.createChat({ title: "from the global WebSocket", members: [] });
  const sent = await c.send(ack.chat_id, "hello");
  out[tokenVia] = { user: st.user_id, refreshed, seq: sent.seq };
  c.close();
}
console.log(JSON.stringify(out));
`;

test("dist/index.js runs on the global WebSocket, with both ways of passing the token", { timeout: 60_000 }, async (t) => {
  const data = tempData();
  const server = await startServer(data);
  t.after(() => server.kill());
  const tok = await token(data, "alice");
  const dist = new URL("../../dist/index.js", import.meta.url).href;
  const { stdout } = await run(process.execPath, ["--experimental-websocket", "--no-warnings", "--input-type=module", "-e", script], {
    env: { ...process.env, DIST: dist, URL: server.url, TOKEN: tok },
    timeout: 50_000,
  });
  const out = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, { user: string; refreshed: number; seq: number }>;
  for (const via of ["query", "subprotocol"]) {
    assert.equal(out[via]!.user, "alice", via);
    assert.ok(out[via]!.refreshed >= 1, `${via}: refreshToken called after the refusal`);
    assert.equal(out[via]!.seq, 1, via);
  }
});
