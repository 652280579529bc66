// Package eventstest is the contract suite of events.Store: every store
// implementation runs it, so that all of them mean the same thing by a
// stream revision, a global position, an expected-revision conflict and a
// catch-up subscription.
//
// Usage, in a store's tests:
//
//	func TestContract(t *testing.T) {
//		eventstest.Run(t, func(t *testing.T) events.Store {
//			st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return st
//		})
//	}
//
// newStore is called once per subtest and may return a fresh store or a
// connection to a shared, non-empty one: every subtest writes to streams
// under its own random prefix, filters reads of the global log by that
// prefix, starts them after the Head it saw first, and compares positions
// only relatively. Run closes each store when its subtest ends. Every
// subtest is bounded by a context deadline, so a broken store fails rather
// than hangs.
package eventstest
