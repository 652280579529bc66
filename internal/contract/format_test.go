package contract

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// TestDocsAreValidAsyncAPIAndOpenAPI checks both documents against the
// official schemas of their formats (testdata/README.md), so tools that
// generate clients or render docs from them accept them.
func TestDocsAreValidAsyncAPIAndOpenAPI(t *testing.T) {
	for _, c := range []struct{ doc, format string }{
		{"asyncapi.yaml", "asyncapi-3.0.0.schema.json.gz"},
		{"openapi.yaml", "openapi-3.1.schema.json.gz"},
	} {
		t.Run(c.doc, func(t *testing.T) {
			meta := formatSchema(t, c.format)
			raw, err := os.ReadFile(filepath.Join(docsDir, c.doc))
			if err != nil {
				t.Fatal(err)
			}
			var tree any
			if err := yaml.Unmarshal(raw, &tree); err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(tree)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
			if err != nil {
				t.Fatal(err)
			}
			if err := meta.Validate(inst); err != nil {
				t.Errorf("docs/%s is not a valid document of its format:\n%v", c.doc, err)
			}
		})
	}
}

func formatSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(zr)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("file:///format.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("file:///format.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}
