// The client against the real server: both browser ways of presenting the
// token, token refresh after a refused handshake, typed errors, request
// timeouts, the offline send queue and idempotent retries.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import WebSocket from "ws";

import {
  ConnectionLostError,
  ServerError,
  TimeoutError,
  type ForceReconnectFrame,
  type MessageFrame,
} from "../src/index.js";
import { client, startServer, tempData, token, waitFor, type Server } from "./harness.js";

/** No test may hang: each has a minute (a healthy run takes about a second). */
const T = { timeout: 60_000 };

let server: Server;
let data: string;

before(async () => {
  data = tempData();
  server = await startServer(data);
});
after(() => server.kill());

for (const via of ["query", "subprotocol"] as const) {
  test(`token by ${via}`, T, async (t) => {
    const tok = await token(data, "alice");
    const dialled: { url: string; protocols: string[] }[] = [];
    class Recording extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        dialled.push({ url, protocols: [protocols ?? []].flat() });
      }
    }
    const c = client(server.url, tok, { tokenVia: via, WebSocket: Recording });
    t.after(() => c.close());
    await c.connect();
    const st = await c.getConnectionStatus();
    assert.equal(st.user_id, "alice");
    assert.equal(st.protocol, "linkup.v1");
    assert.equal(dialled.length, 1);
    const d = dialled[0]!;
    if (via === "query") {
      assert.equal(new URL(d.url).searchParams.get("token"), tok);
      assert.deepEqual(d.protocols, ["linkup.v1"]);
    } else {
      assert.equal(d.url, server.url, "no token in the URL");
      assert.deepEqual(d.protocols, ["linkup.v1", `bearer.${tok}`]);
    }
    c.close();
    assert.equal(c.state, "closed");
  });
}

test("a refused token is refreshed through refreshToken and the client connects", T, async (t) => {
  const good = await token(data, "alice");
  let calls = 0;
  const c = client(server.url, "not-a-jwt", {
    refreshToken: async () => {
      calls++;
      return good;
    },
  });
  t.after(() => c.close());
  await c.connect();
  assert.equal(calls, 1);
  assert.equal((await c.getConnectionStatus()).user_id, "alice");
});

test("a token about to expire is refreshed before the connection", T, async (t) => {
  const short = await token(data, "alice", "--ttl", "30s");
  const fresh = await token(data, "alice");
  let calls = 0;
  const c = client(server.url, short, {
    refreshMarginMs: 60_000,
    refreshToken: async () => {
      calls++;
      return fresh;
    },
  });
  t.after(() => c.close());
  await c.connect();
  assert.equal(calls, 1);
});

test("a token that expires while connected is refreshed and the client comes back", T, async (t) => {
  const short = await token(data, "alice", "--ttl", "2s");
  const fresh = await token(data, "alice");
  let calls = 0;
  const c = client(server.url, short, {
    refreshMarginMs: 0, // not refreshed ahead: the server's close (1008), or the refused reconnect after it, triggers it
    refreshToken: async () => {
      calls++;
      return fresh;
    },
  });
  t.after(() => c.close());
  const states: string[] = [];
  c.on("state", (s) => states.push(s.state));
  await c.connect();
  assert.equal(calls, 0);
  await waitFor(() => states.includes("reconnecting") && c.state === "open", "the server to close at expiry and the client to return", 30_000);
  await c.ready();
  assert.equal(calls, 1);
  assert.equal((await c.getConnectionStatus()).user_id, "alice");
});

