package actors

import (
	"math/rand/v2"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestBucketMatchesRateLimiter: a bucket allows exactly what a
// rate.Limiter of the same rate and burst allows, over bursts, pauses and
// refills (the bucket replaced it to save 64 bytes a connection).
func TestBucketMatchesRateLimiter(t *testing.T) {
	for _, c := range []struct {
		r     float64
		burst int
	}{{200, 400}, {50, 100}, {5, 10}, {1, 10}, {0.5, 1}} {
		lim := rate.NewLimiter(rate.Limit(c.r), c.burst)
		var b bucket
		rng := rand.New(rand.NewPCG(1, uint64(c.burst)))
		at := time.Now()
		for i := range 20000 {
			switch rng.IntN(10) {
			case 0:
				at = at.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
			case 1, 2, 3:
				at = at.Add(time.Duration(rng.IntN(20000)) * time.Microsecond)
			}
			want, got := lim.AllowN(at, 1), b.take(c.r, c.burst, at)
			if got != want {
				t.Fatalf("rate %v burst %d, take %d: bucket says %v, rate.Limiter %v", c.r, c.burst, i, got, want)
			}
		}
	}
}
