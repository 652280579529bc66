// Interleavings the real server produces only by chance (PROTOCOL.md
// section 4: a later sync_request may carry items older than ones already
// received live), played by a scripted WebSocket server so that they happen
// every run: the client places items by seq, drops repeats, and asks for a
// gap with sync_request.

import assert from "node:assert/strict";
import { test } from "node:test";
import { WebSocketServer, type WebSocket as Socket } from "ws";

import type { MessageFrame } from "../src/index.js";
import { client, waitFor } from "./harness.js";

const msg = (seq: number): string =>
  JSON.stringify({
    type: "message",
    chat_id: "c",
    seq,
    message_id: `m${seq}`,
    sender: "bob",
    body: `body ${seq}`,
    sent_at: "2026-11-30T00:00:00Z",
    client_msg_id: `x${seq}`,
  });

test("items out of order and repeated come out once, in seq order; a gap is asked for", { timeout: 30_000 }, async (t) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: () => "linkup.v1" });
  t.after(() => wss.close());
  await new Promise<void>((res) => wss.once("listening", () => res()));
  const syncs: Record<string, number>[] = [];
  let sock: Socket | undefined;
  wss.on("connection", (s) => {
    sock = s;
    s.on("message", (data) => {
      const f = JSON.parse(String(data)) as { type: string; ref: string; positions: Record<string, number> };
      if (f.type === "ping") s.send(JSON.stringify({ type: "pong", ref: f.ref }));
      if (f.type !== "sync_request") return;
      syncs.push(f.positions);
      const complete = (latest: number) =>
        JSON.stringify({ type: "sync_complete", ref: f.ref, chats: { c: { latest_seq: latest, last_read_seq: 0, unread: 0, truncated: false } } });
      if (syncs.length === 1) {
        // First frame: the missed items, then live ones racing a later sync.
        s.send(msg(1));
        s.send(complete(1));
      } else {
        // The gap sync: the missing item, older than one already sent.
        s.send(msg(4));
        s.send(complete(5));
      }
    });
  });
  const port = (wss.address() as { port: number }).port;
  const c = client(`ws://127.0.0.1:${port}/ws`, "t", { gapWaitMs: 100, positions: { c: 0 } });
  t.after(() => c.close());
  const got: MessageFrame[] = [];
  c.on("message", (m) => got.push(m));
  const problems: string[] = [];
  c.on("protocolError", (p) => problems.push(p.reason));
  await c.connect();
  assert.deepEqual(syncs, [{ c: 0 }], "the first frame is sync_request from the held position");

  sock!.send(msg(3)); // above a gap: held
  sock!.send(msg(2)); // fills it: 2, 3
  sock!.send(msg(2)); // repeat: dropped
  sock!.send(msg(5)); // above a gap again: held, and after gapWaitMs asked for
  await waitFor(() => got.length === 5, "five messages");
  assert.deepEqual(
    got.map((m) => m.seq),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(syncs[1], { c: 3 }, "the gap sync asks from the last seq held with none missing");
  sock!.send(msg(4));
  sock!.send(msg(1));
  await c.ping(); // a round trip: the frames above have been handled
  assert.equal(got.length, 5, "late repeats dropped");
  assert.deepEqual(c.positions(), { c: 5 });
  assert.deepEqual(problems, []);
});
