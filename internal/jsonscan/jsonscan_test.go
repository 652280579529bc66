package jsonscan

import "testing"

func TestPlainString(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		next int
		ok   bool
	}{
		{`"abc",`, "abc", 5, true},
		{`""`, "", 2, true},
		{`"a\"b"`, "", 0, false},     // an escape is not plain
		{"\"a\x01b\"", "", 0, false}, // a control character is not plain
		{"\"\xff\"", "", 0, false},   // invalid UTF-8 is not plain
		{`"open`, "", 0, false},
		{`abc`, "", 0, false},
	} {
		s, next, ok := PlainString([]byte(c.in), 0)
		if ok != c.ok || (ok && (string(s) != c.want || next != c.next)) {
			t.Errorf("PlainString(%q) = %q, %d, %v; want %q, %d, %v", c.in, s, next, ok, c.want, c.next, c.ok)
		}
	}
}

func TestPlainUint(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		next int
		ok   bool
	}{
		{"42}", 42, 2, true},
		{"0", 0, 1, true},
		{"007", 0, 0, false},                  // leading zero
		{"1.5", 0, 0, false},                  // fraction
		{"1e3", 0, 0, false},                  // exponent
		{"-1", 0, 0, false},                   // sign
		{"18446744073709551616", 0, 0, false}, // past uint64
		{"", 0, 0, false},
	} {
		v, next, ok := PlainUint([]byte(c.in), 0)
		if ok != c.ok || (ok && (v != c.want || next != c.next)) {
			t.Errorf("PlainUint(%q) = %d, %d, %v; want %d, %d, %v", c.in, v, next, ok, c.want, c.next, c.ok)
		}
	}
}

func TestSkipSpace(t *testing.T) {
	if got := SkipSpace([]byte(" \t\r\n x"), 0); got != 5 {
		t.Errorf("SkipSpace = %d, want 5", got)
	}
	if got := SkipSpace([]byte("  "), 0); got != 2 {
		t.Errorf("SkipSpace of spaces only = %d, want 2", got)
	}
}

func TestMembers(t *testing.T) {
	str := func(b []byte) func([]byte, int) (int, bool) {
		return func(_ []byte, at int) (int, bool) {
			_, next, ok := PlainString(b, at)
			return next, ok
		}
	}
	for _, c := range []struct {
		in   string
		want bool
	}{
		{` {"a":"x", "b" : "y"} `, true},
		{`{"a":"x"}x`, false}, // trailing bytes
		{`{"a":"x",}`, false}, // trailing comma
		{`{"a":1}`, false},    // a value the member does not take
		{`["a"]`, false},
		{`{"a":"x"`, false},
		{`{}`, false}, // no plain key: not taken, encoding/json decides
	} {
		b := []byte(c.in)
		if got := Members(b, str(b)); got != c.want {
			t.Errorf("Members(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
