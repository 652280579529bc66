package archtest

import "strings"

// A rule says which packages of the module the packages under Prefix may
// import, and why. Prefix and the entries of May are module-relative
// import paths; "events" covers "events" only, "events/" everything below
// it. StdlibOnly also forbids imports from outside the standard library
// and the module.
type rule struct {
	Prefix     string
	May        []string
	StdlibOnly bool
	Why        string
}

// layers is the import column of docs/ARCHITECTURE.md. The first rule
// whose prefix matches a package applies to it.
var layers = []rule{
	{Prefix: "events", May: []string{"internal/jsonenc"}, StdlibOnly: true, Why: "the event model knows nothing of who produces, stores or reads events"},
	{Prefix: "events/eventstest", May: []string{"events"}, Why: "the contract suite knows only the Store interface"},
	{Prefix: "events/faultstore", May: []string{"events"}, Why: "a fault-injecting wrapper around any Store"},
	{Prefix: "events/", May: []string{"events", "internal/jsonenc"}, Why: "a store implements events.Store and knows nothing else of linkup"},
	{Prefix: "chat", May: []string{"events"}, StdlibOnly: true, Why: "the domain is pure: no I/O, no actors, no wire"},
	{Prefix: "protocol", May: []string{"internal/jsonscan", "internal/jsonenc"}, StdlibOnly: true, Why: "the wire in one place, shared by server, client and load tool"},
	{Prefix: "actors", May: []string{"chat", "events", "protocol", "internal/gopool"}, Why: "actors move messages and call chat/; they reach storage only through events.Store and the socket only through an interface they own"},
	{Prefix: "transport", May: []string{"actors", "events", "protocol", "replay", "internal/gopool"}, Why: "the wire layer hands frames to actors and never picks a store or reads projections directly"},
	{Prefix: "projections", May: []string{"chat", "events", "protocol", "internal/jsonscan"}, Why: "projections are fed by the log, not by actors; their queries answer in the wire's own types (protocol), declared once"},
	{Prefix: "replay", May: []string{"chat", "events"}, Why: "replay folds the log with the domain's own apply, read-only"},
	{Prefix: "client", May: []string{"protocol"}, Why: "a client speaks the wire only"},
	{Prefix: "clients/", May: []string{}, Why: "the built client libraries are files for browsers; Go only embeds them"},
	{Prefix: "cluster", May: []string{}, Why: "cluster membership and placement over protoactor-go: it knows nothing of linkup's actors, wire or stores"},
	{Prefix: "cluster/internal/", May: []string{"cluster"}, Why: "the member binary the cluster's process tests start"},
	{Prefix: "web", May: []string{}, Why: "the pages are static files; they reach the server over HTTP like any browser"},
	{Prefix: "internal/jsonscan", StdlibOnly: true, Why: "a leaf: plain JSON scanning for the hand-written decoders of protocol and projections"},
	{Prefix: "internal/jsonenc", StdlibOnly: true, Why: "a leaf: JSON written without reflection, byte for byte encoding/json's, for the hot encoders of protocol and events"},
	{Prefix: "internal/gopool", StdlibOnly: true, Why: "a leaf: reused goroutines for the chat actors' mailbox runs and the socket readers"},
	{Prefix: "internal/gctarget", StdlibOnly: true, Why: "a leaf: the adaptive GC percent reads runtime/metrics and sets the runtime's GOGC, nothing of linkup"},
	{Prefix: "internal/", May: []string{"*"}, Why: "test nodes and small helpers for commands"},
	{Prefix: "cmd/", May: []string{"*"}, Why: "main wires every part together"},
}

// ruleFor returns the rule for a module-relative package path.
func ruleFor(rel string) (rule, bool) {
	for _, r := range layers {
		if covers(r.Prefix, rel) {
			return r, true
		}
	}
	return rule{}, false
}

// covers reports whether pattern (a path, or a path ending in "/" for
// everything below it) covers rel.
func covers(pattern, rel string) bool {
	if strings.HasSuffix(pattern, "/") {
		return strings.HasPrefix(rel, pattern)
	}
	return rel == pattern
}

// allows reports whether r lets a package import the module package imp.
func (r rule) allows(imp string) bool {
	for _, m := range r.May {
		if m == "*" || covers(m, imp) || covers(m+"/", imp) && !isStore(imp) {
			return true
		}
	}
	return false
}

// isStore reports whether imp is a concrete event store: "events" in May
// never lets a package reach one.
func isStore(imp string) bool {
	switch imp {
	case "events/eventstest", "events/faultstore":
		return false
	}
	return strings.HasPrefix(imp, "events/")
}
