package main

import "errors"

var (
	// errBadHist is returned by Hist.Import for a bucket index out of range.
	errBadHist = errors.New("linkup-load: histogram bucket out of range")
	// errBadConfig is wrapped by Config.Validate for every invalid setting.
	errBadConfig = errors.New("linkup-load: invalid configuration")
	// errWorker is returned by the parent when a worker failed or broke the
	// phase protocol.
	errWorker = errors.New("linkup-load: worker failed")
)

// errFrameTooBig is returned by frameReader.next for a server frame above maxFrame.
var errFrameTooBig = errors.New("linkup-load: server frame too large")

// errNotConnected is returned by loadClient.write for a client whose dial
// never succeeded (a create or ping on it would otherwise panic).
var errNotConnected = errors.New("linkup-load: client not connected")

// errPeerConnect is returned by dialCentrifugo when the server refused the
// connect command or did not answer it in time.
var errPeerConnect = errors.New("linkup-load: centrifugo connect refused or unanswered")
