package replay

import (
	"errors"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for the zero values of Config.
const (
	DefaultSlack           = time.Minute
	DefaultMaxChain        = 10_000
	DefaultMaxDiffMessages = 1_000
	DefaultMaxUserChats    = 10_000
)

// Config says which store replay reads and how it is bounded. The zero
// value of every field but Store means its default.
type Config struct {
	// Store is the log to read. Replay never calls Append on it; open it
	// read-only.
	Store events.Store
	// TimeOrdered promises that the store's append times (RecordedEvent.Time)
	// never fall as positions rise (true of the embedded store, one clock,
	// one writer). Replay then seeks to --since and stops past --until
	// instead of scanning the whole log. Leave it false when unsure.
	TimeOrdered bool
	// Slack is how far an event's own time may trail its append time; with
	// TimeOrdered, scans start Slack before since and stop Slack after until.
	Slack time.Duration
	// MaxChain bounds the events Chain collects; beyond it the chain is
	// marked Truncated (metric linkup_replay_limit_reached_total{limit="chain"}).
	MaxChain int
	// MaxDiffMessages bounds the messages DiffChat lists; beyond it they are
	// counted, not listed (metric limit="diff_messages").
	MaxDiffMessages int
	// MaxUserChats bounds the chats UserAt folds at once; beyond it UserAt
	// returns ErrTooManyChats (metric limit="user_chats").
	MaxUserChats int
	// Now returns the present, to refuse moments in the future; nil means
	// time.Now.
	Now func() time.Time
	// Metrics receives replay's collectors; nil registers nowhere.
	Metrics prometheus.Registerer
}

// Validate reports a Config that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Store == nil:
		return errors.New("replay: config: Store is nil")
	case c.Slack < 0 || c.MaxChain < 0 || c.MaxDiffMessages < 0 || c.MaxUserChats < 0:
		return errors.New("replay: config: negative limit")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Slack == 0 {
		c.Slack = DefaultSlack
	}
	c.MaxChain = orDefault(c.MaxChain, DefaultMaxChain)
	c.MaxDiffMessages = orDefault(c.MaxDiffMessages, DefaultMaxDiffMessages)
	c.MaxUserChats = orDefault(c.MaxUserChats, DefaultMaxUserChats)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}
