//go:build race

package hardening

// raceEnabled: the race detector slows Go code several times over, not
// the databases, so timing bounds in-process are looser under it.
const raceEnabled = true
