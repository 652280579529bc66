package main

import (
	"fmt"
	"time"
)

// plan returns the run's clients, the fanout sender first; for a peer
// target each client also names the tallies it expects (peerExpect).
func plan(c *Config) []ClientSpec {
	out := scenarioPlan(c)
	if c.peer() {
		peerExpect(out)
	}
	return out
}

// peerExpect gives each client one tally per sender of each of its chats.
func peerExpect(clients []ClientSpec) {
	senders := map[string][]string{}
	for _, s := range clients {
		if s.MsgRate > 0 {
			for _, ch := range s.Chats {
				senders[ch] = append(senders[ch], s.User)
			}
		}
	}
	for i := range clients {
		for _, ch := range clients[i].Chats {
			for _, u := range senders[ch] {
				clients[i].Expect = append(clients[i].Expect, peerKey(ch, u))
			}
		}
	}
}

func scenarioPlan(c *Config) []ClientSpec {
	switch c.Scenario {
	case "idle":
		out := make([]ClientSpec, c.Conns)
		for i := range out {
			out[i] = ClientSpec{User: fmt.Sprintf("idle-%d", i)}
		}
		return out
	case "fanout":
		return fanoutPlan(c)
	}
	return chatsPlan(c)
}

func fanoutPlan(c *Config) []ClientSpec {
	members := make([]string, c.Members)
	for i := range members {
		members[i] = fmt.Sprintf("fan-%d", i)
	}
	out := make([]ClientSpec, c.Members)
	for i, m := range members {
		out[i] = ClientSpec{User: m, Chats: []string{"fanout"}}
	}
	out[0].MsgRate = c.Rate
	out[0].Creates = []ChatSpec{{ID: "fanout", Members: members}}
	return out
}

// chatsPlan is many small chats where every member sends; churn adds
// reconnects, mixed adds typing, receipts and syncs, soak is mixed plus
// churn.
func chatsPlan(c *Config) []ClientSpec {
	var out []ClientSpec
	total := c.Chats * c.ChatSize
	for ch := range c.Chats {
		id := fmt.Sprintf("%s-%d", c.Scenario, ch)
		members := make([]string, c.ChatSize)
		for i := range members {
			members[i] = fmt.Sprintf("%s-u%d", id, i)
		}
		for i, m := range members {
			s := ClientSpec{User: m, Chats: []string{id}, MsgRate: c.ClientRate}
			if i == 0 {
				s.Creates = []ChatSpec{{ID: id, Members: members}}
			}
			switch c.Scenario {
			case "churn":
				if c.Churn > 0 {
					s.ChurnEvery = time.Duration(float64(total) / c.Churn * float64(time.Second))
				}
			case "mixed": // per message: 2 typing, 1 receipt; a sync every 10 s
				s.TypingRate, s.ReceiptRate, s.SyncRate = 2*c.ClientRate, c.ClientRate, 0.1
			case "soak": // mixed plus churn
				s.TypingRate, s.ReceiptRate, s.SyncRate = 2*c.ClientRate, c.ClientRate, 0.1
				if c.Churn > 0 {
					s.ChurnEvery = time.Duration(float64(total) / c.Churn * float64(time.Second))
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// split cuts clients into worker jobs of at most per clients, in order.
func split(clients []ClientSpec, per int) [][]ClientSpec {
	var out [][]ClientSpec
	for len(clients) > 0 {
		n := min(per, len(clients))
		out = append(out, clients[:n])
		clients = clients[n:]
	}
	return out
}
