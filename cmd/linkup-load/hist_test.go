package main

import (
	"testing"
	"time"
)

func TestBucketBoundsContainValue(t *testing.T) {
	for _, v := range []int64{0, 1, 63, 64, 65, 127, 128, 1000, 123456, 1 << 30, 5e9} {
		i := bucketOf(v)
		if hi := bucketHigh(i); hi < v {
			t.Fatalf("value %d: bucket %d high %d below it", v, i, hi)
		}
		if i > 0 && bucketHigh(i-1) >= v {
			t.Fatalf("value %d: previous bucket %d already holds it", v, i-1)
		}
		if hi := bucketHigh(i); float64(hi-v) > float64(v)/histSub+1 {
			t.Fatalf("value %d: bucket high %d too coarse", v, hi)
		}
	}
}

func TestQuantilesAndExactMergeAcrossExport(t *testing.T) {
	var a, b, all Hist
	for i := 1; i <= 1000; i++ {
		d := time.Duration(i) * time.Microsecond
		all.Record(d)
		if i%2 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var m Hist
	for _, h := range []*Hist{&a, &b} {
		if err := m.Import(h.Export()); err != nil {
			t.Fatal(err)
		}
	}
	if m.Count() != 1000 || m.Max() != time.Millisecond {
		t.Fatalf("merged count %d max %v", m.Count(), m.Max())
	}
	for _, q := range []float64{0.5, 0.9, 0.99, 1} {
		if m.Quantile(q) != all.Quantile(q) {
			t.Fatalf("q%.2f merged %v, direct %v", q, m.Quantile(q), all.Quantile(q))
		}
	}
	if p50 := m.Quantile(0.5); p50 < 500*time.Microsecond || p50 > 510*time.Microsecond {
		t.Fatalf("p50 %v, want about 500µs", p50)
	}
	if m.Import(HistJSON{Buckets: [][2]uint64{{histBuckets, 1}}}) == nil {
		t.Fatal("out-of-range bucket accepted")
	}
}
