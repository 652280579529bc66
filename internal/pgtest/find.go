//go:build linux

package pgtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// errNoBinaries says no PostgreSQL installation was found.
var errNoBinaries = errors.New("pgtest: no PostgreSQL binaries (initdb, postgres) in /usr/lib/postgresql/15/bin, pg_config --bindir or PATH")

// findBinDir returns the directory holding initdb and postgres.
func findBinDir() (string, error) {
	for _, dir := range candidateDirs() {
		if hasBinaries(dir) {
			return dir, nil
		}
	}
	return "", errNoBinaries
}

func candidateDirs() []string {
	dirs := []string{"/usr/lib/postgresql/15/bin"}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	return dirs
}

func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}
