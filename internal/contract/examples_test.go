package contract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestExamplesMatchSchemas keeps the examples honest: every example of
// docs/asyncapi.yaml and docs/openapi.yaml, and every JSON line of the
// example blocks of docs/PROTOCOL.md, must match its schema.
func TestExamplesMatchSchemas(t *testing.T) {
	t.Run("asyncapi", asyncAPIExamples)
	t.Run("openapi", openAPIExamples)
	t.Run("PROTOCOL.md", protocolExamples)
}

func asyncAPIExamples(t *testing.T) {
	s := loadSpec(t, "asyncapi.yaml")
	msgs := s.at(t, "#/components/messages")
	for _, name := range sortedKeys(msgs) {
		msg := msgs[name].(map[string]any)
		sch := s.schema(t, refOf(t, msg["payload"], name))
		exs, _ := msg["examples"].([]any)
		if len(exs) == 0 {
			t.Errorf("message %s has no example", name)
		}
		for i, ex := range exs {
			raw, _ := json.Marshal(ex.(map[string]any)["payload"])
			if err := validate(sch, raw); err != nil {
				t.Errorf("message %s example %d: %s\n%v", name, i, raw, err)
			}
		}
	}
}

func openAPIExamples(t *testing.T) {
	s := loadSpec(t, "openapi.yaml")
	n := 0
	var walk func(ptr string, node any)
	walk = func(ptr string, node any) {
		m, ok := node.(map[string]any)
		if !ok {
			return
		}
		if ex, ok := m["example"]; ok && m["schema"] != nil && strings.Contains(ptr, "/content/") {
			n++
			raw, _ := json.Marshal(ex)
			if err := validate(s.schema(t, ptr+"/schema"), raw); err != nil {
				t.Errorf("%s example: %s\n%v", ptr, raw, err)
			}
		}
		for _, k := range sortedKeys(m) {
			walk(ptr+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), m[k])
		}
	}
	walk("#", s.tree)
	if n < 10 {
		t.Errorf("only %d examples found in openapi.yaml", n)
	}
}

// protocolExamples validates the lines of the ```json blocks that follow
// the "Examples, one per client frame" and "... server frame" headings, and
// checks that each block shows every frame type of its direction.
func protocolExamples(t *testing.T) {
	fs := loadFrameSchemas(t)
	raw, err := os.ReadFile(filepath.Join(docsDir, "PROTOCOL.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		heading string
		schemas map[string]*jsonschema.Schema
	}{
		{"### Examples, one per client frame", fs.client},
		{"### Examples, one per server frame", fs.server},
	} {
		seen := map[string]bool{}
		for _, line := range exampleBlock(t, string(raw), b.heading) {
			var head struct{ Type string }
			if err := json.Unmarshal([]byte(line), &head); err != nil {
				t.Errorf("PROTOCOL.md: not JSON: %s", line)
				continue
			}
			seen[head.Type] = true
			sch, ok := b.schemas[head.Type]
			if !ok {
				t.Errorf("PROTOCOL.md %q: no schema for type %q", b.heading, head.Type)
				continue
			}
			if err := validate(sch, []byte(line)); err != nil {
				t.Errorf("PROTOCOL.md example: %s\n%v", line, err)
			}
		}
		for typ := range b.schemas {
			if !seen[typ] {
				t.Errorf("PROTOCOL.md %q: no example of %s", b.heading, typ)
			}
		}
	}
}

// exampleBlock returns the lines of the first ```json block after heading.
func exampleBlock(t *testing.T, doc, heading string) []string {
	t.Helper()
	i := strings.Index(doc, heading)
	if i < 0 {
		t.Fatalf("PROTOCOL.md has no %q", heading)
	}
	rest := doc[i:]
	start := strings.Index(rest, "```json\n")
	end := strings.Index(rest[start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatalf("PROTOCOL.md: no json block after %q", heading)
	}
	var out []string
	for _, l := range strings.Split(rest[start+8:start+8+end], "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
