package sqldb

// The data generation is a number that changes whenever this process knows
// the database may have changed: after every write it makes (a transaction
// on the writer pool, committed or not, or a single writing statement), and
// whenever Changed is called — on PostgreSQL, for every notification that
// another node or process wrote (see postgres.Listen). A cache of answers
// read from the database (readcache) keeps an answer only while the
// generation it was read under is current, and serves none while one of
// this process's writes is under way.
//
// Why both. A write moves the generation after its commit returns, and a
// reader takes the generation before it starts reading: an answer read
// before the commit carries the old generation, which is never current
// again. Between the commit and the move, though, a fresh read already sees
// the new data while a kept answer would still be current; serving none
// while a write is under way keeps what anyone reads from going back.

// Generation returns the current data generation, and whether one of this
// process's writes is under way (then no kept answer may be served). It
// reads the writes under way first, then the generation: a write that
// starts after the first read moves the generation before it ends.
func (db *DB) Generation() (gen uint64, writing bool) {
	writing = db.writing.Load() > 0
	return db.gen.Load(), writing
}

// Changed says the database may have changed behind this process's back.
func (db *DB) Changed() { db.gen.Add(1) }

// beginWrite and endWrite bracket each write; endWrite moves the generation
// before the write stops counting as under way.
func (db *DB) beginWrite() { db.writing.Add(1) }
func (db *DB) endWrite() {
	db.gen.Add(1)
	db.writing.Add(-1)
}
