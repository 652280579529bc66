// Package projections turns the event log into the read model analysts
// query: the error log and users' read states. Each projection subscribes
// from its checkpoint and writes rows and checkpoint in one transaction.
package projections
