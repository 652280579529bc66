package actors

import (
	"testing"

	"github.com/linkup-chat/linkup/chat"
)

// TestChatCodesAreWireCodes: every code package chat refuses with reaches
// clients unchanged (fromChat), so each must be a protocol code.
func TestChatCodesAreWireCodes(t *testing.T) {
	for _, c := range []chat.Code{chat.CodeInvalidPayload, chat.CodeNotFound, chat.CodeNotMember, chat.CodeConflict, chat.CodeForbidden} {
		if got := fromChat(&chat.Error{Code: c, Message: "m"}); !got.Code.Known() {
			t.Errorf("chat code %q is not a protocol code", c)
		}
	}
}
