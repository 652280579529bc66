// Frames the client cannot use are reported (protocolError) and skipped;
// the connection and the requests on it go on.

import assert from "node:assert/strict";
import { test } from "node:test";
import { WebSocketServer } from "ws";

import { backoffDelay, parseServerFrame, Timelines, type ParseFailure } from "../src/index.js";
import { client } from "./harness.js";

test("parseServerFrame accepts every well-formed frame and refuses garbage without throwing", () => {
  const good = [
    '{"type":"pong","ref":"1"}',
    '{"type":"ack","ref":"2","chat_id":"c","client_msg_id":"m","message_id":"x","seq":3,"sent_at":"2026-01-01T00:00:00Z"}',
    '{"type":"error","code":"not_member","message":"no","chat_id":"c"}',
    '{"type":"message","chat_id":"c","seq":1,"message_id":"x","sender":"bob","body":"hi","sent_at":"t","client_msg_id":"m"}',
    '{"type":"history","chat_id":"c","messages":[{"chat_id":"c","seq":1,"message_id":"x","sender":"bob","body":"hi","sent_at":"t","client_msg_id":"m"}]}',
    '{"type":"sync_complete","chats":{"c":{"latest_seq":3,"last_read_seq":1,"unread":2,"truncated":false}}}',
    '{"type":"force_reconnect","reason":"shutdown","retry_after_ms":500}',
    '{"type":"presence","user":"bob","status":"online","last_seen":null}',
  ];
  for (const g of good) {
    const r = parseServerFrame(g);
    assert.ok(r.ok, `${g}: ${r.ok ? "" : r.reason}`);
  }
  const h = parseServerFrame(good[4]);
  assert.ok(h.ok && h.frame.type === "history" && h.frame.messages[0]!.type === "message", "v1 history items get type message");

  const bad = [
    "",
    "not json",
    "{",
    "[1,2]",
    "null",
    "42",
    '"pong"',
    "{}",
    '{"type":7}',
    '{"type":"no_such_frame"}',
    '{"type":"message","chat_id":"c","sender":"bob"}',
    '{"type":"message","chat_id":"c","seq":"1","sender":"bob"}',
    '{"type":"message","chat_id":"c","seq":-1,"sender":"bob"}',
    '{"type":"message","chat_id":"c","seq":1.5,"sender":"bob"}',
    '{"type":"error","message":"no code"}',
    '{"type":"pong","ref":5}',
    '{"type":"history","chat_id":"c","messages":[3]}',
    '{"type":"sync_complete","chats":[]}',
    '{"type":"__proto__"}',
    '{"type":"constructor"}',
  ];
  for (const b of bad) {
    const r = parseServerFrame(b);
    assert.equal(r.ok, false, `${b} must be refused`);
    assert.ok(!r.ok && r.reason.length > 0);
  }
  assert.equal(parseServerFrame(new Uint8Array([1, 2, 3])).ok, false, "binary data");
  assert.equal(parseServerFrame(undefined).ok, false);
});

test("garbage frames from the server are reported and the connection goes on", async (t) => {
  // A misbehaving server: every client frame is answered by garbage first,
  // then by the right reply.
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: () => "linkup.v1" });
  t.after(() => wss.close());
  await new Promise<void>((res) => wss.once("listening", () => res()));
  wss.on("connection", (sock) => {
    sock.on("message", (data) => {
      const f = JSON.parse(String(data)) as { type: string; ref?: string };
      sock.send("this is not json");
      sock.send(Buffer.from([0, 1, 2]), { binary: true });
      sock.send("[1,2,3]");
      sock.send('{"type":"from_the_future","x":1}');
      sock.send('{"type":"message","chat_id":"c","seq":"one"}');
      if (f.type === "sync_request") sock.send(JSON.stringify({ type: "sync_complete", ref: f.ref, chats: {} }));
      if (f.type === "ping") sock.send(JSON.stringify({ type: "pong", ref: f.ref }));
    });
  });
  const port = (wss.address() as { port: number }).port;
  const problems: ParseFailure[] = [];
  const c = client(`ws://127.0.0.1:${port}/ws`, "t", { requestTimeoutMs: 5000, onProtocolError: (p) => problems.push(p) });
  t.after(() => c.close());
  const states: string[] = [];
  c.on("state", (s) => states.push(s.state));
  await c.connect();
  await c.ping();
  await c.ping();
  assert.equal(problems.length, 15, problems.map((p) => p.reason).join("\n"));
  assert.ok(problems.some((p) => p.reason.startsWith("not JSON")));
  assert.ok(problems.some((p) => p.reason.startsWith("binary")));
  assert.ok(problems.some((p) => p.reason.includes("from_the_future")));
  assert.deepEqual(states, ["connecting", "open"], "never reconnected");
});

test("a gap is held until filled; duplicates are dropped; order is by seq", () => {
  const tl = new Timelines();
  const m = (seq: number) => ({
    type: "message" as const,
    chat_id: "c",
    seq,
    message_id: `m${seq}`,
    sender: "a",
    body: "",
    sent_at: "",
    client_msg_id: "",
  });
  tl.track("c", 0);
  assert.deepEqual(tl.accept(m(1)).deliver.map((x) => x.seq), [1]);
  assert.deepEqual(tl.accept(m(3)).deliver, [], "3 waits for 2");
  assert.deepEqual(tl.gapped(), ["c"]);
  assert.equal(tl.accept(m(3)).duplicate, true);
  assert.deepEqual(tl.accept(m(2)).deliver.map((x) => x.seq), [2, 3]);
  assert.equal(tl.accept(m(1)).duplicate, true);
  assert.deepEqual(tl.positions(), { c: 3 });
  tl.accept(m(5));
  assert.deepEqual(tl.skipGap("c").map((x) => x.seq), [5]);
  assert.deepEqual(tl.positions(), { c: 5 });
});

test("backoff has full jitter under an exponential, capped ceiling", () => {
  const o = { baseMs: 100, maxMs: 1000 };
  assert.equal(backoffDelay(0, o, () => 0.999999), 99);
  assert.equal(backoffDelay(3, o, () => 0.999999), 799);
  assert.equal(backoffDelay(4, o, () => 0.999999), 999, "capped");
  assert.equal(backoffDelay(50, o, () => 0.999999), 999, "no overflow");
  assert.equal(backoffDelay(5, o, () => 0), 0, "full jitter reaches 0");
});
