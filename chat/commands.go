package chat

// Command is one request to a chat, decided by Decide: Create, Post, Read
// or Typing.
type Command interface{ command() }

type (
	// Create creates the chat with By as its creator and first member.
	Create struct {
		By      string
		Title   string
		Members []string
	}
	// Post sends a message. MessageID is the id the message gets if it is
	// stored (the shell draws it; Decide draws nothing).
	Post struct {
		Sender      string
		ClientMsgID string
		Body        string
		MessageID   string
	}
	// Read moves User's read pointer toward Seq, or with ToLatest to the
	// newest item (mark_chat_read).
	Read struct {
		User     string
		Seq      uint64
		ToLatest bool
	}
	// Typing tells the other members that User is (or stopped) typing. It
	// stores nothing.
	Typing struct {
		User     string
		IsTyping bool
	}
)

func (Create) command() {}
func (Post) command()   {}
func (Read) command()   {}
func (Typing) command() {}

// Version 1.1 commands: membership, edits and deletions.
type (
	// AddMembers adds Users to the chat; any member may (By).
	AddMembers struct {
		By    string
		Users []string
	}
	// RemoveMember removes User; the creator may remove anyone, anyone may
	// remove themself (leave_chat is RemoveMember with User == By).
	RemoveMember struct {
		By   string
		User string
	}
	// Edit replaces the body of the message Seq; only its sender may.
	Edit struct {
		By   string
		Seq  uint64
		Body string
	}
	// Delete deletes the message Seq; its sender or the chat's creator may.
	Delete struct {
		By  string
		Seq uint64
	}
)

func (AddMembers) command()   {}
func (RemoveMember) command() {}
func (Edit) command()         {}
func (Delete) command()       {}

// Deliver moves User's delivered pointer toward Seq: a device of the user
// (connection Conn on Node) has received every item up to Seq. The shell
// coalesces receipts into at most one Deliver per user a second.
type Deliver struct {
	User string
	Conn string
	Node string
	Seq  uint64
}

func (Deliver) command() {}
