// Package rlimit lifts the process's soft open-file limit to its hard
// limit, so that a server (every connection is a file) and the load tool
// can use all the descriptors the machine allows.
//
//	if err := rlimit.RaiseOpenFiles(); err != nil {
//		log.Warn("could not raise the open-file limit", "err", err)
//	}
//
// Where the platform has no such limit (Windows), RaiseOpenFiles does
// nothing and returns nil.
package rlimit
