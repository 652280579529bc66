package contract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/transport"
)

// httpSecret is the HMAC key the test's `linkup serve` runs with.
const httpSecret = "contract-test-secret"

// TestHTTPAnswersMatchOpenAPI runs the real `linkup serve` (store,
// projections, query API wired as in production), makes traffic, and
// validates every answer of the HTTP API against docs/openapi.yaml.
func TestHTTPAnswersMatchOpenAPI(t *testing.T) {
	api := loadSpec(t, "openapi.yaml")
	base := startLinkup(t)
	analyst, admin, plain := httpToken(t, "ana", "analyst"), httpToken(t, "root", "admin"), httpToken(t, "bob")
	makeTraffic(t, "ws"+strings.TrimPrefix(base, "http")+"/ws")
	waitProjected(t, base, analyst)
	waitDelivered(t, base, analyst)

	cases := []httpCase{
		{"GET", "/healthz", "/healthz", "", "", 200},
		{"GET", "/readyz", "/readyz", "", "", 200},
		{"GET", "/metrics", "/metrics", "", "", 200},
		{"GET", "/ws", "/ws", "", "", 401},
		{"GET", "/v1/errors?limit=2", "/v1/errors", analyst, "", 200},
		{"GET", "/v1/errors?severity=low&error_type=invalid_payload&user=alice", "/v1/errors", analyst, "", 200},
		{"GET", "/v1/errors?since=2020-01-01T00:00:00Z&until=2099-01-01T00:00:00Z", "/v1/errors", analyst, "", 200},
		{"GET", "/v1/errors?severity=loud", "/v1/errors", analyst, "", 400},
		{"GET", "/v1/errors?limit=2&limit=3", "/v1/errors", analyst, "", 400},
		{"GET", "/v1/errors?colour=red", "/v1/errors", analyst, "", 400},
		{"GET", "/v1/errors", "/v1/errors", "", "", 401},
		{"GET", "/v1/errors", "/v1/errors", plain, "", 403},
		{"GET", "/v1/errors/hourly", "/v1/errors/hourly", analyst, "", 200},
		{"GET", "/v1/errors/hourly?since=nope", "/v1/errors/hourly", analyst, "", 400},
		{"GET", "/v1/read-states?user=bob", "/v1/read-states", analyst, "", 200},
		{"GET", "/v1/read-states?chat=ops", "/v1/read-states", analyst, "", 200},
		{"GET", "/v1/read-states", "/v1/read-states", analyst, "", 400},
		{"GET", "/v1/read-states?user=bob", "/v1/read-states", plain, "", 403},
		{"GET", "/v1/deliveries?chat=ops&seq=1", "/v1/deliveries", analyst, "", 200},
		{"GET", "/v1/deliveries?chat=ops&seq=99", "/v1/deliveries", analyst, "", 404},
		{"GET", "/v1/deliveries?chat=ops", "/v1/deliveries", analyst, "", 400},
		{"GET", "/v1/deliveries?chat=ops&seq=1", "/v1/deliveries", "", "", 401},
		{"GET", "/v1/deliveries?chat=ops&seq=1", "/v1/deliveries", plain, "", 403},
		{"GET", "/v1/projections", "/v1/projections", analyst, "", 200},
		{"GET", "/v1/cluster", "/v1/cluster", analyst, "", 200},
		{"GET", "/v1/projections?token=" + analyst, "/v1/projections", "", "", 200},
		{"GET", "/v1/projections", "/v1/projections", "not-a-token", "", 401},
		{"POST", "/v1/admin/revoke", "/v1/admin/revoke", admin, `{"user":"mallory","reason":"test"}`, 200},
		{"POST", "/v1/admin/revoke", "/v1/admin/revoke", admin, `{"reason":"no user"}`, 400},
		{"POST", "/v1/admin/revoke", "/v1/admin/revoke", analyst, `{"user":"mallory"}`, 403},
		{"POST", "/v1/admin/revoke", "/v1/admin/revoke", "", `{"user":"mallory"}`, 401},
	}
	cases = append(cases, timelineCases(t, base, analyst, plain)...)
	called := map[string]bool{}
	for _, c := range cases {
		called[c.method+" "+c.template] = true
		t.Run(c.method+" "+c.path, func(t *testing.T) { c.run(t, api, base) })
	}
	t.Run("every documented path is called", func(t *testing.T) { checkEveryPathCalled(t, api, called) })
}

// httpCase is one request of TestHTTPAnswersMatchOpenAPI: template is the
// path as openapi.yaml names it, status the answer expected.
type httpCase struct {
	method, path, template, token, body string
	status                              int
}

// run sends c to base, checks the status and validates the answer against
// its documented response; it returns the body.
func (c httpCase) run(t *testing.T, api *spec, base string) []byte {
	t.Helper()
	status, ctype, body := testnode.Do(t, c.method, base+c.path, c.token, c.body)
	if status != c.status {
		t.Fatalf("status %d, want %d: %s", status, c.status, body)
	}
	checkResponse(t, api, c.method, c.template, status, ctype, body)
	return body
}

// checkEveryPathCalled fails for an operation of openapi.yaml that no case
// called: a documented answer nobody checks can drift from the server.
func checkEveryPathCalled(t *testing.T, api *spec, called map[string]bool) {
	paths, _ := api.tree["paths"].(map[string]any)
	for path, ops := range paths {
		for method := range ops.(map[string]any) {
			op := strings.ToUpper(method) + " " + path
			if !called[op] {
				t.Errorf("openapi.yaml documents %s but TestHTTPAnswersMatchOpenAPI never calls it", op)
			}
		}
	}
}

