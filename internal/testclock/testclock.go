// Package testclock is a settable clock for tests: the server or service
// under test reads it from its own goroutines while the test moves it.
package testclock

import (
	"sync/atomic"
	"time"
)

// Clock is a time that moves only when the test says.
type Clock struct{ ns atomic.Int64 }

// New returns a clock showing t.
func New(t time.Time) *Clock {
	c := &Clock{}
	c.ns.Store(t.UnixNano())
	return c
}

// Now is the clock's time, in UTC.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
