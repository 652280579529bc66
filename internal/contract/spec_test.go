package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// docsDir is the repository's docs folder, seen from this package.
var docsDir = filepath.Join("..", "..", "docs")

// spec is one YAML document of docs/ loaded for validation: its tree (for
// following references) and a compiler that resolves "#/..." inside it.
type spec struct {
	url  string
	tree map[string]any
	c    *jsonschema.Compiler
}

// loadSpec reads docs/<name>, parses it as YAML and registers it with a
// fresh JSON Schema compiler under its own URL. AsyncAPI 3.0 payloads are
// AsyncAPI Schema objects (JSON Schema draft-07 semantics); OpenAPI 3.1
// schemas are draft 2020-12.
func loadSpec(t testing.TB, name string) *spec {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(docsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	js, err := json.Marshal(tree)
	if err != nil {
		t.Fatalf("%s: not representable as JSON: %v", name, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	s := &spec{url: "file:///" + strings.TrimSuffix(name, ".yaml") + ".json", tree: tree, c: jsonschema.NewCompiler()}
	s.c.DefaultDraft(jsonschema.Draft2020)
	if strings.HasPrefix(name, "asyncapi") {
		s.c.DefaultDraft(jsonschema.Draft7)
	}
	s.c.AssertFormat()
	if err := s.c.AddResource(s.url, doc); err != nil {
		t.Fatal(err)
	}
	return s
}

// schema compiles the schema at a JSON pointer ("#/components/schemas/X").
func (s *spec) schema(t testing.TB, ptr string) *jsonschema.Schema {
	t.Helper()
	sch, err := s.c.Compile(s.url + ptr)
	if err != nil {
		t.Fatalf("compile %s: %v", ptr, err)
	}
	return sch
}

// at returns the node at a JSON pointer, following one "$ref" at the end.
func (s *spec) at(t testing.TB, ptr string) map[string]any {
	t.Helper()
	var node any = s.tree
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "#/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("%s: %q is not inside an object", ptr, tok)
		}
		node = m[tok]
	}
	m, ok := node.(map[string]any)
	if !ok {
		t.Fatalf("%s: not an object", ptr)
	}
	if ref, ok := m["$ref"].(string); ok {
		return s.at(t, ref)
	}
	return m
}

// refOf returns the "$ref" of node, failing if it has none.
func refOf(t testing.TB, node any, where string) string {
	t.Helper()
	m, _ := node.(map[string]any)
	ref, ok := m["$ref"].(string)
	if !ok {
		t.Fatalf("%s: expected a $ref, got %v", where, node)
	}
	return ref
}

// frameSchemas are the compiled schemas of docs/asyncapi.yaml: client
// frames by type (the server's receive operations), server frames by type
// (its send operations) and ack variants by the command they answer.
type frameSchemas struct {
	client map[string]*jsonschema.Schema
	server map[string]*jsonschema.Schema
	acks   map[string]*jsonschema.Schema
}

func loadFrameSchemas(t testing.TB) *frameSchemas {
	t.Helper()
	s := loadSpec(t, "asyncapi.yaml")
	fs := &frameSchemas{client: map[string]*jsonschema.Schema{}, server: map[string]*jsonschema.Schema{}, acks: map[string]*jsonschema.Schema{}}
	ops, _ := s.tree["operations"].(map[string]any)
	for name, o := range ops {
		op, _ := o.(map[string]any)
		into := map[string]map[string]*jsonschema.Schema{"receive": fs.client, "send": fs.server}[fmt.Sprint(op["action"])]
		if into == nil {
			t.Fatalf("operation %s: action %v", name, op["action"])
		}
		msgs, _ := op["messages"].([]any)
		for _, m := range msgs {
			msg := s.at(t, refOf(t, m, "operation "+name))
			typ, _ := msg["name"].(string)
			if _, dup := into[typ]; dup || typ == "" {
				t.Fatalf("operation %s: message name %q missing or repeated", name, typ)
			}
			into[typ] = s.schema(t, refOf(t, msg["payload"], "message "+typ+" payload"))
		}
	}
	schemas := s.at(t, "#/components/schemas")
	for name, sc := range schemas {
		forCmds, _ := sc.(map[string]any)["x-ack-for"].([]any)
		for _, cmd := range forCmds {
			fs.acks[fmt.Sprint(cmd)] = s.schema(t, "#/components/schemas/"+name)
		}
	}
	return fs
}

// validate checks raw JSON against sch and returns a readable error.
func validate(sch *jsonschema.Schema, raw []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return sch.Validate(inst)
}