// checkResponse validates body against the schema of the documented
// response for (path, method, status, content type).
func checkResponse(t *testing.T, api *spec, method, path string, status int, ctype string, body []byte) {
	t.Helper()
	mt, _, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("content type %q: %v", ctype, err)
	}
	ptr := fmt.Sprintf("#/paths/%s/%s/responses/%d", strings.ReplaceAll(path, "/", "~1"), strings.ToLower(method), status)
	resp := api.at(t, ptr)
	content, _ := resp["content"].(map[string]any)
	if _, ok := content[mt]; !ok {
		t.Fatalf("%s %s %d: content type %s is not documented (%v)", method, path, status, mt, keys(content))
	}
	sch := api.schema(t, locate(t, api, ptr)+"/content/"+strings.ReplaceAll(mt, "/", "~1")+"/schema")
	inst := body
	if mt != "application/json" {
		inst, _ = json.Marshal(string(body)) // a text body is validated as one JSON string
	}
	if err := validate(sch, inst); err != nil {
		t.Errorf("%s %s %d does not match docs/openapi.yaml:\n%s\n%v", method, path, status, body, err)
	}
}

// locate returns ptr, or the target of the $ref at ptr (a shared response).
func locate(t *testing.T, api *spec, ptr string) string {
	var node any = api.tree
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "#/"), "/") {
		node = node.(map[string]any)[strings.ReplaceAll(tok, "~1", "/")]
	}
	if ref, ok := node.(map[string]any)["$ref"].(string); ok {
		return ref
	}
	return ptr
}

func httpToken(t *testing.T, user string, roles ...string) string {
	t.Helper()
	tok, err := transport.IssueToken([]byte(httpSecret), user, roles, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

var readyLine = regexp.MustCompile(`linkup ready.* addr=(\S+)`)

// startLinkup builds cmd/linkup, runs `linkup serve` on a free loopback
// port with a fresh data directory, and returns its http:// base URL.
func startLinkup(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "linkup")
	build := exec.Command("go", "build", "-o", bin, "github.com/linkup-chat/linkup/cmd/linkup")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "LINKUP_JWT_SECRET="+httpSecret)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("linkup serve printed no ready line")
		return ""
	}
}

// makeTraffic gives the projections something to show: a chat, messages,
// an edit, a read and a delivery receipt, and two client errors.
func makeTraffic(t *testing.T, url string) {
	t.Helper()
	dialAs := func(user string) *client.Client {
		c, err := client.Dial(context.Background(), url, client.Options{Token: httpToken(t, user)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	alice, bob := dialAs("alice"), dialAs("bob")
	steps := []struct {
		c    *client.Client
		msg  string
		want string
	}{
		{alice, `{"type":"create_chat","ref":"1","chat_id":"ops","title":"Ops","members":["bob"]}`, "ack"},
		{alice, `{"type":"send_message","ref":"2","chat_id":"ops","client_msg_id":"m-1","body":"hello"}`, "ack"},
		{alice, `{"type":"send_message","ref":"3","chat_id":"ops","client_msg_id":"m-2","body":"again"}`, "ack"},
		{bob, `{"type":"read_receipt","ref":"4","chat_id":"ops","seq":1}`, "ack"},
		{bob, `{"type":"delivery_receipt","ref":"4d","chat_id":"ops","seq":2}`, "ack"},
		{alice, `{"type":"edit_message","ref":"4e","chat_id":"ops","seq":1,"body":"hello, edited"}`, "ack"},
		{alice, `{"type":"send_message","ref":"5","chat_id":"ops","client_msg_id":"m-3"}`, "error"},
		{bob, `{"type":"teleport","ref":"6"}`, "error"},
	}
	for _, s := range steps {
		var m map[string]any
		_ = json.Unmarshal([]byte(s.msg), &m)
		if err := s.c.Send(m); err != nil {
			t.Fatal(err)
		}
		f, err := s.c.Expect(wait, func(f client.Frame) bool { return f.Ref() == m["ref"] })
		if err != nil || f.Type != s.want {
			t.Fatalf("%s: got %s (%v), want %s", s.msg, f.Raw, err, s.want)
		}
	}
}

// waitProjected waits until every projection has reached the head of the
// log, so the query answers carry rows.
func waitProjected(t *testing.T, base, token string) {
	t.Helper()
	poll.Until(t, 20*time.Second, "projections caught up", func() bool {
		_, _, body := testnode.Do(t, "GET", base+"/v1/projections", token, "")
		var p struct {
			Items []struct {
				Checkpoint, Head uint64
			}
		}
		if json.Unmarshal(body, &p) != nil || len(p.Items) == 0 || !caughtUp(p.Items) {
			return false
		}
		_, _, errs := testnode.Do(t, "GET", base+"/v1/errors", token, "")
		return bytes.Contains(errs, []byte("unknown_type"))
	})
}

// waitDelivered waits until the deliveries projection shows bob's
// coalesced delivery receipt (recorded within a second of it), so that a
// non-null delivery is checked against the schema too.
func waitDelivered(t *testing.T, base, token string) {
	t.Helper()
	poll.Until(t, 20*time.Second, "bob's delivery receipt projected", func() bool {
		_, _, body := testnode.Do(t, "GET", base+"/v1/deliveries?chat=ops&seq=1", token, "")
		return bytes.Contains(body, []byte(`"delivered_connection_id":"`))
	})
}

func caughtUp(items []struct{ Checkpoint, Head uint64 }) bool {
	for _, it := range items {
		if it.Checkpoint < it.Head {
			return false
		}
	}
	return true
}
