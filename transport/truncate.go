package transport

// truncate cuts s to n bytes, marking the cut with "…" (for echoing client
// text in errors and logs).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
