// The hand-written types against the contract: every frame type named in
// docs/asyncapi.yaml has a type in src/protocol.ts and the other way round.
// And the built browser module imports nothing outside dist/.

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { CLIENT_COMMAND_TYPES, SERVER_FRAME_TYPES, type WebSocketConstructor } from "../src/index.js";
import { repoRoot } from "./harness.js";

// Compile-time: the DOM's WebSocket fits the option without a cast (ws's
// does too: test/harness.ts). Node 20 has no global one at run time.
export const domWebSocket: WebSocketConstructor | undefined = typeof WebSocket === "undefined" ? undefined : WebSocket;

const schemaPath = process.env.LINKUP_ASYNCAPI ?? join(repoRoot(), "docs", "asyncapi.yaml");

test("every frame type of docs/asyncapi.yaml has a type in src/protocol.ts", { skip: !existsSync(schemaPath) && `no ${schemaPath}` }, () => {
  const yaml = readFileSync(schemaPath, "utf8");
  const server = frameTypes(yaml, "sendServerFrames");
  const client = frameTypes(yaml, "receiveClientFrames");
  assert.ok(server.size >= 10 && client.size >= 10, `read ${server.size} server and ${client.size} client types`);
  assert.deepEqual([...server].filter((t) => !SERVER_FRAME_TYPES.includes(t as never)), [], "server frames without a type");
  assert.deepEqual([...client].filter((t) => !CLIENT_COMMAND_TYPES.includes(t as never)), [], "client frames without a type");
  assert.deepEqual(SERVER_FRAME_TYPES.filter((t) => !server.has(t)), [], "types of server frames the schema does not name");
  assert.deepEqual(CLIENT_COMMAND_TYPES.filter((t) => !client.has(t)), [], "types of client frames the schema does not name");
});

test("the browser module imports only its own files", () => {
  const dist = fileURLToPath(new URL("../../dist", import.meta.url));
  const files = readdirSync(dist).filter((f) => f.endsWith(".js"));
  assert.ok(files.includes("index.js"));
  for (const f of files) {
    const src = readFileSync(join(dist, f), "utf8");
    for (const m of src.matchAll(/\b(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']/g)) {
      const spec = m[1] ?? m[2]!;
      assert.match(spec, /^\.\/[\w-]+\.js$/, `${f} imports ${spec}`);
      assert.ok(files.includes(spec.slice(2)), `${f} imports ${spec}, which is not in dist/`);
    }
    assert.doesNotMatch(src, /\brequire\(|\bprocess\.|\bBuffer\b/, `${f} uses a Node-only global`);
  }
});

/**
 * The `type` names of the frames an AsyncAPI operation lists: operation →
 * channel message → payload schema → `type: {const: NAME}`, following the
 * `$ref`s of a schema without one (AckFrame's anyOf). A line-based reader
 * of this file's layout (the package has no YAML dependency).
 */
function frameTypes(yaml: string, operation: string): Set<string> {
  const lines = yaml.split("\n");
  const messages = refsIn(block(lines, operation, 2), "#/channels/ws/messages/");
  const out = new Set<string>();
  for (const msg of messages) {
    const payload = refsIn(block(lines, msg, 4, "  messages:"), "#/components/schemas/");
    assert.ok(payload.length > 0, `message ${msg} has a payload schema`);
    for (const t of schemaTypes(lines, payload[0]!, new Set())) out.add(t);
  }
  return out;
}

function schemaTypes(lines: string[], schema: string, seen: Set<string>): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const body = block(lines, schema, 4, "  schemas:");
  const direct = [...body.join("\n").matchAll(/^\s{8}type:\s*\{\s*const:\s*([\w]+)\s*\}/gm)].map((m) => m[1]!);
  if (direct.length > 0) return direct;
  return refsIn(body, "#/components/schemas/").flatMap((s) => schemaTypes(lines, s, seen));
}

/** The lines under `key:` at the given indent (after the line `within`, when given). */
function block(lines: string[], key: string, indent: number, within?: string): string[] {
  let i = within ? lines.indexOf(within) : 0;
  assert.ok(i >= 0, `no ${within}`);
  const head = " ".repeat(indent) + key + ":";
  for (; i < lines.length && lines[i] !== head && !lines[i]!.startsWith(head + " "); i++);
  assert.ok(i < lines.length, `no ${key}`);
  const out = [lines[i]!];
  for (i++; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() !== "" && !l.trim().startsWith("#") && l.length - l.trimStart().length <= indent) break;
    out.push(l);
  }
  return out;
}

function refsIn(block: string[], prefix: string): string[] {
  const re = new RegExp(`\\$ref:\\s*'${prefix.replace(/[/#]/g, (c) => "\\" + c)}([\\w]+)'`, "g");
  return [...block.join("\n").matchAll(re)].map((m) => m[1]!);
}
