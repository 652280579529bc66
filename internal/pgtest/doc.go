// Package pgtest starts a real PostgreSQL server for tests. It builds on
// Linux only (it runs PostgreSQL as another user and signals its process
// group); elsewhere the package is empty.
//
// The server is the PostgreSQL 15 installed on the machine: its binaries are
// looked up in /usr/lib/postgresql/15/bin, then `pg_config --bindir`, then
// PATH. pgtest runs initdb in a fresh temporary directory and starts
// postgres on a free loopback port (127.0.0.1) with its unix socket inside
// that directory, fsync=on and synchronous_commit=on, so that durability
// tests mean what they say. PostgreSQL refuses to run as root: when the test
// process is root, the server runs as nobody (uid/gid 65534) and the
// directory is chowned to it. The superuser is "postgres" with a random
// password, which TCP connections must give (scram-sha-256), so URLs carry
// a real credential.
//
// One server per test package is enough and keeps tests fast: Shared starts
// it on first use, and Main stops it when the package's tests end. Each test
// takes its own database with NewDatabase (dropped by t.Cleanup):
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		url := pgtest.Shared(t).NewDatabase(t) // postgres://postgres:...@127.0.0.1:port/db_...
//		pool, err := pgxpool.New(ctx, url)
//		...
//	}
//
// Tests that kill the server (durability, outage) start their own with
// Start, which t.Cleanup stops:
//
//	srv := pgtest.Start(t)
//	url := srv.NewDatabase(t)
//	srv.Kill(t)    // SIGKILL to postgres and all its backends, like a crash
//	srv.Restart(t) // same data directory, same port: url works again
//
// Environment:
//
//   - LINKUP_POSTGRES_URL: use this existing server instead of starting one
//     (its user must be allowed to CREATE DATABASE). Kill and Restart then
//     skip the test, since the test does not own the server.
//   - LINKUP_REQUIRE_POSTGRES=1: when no PostgreSQL can be found or started,
//     fail the test instead of skipping it (CI sets it, so that a missing
//     PostgreSQL cannot turn the suite silently green).
package pgtest
