package gctarget

import "errors"

// Config.Validate (and so New) returns these.
var (
	// ErrBounds: Min or Max below 1, or Min above Max.
	ErrBounds = errors.New("gctarget: want 1 <= Min <= Max")
	// ErrPrice: BytesPerCore negative.
	ErrPrice = errors.New("gctarget: want BytesPerCore >= 0")
	// ErrInterval: Interval negative.
	ErrInterval = errors.New("gctarget: want Interval >= 0")
	// ErrWindow: Window negative or above MaxWindow.
	ErrWindow = errors.New("gctarget: want 0 <= Window <= MaxWindow")
)
