package cluster

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// healthWait bounds how long Start waits for its own health endpoint.
const healthWait = 3 * time.Second

// checkHealth asks this member's own automanaged health endpoint for its
// id. The library starts that server in a goroutine and only logs when
// it cannot listen (a port in use): the member would then be invisible to
// every other member while it believes it has joined. Start fails
// instead.
func (m *Member) checkHealth() error {
	url := "http://127.0.0.1:" + strconv.Itoa(m.cfg.ProviderPort) + "/_health"
	client := &http.Client{Timeout: 500 * time.Millisecond}
	deadline := time.Now().Add(healthWait)
	var last error
	for time.Now().Before(deadline) {
		id, err := healthID(client, url)
		if err == nil && id == m.ID() {
			return nil
		}
		last = err
		if err == nil {
			last = fmt.Errorf("port %d answers for member %s, not this one", m.cfg.ProviderPort, id)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%w: health endpoint: %v", ErrStart, last)
}

func healthID(client *http.Client, url string) (string, error) {
	res, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var node struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(res.Body).Decode(&node); err != nil {
		return "", err
	}
	return node.ID, nil
}
