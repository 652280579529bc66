// The durability claim end to end: three clients converse while the real
// server is killed with SIGKILL and restarted (same data, same port) three
// times. Every send resolves, and every client sees every message of the
// chat exactly once, in seq order, with seq 1..N and no gap.

import assert from "node:assert/strict";
import { test } from "node:test";

import type { LinkupClient, MessageFrame, TimelineFrame } from "../src/index.js";
import { client, startServer, tempData, token, waitFor, type Server } from "./harness.js";

const USERS = ["alice", "bob", "carol"];
const PER_USER = process.env.LINKUP_SOAK === "1" ? 200 : 60;
// LINKUP_SOAK=1 kills twenty times.
const KILLS = process.env.LINKUP_SOAK === "1" ? 20 : 3;
const CHAT = "kill-chat";

test(`SIGKILL x${KILLS} during a three-client conversation: no message lost, none twice`, { timeout: 300_000 }, async (t) => {
  const data = tempData();
  let server: Server = await startServer(data);
  const port = server.port;
  t.after(() => server.kill());

  const clients: LinkupClient[] = [];
  const seen = new Map<string, MessageFrame[]>();
  const states = new Map<string, string[]>();
  for (const u of USERS) {
    const c = client(server.url, await token(data, u), { requestTimeoutMs: 3000 });
    seen.set(u, []);
    states.set(u, []);
    c.on("message", (m) => {
      if (m.chat_id === CHAT) seen.get(u)!.push(m);
    });
    c.on("state", (s) => states.get(u)!.push(s.state));
    c.on("protocolError", (f) => assert.fail(`${u}: protocol error ${f.reason}`));
    clients.push(c);
  }
  t.after(() => clients.forEach((c) => c.close()));
  await Promise.all(clients.map((c) => c.connect()));
  await clients[0]!.createChat({ chat_id: CHAT, title: "kill", members: USERS.slice(1) });

  // Each user sends PER_USER messages, a few in flight at a time, and keeps
  // going through the restarts: sends made while the server is down wait in
  // the client's queue.
  let acked = 0;
  const senders = clients.map(async (c, i) => {
    const acks = [];
    for (let n = 0; n < PER_USER; n += 3) {
      const batch = [n, n + 1, n + 2].filter((k) => k < PER_USER).map((k) => c.send(CHAT, `${USERS[i]}-${k}`));
      for (const a of await Promise.all(batch)) {
        acks.push(a);
        acked++;
      }
    }
    return acks;
  });

  const total = USERS.length * PER_USER;
  for (let k = 1; k <= KILLS; k++) {
    await waitFor(() => acked >= (total * k) / (KILLS + 1), `${(total * k) / (KILLS + 1)} acks before kill ${k}`, 60_000);
    const inFlight = clients.reduce((n, c) => n + c.pendingSends, 0);
    assert.equal(await server.kill("SIGKILL"), "SIGKILL");
    t.diagnostic(`kill ${k}: ${acked} acked, ${inFlight} sends pending`);
    server = await startServer(data, port);
    // Every client back (and caught up) before the next kill, so that each
    // kill cuts all three connections mid-conversation.
    await Promise.all(clients.map((c) => c.ready()));
  }
  const allAcks = (await Promise.all(senders)).flat();
  assert.equal(allAcks.length, total);

  // The acks: seq 1..total, each once.
  const ackSeqs = allAcks.map((a) => a.seq).sort((a, b) => a - b);
  assert.deepEqual(ackSeqs, range(1, total), "acked seqs are 1..N, no gap, none twice");

  // Every client: every message once, in seq order.
  await waitFor(() => USERS.every((u) => seen.get(u)!.length >= total), "every client to see every message", 60_000);
  const bodies = USERS.flatMap((u) => range(0, PER_USER - 1).map((k) => `${u}-${k}`)).sort();
  for (const u of USERS) {
    const got = seen.get(u)!;
    assert.deepEqual(
      got.map((m) => m.seq),
      range(1, total),
      `${u} sees seq 1..${total} exactly once, in order`,
    );
    assert.deepEqual(got.map((m) => m.body).sort(), bodies, `${u} sees every body once`);
    const reconnects = states.get(u)!.filter((s) => s === "reconnecting").length;
    assert.ok(reconnects >= KILLS, `${u} reconnected after each kill: ${states.get(u)!.join(",")}`);
  }

  // And the server agrees: its history holds the same messages with the same seqs.
  const fresh = client(server.url, await token(data, "alice"));
  t.after(() => fresh.close());
  await fresh.connect();
  const stored: TimelineFrame[] = [];
  for (let before: number | undefined; before !== 1; ) {
    const h = await fresh.getHistory(CHAT, { limit: 500, beforeSeq: before });
    if (h.messages.length === 0) break;
    stored.unshift(...h.messages);
    before = h.messages[0]!.seq;
  }
  assert.deepEqual(
    stored.map((m) => m.seq),
    range(1, total),
    "the server's history",
  );
  const bySeq = new Map(stored.map((m) => [m.seq, m.type === "message" ? m.body : ""]));
  for (const u of USERS) for (const m of seen.get(u)!) assert.equal(m.body, bySeq.get(m.seq), `${u} seq ${m.seq}`);
});

function range(from: number, to: number): number[] {
  const out = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}
