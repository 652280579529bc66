package chat

// Domain limits. Decide refuses a command past any of them with
// CodeInvalidPayload.
const (
	MaxBodyBytes   = 16 << 10
	MaxTitleBytes  = 256
	MaxMembers     = 1000
	MaxIDBytes     = 128
	MaxClientMsgID = 128
)

// DedupPerSender is how many of each sender's most recent messages in a
// chat are remembered by client_msg_id, so that a client retrying a send
// across reconnects and restarts gets the original ack instead of a second
// copy. The window is per sender, not per chat, so a busy chat cannot push
// a quiet sender's unacknowledged send out of it: 256 covers everything one
// connection can have in flight (messages are limited to 50/s with a burst
// of 100, and an append times out after 5 s). Each entry holds the id and
// the seq (about 70 bytes), so a chat holds at most
// MaxMembers * DedupPerSender entries and a node's total grows with active
// (sender, chat) pairs, not with the number of messages; the window fills
// and then stays flat.
const DedupPerSender = 256
