package pgtest

// Leftovers returns the processes still working in s's data directory.
func Leftovers(s *Server) []int { return serverProcesses(s.dataDir()) }