test("a refusal carries the server's code and chat", T, async (t) => {
  const c = client(server.url, await token(data, "mallory"));
  t.after(() => c.close());
  await c.connect();
  const err = await c.getHistory("nobody-invited-mallory").then(
    () => assert.fail("history of a chat one is not in"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ServerError, String(err));
  assert.ok(err.code === "not_found" || err.code === "not_member", err.code);
  assert.ok(err.serverMessage.length > 0);
  // PROTOCOL.md asks for chat_id on an error about one chat; the v1 server
  // may leave it out, but when it is there it names the chat.
  if (err.chatId !== undefined) assert.equal(err.chatId, "nobody-invited-mallory");
  // And a send refused for good rejects instead of retrying forever.
  const refused = await c.send("nobody-invited-mallory", "hi").then(
    () => assert.fail("send to a chat one is not in"),
    (e: unknown) => e,
  );
  assert.ok(refused instanceof ServerError && (refused.code === "not_member" || refused.code === "not_found"));
  assert.equal(c.pendingSends, 0);
});

test("a request with no reply times out with TimeoutError; the client recovers", T, async (t) => {
  const c = client(server.url, await token(data, "alice"), { requestTimeoutMs: 300 });
  t.after(() => c.close());
  await c.connect();
  await server.stop(); // the socket stays open, nothing answers
  try {
    const err = await c.ping().then(
      () => assert.fail("a stopped server answered"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TimeoutError, String(err));
    assert.equal(err.requestType, "ping");
    assert.equal(err.timeoutMs, 300);
  } finally {
    server.cont();
  }
  await c.ping({ timeoutMs: 10_000 });
});

test("sends made offline are queued and delivered once the server is back", T, async (t) => {
  const alice = client(server.url, await token(data, "alice"));
  const bob = client(server.url, await token(data, "bob"));
  t.after(() => alice.close());
  t.after(() => bob.close());
  await Promise.all([alice.connect(), bob.connect()]);
  await alice.createChat({ chat_id: "offline", title: "offline", members: ["bob"] });
  const got: MessageFrame[] = [];
  bob.on("message", (m) => {
    if (m.chat_id === "offline") got.push(m);
  });

  // A request in flight when the connection drops cannot know its fate.
  await server.stop();
  const lost = alice.listChats({ timeoutMs: 30_000 }).then(
    () => assert.fail("reply from a killed server"),
    (e: unknown) => e,
  );
  const port = server.port;
  server.proc.kill("SIGKILL");
  server.cont();
  await server.exited;
  const lostErr = await lost;
  assert.ok(lostErr instanceof ConnectionLostError, String(lostErr));

  await waitFor(() => alice.state === "reconnecting", "alice to notice");
  const sends = [1, 2, 3].map((i) => alice.send("offline", `while down ${i}`));
  assert.equal(alice.pendingSends, 3);
  server = await startServer(data, port);
  const acks = await Promise.all(sends);
  assert.deepEqual(
    acks.map((a) => a.seq),
    [1, 2, 3],
  );
  await waitFor(() => got.length === 3, "bob to get the three messages");
  assert.deepEqual(
    got.map((m) => [m.seq, m.body]),
    [
      [1, "while down 1"],
      [2, "while down 2"],
      [3, "while down 3"],
    ],
  );
});

test("a send retried after its ack timed out is stored once", T, async (t) => {
  const alice = client(server.url, await token(data, "alice"), { requestTimeoutMs: 200 });
  t.after(() => alice.close());
  await alice.connect();
  await alice.createChat({ chat_id: "retry", title: "retry", members: [] }, { timeoutMs: 10_000 });
  const frames: string[] = [];
  // Every send_message written, through the client's own socket.
  const origSend = WebSocketSendSpy.install(alice, frames);
  t.after(origSend);

  await server.stop(); // the first attempt's ack cannot come in time
  const p = alice.send("retry", "once only", { clientMsgId: "retry-1" });
  await waitFor(() => frames.length >= 2, "the client to write the send again");
  server.cont();
  const ack = await p;
  assert.equal(ack.client_msg_id, "retry-1");
  const ids = frames.map((f) => (JSON.parse(f) as { client_msg_id: string }).client_msg_id);
  assert.ok(
    ids.every((id) => id === "retry-1"),
    `every attempt carries the same client_msg_id: ${ids.join(",")}`,
  );
  const h = await alice.getHistory("retry", {}, { timeoutMs: 10_000 });
  assert.deepEqual(
    h.messages.map((m) => m.seq),
    [1],
    `${frames.length} attempts, one message`,
  );
  assert.equal(ack.seq, 1);
});

test("force_reconnect: the client reconnects, syncs, and misses nothing", T, async (t) => {
  const alice = client(server.url, await token(data, "alice"));
  // Bob comes back after up to a second, so alice's messages are posted while he is away.
  const bob = client(server.url, await token(data, "bob"), { backoff: { baseMs: 1000, maxMs: 1000 } });
  t.after(() => alice.close());
  t.after(() => bob.close());
  await Promise.all([alice.connect(), bob.connect()]);
  await alice.createChat({ chat_id: "fr", title: "fr", members: ["bob"] });
  const got: number[] = [];
  bob.on("message", (m) => {
    if (m.chat_id === "fr") got.push(m.seq);
  });
  const told: ForceReconnectFrame[] = [];
  bob.on("force_reconnect", (f) => told.push(f));
  const states: string[] = [];
  bob.on("state", (s) => states.push(s.state));

  await alice.send("fr", "before");
  await waitFor(() => got.length === 1, "bob to get the first message");
  assert.ok(bob.forceReconnect());
  await waitFor(() => states.includes("reconnecting"), "bob to be sent away");
  for (let i = 0; i < 5; i++) await alice.send("fr", `while bob is away ${i}`);
  await bob.ready();
  await waitFor(() => got.length === 6, "bob to catch up");
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6]);
  assert.equal(told.length, 1);
  assert.equal(told[0]!.reason, "client_request");
  assert.ok(Number.isInteger(told[0]!.retry_after_ms));
  assert.deepEqual(states, ["reconnecting", "open"]);
});

test("SIGTERM: the server's force_reconnect (shutdown) is honoured and the client returns to the restarted server", T, async (t) => {
  const dials: number[] = [];
  class Recording extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      dials.push(performance.now());
    }
  }
  const c = client(server.url, await token(data, "alice"), { WebSocket: Recording });
  t.after(() => c.close());
  await c.connect();
  let toldAt = 0;
  const told: ForceReconnectFrame[] = [];
  c.on("force_reconnect", (f) => {
    toldAt = performance.now();
    told.push(f);
  });
  const port = server.port;
  assert.equal(await server.kill("SIGTERM"), "0", "graceful stop exits 0");
  assert.equal(told.length, 1);
  assert.equal(told[0]!.reason, "shutdown");
  const wait = told[0]!.retry_after_ms;
  assert.ok(wait >= 0);
  server = await startServer(data, port);
  await c.ready();
  await c.ping();
  // A lower bound only (timers never fire early): the next dial came no
  // sooner than the server asked.
  assert.ok(dials.length >= 2);
  assert.ok(dials[1]! - toldAt >= wait - 1, `redialled ${dials[1]! - toldAt} ms after being told to wait ${wait} ms`);
});

/** Records the send_message frames a client writes (its socket's send, wrapped). */
const WebSocketSendSpy = {
  install(c: object, into: string[]): () => void {
    const sock = (c as { ws: { send(d: string): void } | null }).ws!;
    const orig = sock.send.bind(sock);
    sock.send = (d: string) => {
      if (d.includes('"send_message"')) into.push(d);
      orig(d);
    };
    return () => {
      sock.send = orig;
    };
  },
};
