package gopool

// KeepStack is the goroutine stack size a parked goroutine keeps across
// garbage collections: what the work on linkup's hot paths grows a stack
// to (a socket read that decodes a frame, runs the connection actor and
// a chat's mailbox in place: 8–16 KB; counted with perf probes on
// runtime.copystack, no growth to 32 KB seen in the chats load).
//
// Why a parked goroutine needs help to keep it: during each GC cycle the
// runtime scans every parked goroutine's stack and halves it when the
// goroutine uses less than a quarter of it (runtime.shrinkstack in
// $GOROOT/src/runtime/stack.go, Go 1.26: "only shrink the stack if gp is
// using less than a quarter of its current stack", used being
// stack.hi - sched.sp + stackNosplit). A goroutine parked at a shallow
// receive uses well under 1 KB, so every cycle halved its stack down to
// 2 KB, and the next function it ran grew it back by copying it (and
// every frame pointer in it) once per doubling: runtime.newstack /
// copystack, 2–9 % of linkup's server CPU in the chats load (issue #17).
//
// So a goroutine parks inside wait, whose frame holds ballastBytes of
// stack (a quarter of KeepStack): while parked it uses more than a
// quarter of a KeepStack stack, which the GC leaves alone; a stack grown
// past KeepStack (a rare deep call) is halved back down to it. The
// ballast costs no scan work (no pointers) and one clear of
// ballastBytes per park (~0.1 µs); memory: each parked goroutine holds a
// stack of at most KeepStack, so a pool at most maxIdle × KeepStack,
// and none once its goroutines expired (IdleFor).
//
// A side effect: the runtime starts new goroutines with the average stack
// the last GC found in use (GODEBUG adaptivestackstart, on by default),
// and ballasted goroutines raise that average: while pools are warm a
// new goroutine starts with 8 KB instead of 2 KB (fewer growths for it,
// 6 KB more while it lives).
const KeepStack = 16 << 10

const ballastBytes = KeepStack / 4

// wait parks w's goroutine until it is handed its next function (nil:
// exit), with ballastBytes of ballast below it (see KeepStack).
//
//go:noinline
func wait(w *worker) func() {
	var ballast [ballastBytes]byte
	fn := <-w.hand
	hold(&ballast)
	return fn
}

// hold keeps its argument in the caller's frame: the compiler cannot
// drop a variable whose address a call receives, and as b does not
// escape it stays on the stack.
//
//go:noinline
func hold(b *[ballastBytes]byte) { _ = b }
