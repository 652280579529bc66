// Parsing server frames. A frame that cannot be parsed is never thrown: it
// comes back as a ParseFailure for the client to report (protocolError) and
// skip, so one bad frame cannot end a session.
import { SERVER_FRAME_TYPES } from "./protocol.js";
/** The fields the client relies on, per frame type; other fields pass as they are. */
const REQUIRED = {
    pong: {},
    ack: {},
    error: { code: "string", message: "string" },
    message: { chat_id: "string", seq: "number", sender: "string" },
    chat_created: { chat_id: "string", members: "array" },
    typing: { chat_id: "string", user: "string", is_typing: "boolean" },
    read: { chat_id: "string", user: "string", last_read_seq: "number" },
    members_changed: { chat_id: "string", seq: "number", members: "array" },
    message_edited: { chat_id: "string", seq: "number", target_seq: "number" },
    message_deleted: { chat_id: "string", seq: "number", target_seq: "number" },
    delivered: { chat_id: "string", user: "string", delivered_seq: "number" },
    presence: { user: "string", status: "string" },
    presence_state: { users: "array" },
    connection_status: { connection_id: "string", user_id: "string" },
    chats: { chats: "array" },
    history: { chat_id: "string", messages: "array" },
    sync_complete: { chats: "object" },
    force_reconnect: { reason: "string" },
};
const KNOWN = new Set(SERVER_FRAME_TYPES);
const SEQ_FIELDS = ["seq", "target_seq", "last_read_seq", "delivered_seq"];
function kindOf(v) {
    if (v === null)
        return "null";
    if (Array.isArray(v))
        return "array";
    const t = typeof v;
    if (t === "string" || t === "number" || t === "boolean" || t === "object")
        return t;
    return "other";
}
function fail(reason, raw) {
    return { ok: false, reason, raw: raw.length > 1024 ? raw.slice(0, 1024) + "…" : raw };
}
/** Checks one decoded object against its type's required fields. */
export function checkFrame(obj) {
    const type = obj.type;
    if (typeof type !== "string")
        return "frame has no string `type`";
    if (!KNOWN.has(type))
        return `unknown frame type ${JSON.stringify(type.slice(0, 64))}`;
    for (const [field, kind] of Object.entries(REQUIRED[type])) {
        if (kindOf(obj[field]) !== kind)
            return `${type}: field \`${field}\` is not a ${kind}`;
    }
    for (const f of SEQ_FIELDS) {
        const v = obj[f];
        if (v !== undefined && (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)) {
            return `${type}: field \`${f}\` is not a non-negative integer`;
        }
    }
    if (obj.ref !== undefined && typeof obj.ref !== "string")
        return `${type}: field \`ref\` is not a string`;
    return undefined;
}
/**
 * Parses one WebSocket message into a server frame. Binary data, text that
 * is not JSON, JSON that is not an object, unknown types and frames missing
 * a field the client relies on are failures, never exceptions.
 */
export function parseServerFrame(data) {
    if (typeof data !== "string") {
        return fail("binary frame (the server sends JSON text frames only)", `<${describe(data)}>`);
    }
    let obj;
    try {
        obj = JSON.parse(data);
    }
    catch (e) {
        return fail(`not JSON: ${e.message}`, data);
    }
    if (kindOf(obj) !== "object")
        return fail("frame is not a JSON object", data);
    const rec = obj;
    const problem = checkFrame(rec);
    if (problem)
        return fail(problem, data);
    if (rec.type === "history") {
        const items = rec.messages;
        for (let i = 0; i < items.length; i++) {
            const item = items[i];
            if (kindOf(item) !== "object")
                return fail(`history: item ${i} is not an object`, data);
            const it = item;
            if (it.type === undefined)
                it.type = "message"; // v1 history items carry no type
            const p = checkFrame(it);
            if (p)
                return fail(`history: item ${i}: ${p}`, data);
        }
    }
    return { ok: true, frame: rec };
}
function describe(data) {
    if (data instanceof ArrayBuffer)
        return `${data.byteLength} bytes`;
    if (ArrayBuffer.isView(data))
        return `${data.byteLength} bytes`;
    if (typeof Blob !== "undefined" && data instanceof Blob)
        return `${data.size} bytes`;
    return typeof data;
}
