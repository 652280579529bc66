package cluster

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// healthWait bounds how long Start waits for its own health endpoint.
const healthWait = 3 * time.Second

// checkHealth asks this member's own health endpoint for its id, over
// TLS when the member has it (so its own certificate passes its own
// peers' checks). The library's provider only logged a port in use, and
// the member ran invisible to every other member; the listener is now
// made before the library starts (newHealthProvider), and this check
// still proves the endpoint answers for this member.
func (m *Member) checkHealth() error {
	url := m.provider.selfURL()
	client := &http.Client{Timeout: 500 * time.Millisecond, Transport: m.provider.client.Transport}
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
