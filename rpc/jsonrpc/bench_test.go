package jsonrpc

import (
	"testing"

	"github.com/okapi-erp/okapi"
)

// json2SearchReadBody is the recorded JSON-2 body of
// POST /json/2/res.partner/search_read (19.0/json2_search_read_alice_key).
var json2SearchReadBody = []byte(`{"domain": [], "fields": ["name", "email"], "limit": 5, "order": "id"}`)

// json2SearchReadDomainBody is the same call with a domain and a context.
var json2SearchReadDomainBody = []byte(`{"domain": [["name", "ilike", "a"], ["id", "in", [1, 2, 3]]], "fields": ["name", "email"], "limit": 5, "order": "id", "context": {"lang": "en_US"}}`)

// executeKwBody is a /jsonrpc object.execute_kw call as Odoo clients send it.
var executeKwBody = []byte(`{"jsonrpc": "2.0", "method": "call", "params": {"service": "object", "method": "execute_kw", "args": ["anchor", 6, "3f1c2b0e9d8a7f6e5d4c3b2a19081726354a5b6c", "res.partner", "search_read", [[]], {"fields": ["name", "email"], "limit": 5}]}, "id": 4}`)

// sampleRecords is a search_read answer of n partners.
func sampleRecords(n int) []okapi.Struct {
	out := make([]okapi.Struct, n)
	for i := range out {
		out[i] = okapi.Struct{
			{Name: "id", Value: int64(i + 1)},
			{Name: "name", Value: "Partner & Co"},
			{Name: "email", Value: false},
			{Name: "create_uid", Value: []any{int64(2), "Administrator"}},
			{Name: "write_date", Value: "2026-11-26 14:08:13"},
			{Name: "credit_limit", Value: 1500.5},
		}
	}
	return out
}

func BenchmarkDecodeJSON2SearchRead(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(json2SearchReadBody)))
	for b.Loop() {
		if _, err := Decode(json2SearchReadBody, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeJSON2SearchReadDomain(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(json2SearchReadDomainBody)))
	for b.Loop() {
		if _, err := Decode(json2SearchReadDomainBody, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRequestExecuteKw(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(executeKwBody)))
	for b.Loop() {
		if _, err := DecodeRequest(executeKwBody, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendResult10Records(b *testing.B) {
	var records any = sampleRecords(10)
	dst := make([]byte, 0, 64<<10)
	out, _ := AppendResult(nil, RawID("3"), records)
	b.ReportAllocs()
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		if _, err := AppendResult(dst[:0], RawID("3"), records); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendErrorAccessDenied(b *testing.B) {
	var data any = okapi.Struct{
		{Name: "name", Value: "odoo.exceptions.AccessDenied"},
		{Name: "message", Value: "Access Denied"},
		{Name: "arguments", Value: []any{"Access Denied"}},
		{Name: "context", Value: okapi.Struct{}},
		{Name: "debug", Value: "odoo.exceptions.AccessDenied: Access Denied\n"},
	}
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendError(dst[:0], RawID("8"), 0, "Odoo Server Error", data); err != nil {
			b.Fatal(err)
		}
	}
}
