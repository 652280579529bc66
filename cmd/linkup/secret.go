package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const secretFile = "jwt.secret"

// jwtSecret returns the HMAC key: LINKUP_JWT_SECRET's bytes as given, or the
// secret kept in the data directory. With create set (serve), a missing
// secret file is made with a random key, mode 0600.
func jwtSecret(dataDir string, create bool) ([]byte, error) {
	if s := os.Getenv("LINKUP_JWT_SECRET"); s != "" {
		return []byte(s), nil
	}
	path := filepath.Join(dataDir, secretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if !errors.Is(err, fs.ErrNotExist) || !create {
		return nil, fmt.Errorf("no JWT secret: set LINKUP_JWT_SECRET or run `linkup serve --data %s` once (%s)", dataDir, shortErr(err))
	}
	return createSecret(dataDir, path)
}

func createSecret(dataDir, path string) ([]byte, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	key := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process made it first
		return jwtSecret(dataDir, false)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.WriteString(key + "\n"); err != nil {
		return nil, err
	}
	return []byte(key), f.Sync()
}

func shortErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
