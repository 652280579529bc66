//go:build linux

package embedded_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkSyncFloor measures the floor under every acknowledged append on
// this disk: one fdatasync(2) after writing 12 KiB (the three WAL pages of
// a one-append commit), overwriting blocks already on disk (a preallocated
// or reused WAL) or growing the file (a new WAL). It reports the median
// and p99 of the sync alone.
//
//	go test ./events/embedded -run '^$' -bench SyncFloor -benchtime 1000x
func BenchmarkSyncFloor(b *testing.B) {
	for _, grow := range []bool{false, true} {
		name := "overwrite"
		if grow {
			name = "grow"
		}
		b.Run(name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "wal"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			page := make([]byte, 3*4096)
			if !grow {
				if err := f.Truncate(0); err != nil {
					b.Fatal(err)
				}
				for i := range b.N {
					f.WriteAt(page, int64(i)*int64(len(page)))
				}
				if err := unix.Fdatasync(int(f.Fd())); err != nil {
					b.Fatal(err)
				}
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				if _, err := f.WriteAt(page, int64(i)*int64(len(page))); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := unix.Fdatasync(int(f.Fd())); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
