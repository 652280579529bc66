// Wire types of the linkup protocol (PROTOCOL.md, v1 and v1.1), written by
// hand. Field names are the wire's (snake_case): a frame is exactly the JSON
// object the server sends or expects. v1.1 entries are marked; servers that
// speak only v1 answer them with `error` `unknown_type`.
/** The error codes after which the same request may succeed later. */
export const RETRYABLE_CODES = ["rate_limited", "unavailable", "internal"];
export const TIMELINE_TYPES = [
    "message",
    "members_changed",
    "message_edited",
    "message_deleted",
];
/** Every server frame type, for parsers and schema checks. */
export const SERVER_FRAME_TYPES = [
    "pong",
    "ack",
    "error",
    "message",
    "chat_created",
    "typing",
    "read",
    "members_changed",
    "message_edited",
    "message_deleted",
    "delivered",
    "presence",
    "presence_state",
    "connection_status",
    "chats",
    "history",
    "sync_complete",
    "force_reconnect",
];
/** Every client command type. */
export const CLIENT_COMMAND_TYPES = [
    "ping",
    "create_chat",
    "send_message",
    "typing",
    "read_receipt",
    "bulk_read_receipt",
    "mark_chat_read",
    "get_connection_status",
    "list_chats",
    "get_history",
    "sync_request",
    "force_reconnect",
    "add_members",
    "remove_member",
    "leave_chat",
    "edit_message",
    "delete_message",
    "delivery_receipt",
    "get_presence",
];
/** The subprotocol the server speaks. */
export const PROTOCOL = "linkup.v1";
