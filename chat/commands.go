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
