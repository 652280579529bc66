package actors

// loadPool runs store reads for actors on goroutines, at most n at once;
// past that, callers queue on the semaphore in their own goroutine, never in
// an actor.
type loadPool struct{ sem chan struct{} }

func newLoadPool(n int) *loadPool { return &loadPool{sem: make(chan struct{}, n)} }

// run starts f on a goroutine once a slot is free. It returns at once.
func (p *loadPool) run(f func()) {
	go func() {
		p.sem <- struct{}{}
		defer func() { <-p.sem }()
		f()
	}()
}
