package projections

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// masked stands in for a password in anything printed.
const masked = "xxxxx"

// keywordPassword finds password=... in a keyword/value connection string
// or a URL query.
var keywordPassword = regexp.MustCompile(`password=('(?:[^'\\]|\\.)*'|[^\s&]+)`)

// RedactURL returns a PostgreSQL URL fit to print: the password, wherever
// it is (user:password@, ?password=, password=), replaced by xxxxx. It
// works on malformed URLs too.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return Redact(raw, raw)
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), masked)
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", masked)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Redact returns s with every form of raw's password replaced by xxxxx,
// for error messages that may quote the connection string.
func Redact(raw, s string) string {
	for _, pw := range passwords(raw) {
		s = strings.ReplaceAll(s, pw, masked)
	}
	return keywordPassword.ReplaceAllString(s, "password="+masked)
}

// passwords returns the secrets in raw, longest first, escaped and not.
func passwords(raw string) []string {
	var out []string
	add := func(pw string) {
		if pw == "" || pw == masked {
			return
		}
		out = append(out, pw)
		if un, err := url.PathUnescape(pw); err == nil && un != pw && un != "" {
			out = append(out, un)
		}
	}
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				add(pw)
			}
		}
	}
	for _, m := range keywordPassword.FindAllStringSubmatch(raw, -1) {
		add(strings.Trim(m[1], "'"))
	}
	// Longest first, so that a password containing another is masked whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
