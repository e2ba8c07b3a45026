package sqldb

import (
	"context"
	"sync/atomic"
)

// RoundTrips counts the exchanges with the database made on behalf of one
// context: statements run, prepared, transactions begun and ended. Tests and
// benchmarks attach one to a request's context to see what a call costs,
// and to fail when a change adds a round trip to a call that should not need
// it; work under other contexts (background flushes, the change feed) is not
// counted.
type RoundTrips struct{ n atomic.Int64 }

type tripsKey struct{}

// CountRoundTrips returns ctx with a fresh counter attached.
func CountRoundTrips(ctx context.Context) (context.Context, *RoundTrips) {
	r := &RoundTrips{}
	return context.WithValue(ctx, tripsKey{}, r), r
}

// Load returns how many round trips were counted.
func (r *RoundTrips) Load() int64 { return r.n.Load() }

// Reset sets the count back to zero.
func (r *RoundTrips) Reset() { r.n.Store(0) }

// Trip records one round trip made for ctx. A driver that sees the wire
// (PostgreSQL's tracer) calls it; otherwise DB calls it for every call it
// passes to database/sql.
func Trip(ctx context.Context) {
	if r, ok := ctx.Value(tripsKey{}).(*RoundTrips); ok {
		r.n.Add(1)
	}
}

// trip counts a round trip unless the driver counts them itself.
func (db *DB) trip(ctx context.Context) {
	if !db.DriverCountsTrips {
		Trip(ctx)
	}
}
