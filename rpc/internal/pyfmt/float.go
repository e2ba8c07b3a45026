// Package pyfmt holds what both codecs need to write and read text as
// Odoo's Python side does: floats as repr() prints them, and the shared
// vocabulary of Odoo traffic, interned so that decoding common words does not
// allocate.
package pyfmt

import "strconv"

// AppendFloat writes a finite f as Python's repr() does (xmlrpc.client and
// json both use it): the shortest digits that read back to f, positional
// between 1e-4 and 1e16 with at least one decimal, scientific with a
// two-digit exponent outside. NaN and infinities are the caller's: each
// codec spells them its own way.
func AppendFloat(dst []byte, f float64) []byte {
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // shortest digits, e.g. -1.5005e+03
	k := len(e) - 1
	for e[k] != 'e' {
		k--
	}
	exp := 0
	for _, c := range e[k+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[k+1] == '-' {
		exp = -exp
	}
	if exp < -4 || exp >= 16 {
		return append(dst, e...)
	}
	// Positional: rebuild it from the digits rather than ask strconv for a
	// second conversion, which would double the cost.
	mant := e[:k]
	if mant[0] == '-' {
		dst = append(dst, '-')
		mant = mant[1:]
	}
	var digits [24]byte
	d := append(digits[:0], mant[0])
	if len(mant) > 2 {
		d = append(d, mant[2:]...) // skip the '.'
	}
	if exp < 0 {
		dst = append(dst, "0."...)
		for range -exp - 1 {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	}
	if len(d) <= exp+1 {
		dst = append(dst, d...)
		for range exp + 1 - len(d) {
			dst = append(dst, '0')
		}
		return append(dst, ".0"...)
	}
	dst = append(dst, d[:exp+1]...)
	dst = append(dst, '.')
	return append(dst, d[exp+1:]...)
}
