package xmlrpc

import (
	"testing"

	"github.com/okapi-erp/okapi"
)

// authenticateBody is common.authenticate(db, login, key, {}) exactly as
// Python's xmlrpc.client sends it: the call Okapi must answer ~35,000 times
// a second.
func authenticateBody() []byte {
	return []byte("<?xml version='1.0'?>\n<methodCall>\n<methodName>authenticate</methodName>\n<params>\n" +
		"<param>\n<value><string>anchor</string></value>\n</param>\n" +
		"<param>\n<value><string>alice</string></value>\n</param>\n" +
		"<param>\n<value><string>3f1c2b0e9d8a7f6e5d4c3b2a19081726354a5b6c</string></value>\n</param>\n" +
		"<param>\n<value><struct>\n</struct></value>\n</param>\n" +
		"</params>\n</methodCall>\n")
}

// executeKwBody is object.execute_kw(db, uid, key, "res.partner",
// "search_read", [[]], {"fields": [...], "limit": 5, "order": "id"}).
func executeKwBody() []byte {
	body, err := AppendCall(nil, "execute_kw", "anchor", int64(6), "3f1c2b0e9d8a7f6e5d4c3b2a19081726354a5b6c",
		"res.partner", "search_read", []any{[]any{}},
		okapi.Struct{{Name: "fields", Value: []string{"name", "email"}}, {Name: "limit", Value: 5}, {Name: "order", Value: "id"}})
	if err != nil {
		panic(err)
	}
	return body
}

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

func BenchmarkDecodeCallAuthenticate(b *testing.B) {
	body := authenticateBody()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := DecodeCall(body, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeCallExecuteKw(b *testing.B) {
	body := executeKwBody()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := DecodeCall(body, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendResponseInt(b *testing.B) {
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendResponse(dst[:0], int64(6)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendResponseRecords10(b *testing.B) {
	var records any = sampleRecords(10)
	dst := make([]byte, 0, 64<<10)
	out, _ := AppendResponse(nil, records)
	b.ReportAllocs()
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		if _, err := AppendResponse(dst[:0], records); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendFault(b *testing.B) {
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		_ = AppendFault(dst[:0], 3, "Access Denied")
	}
}

func BenchmarkDecodeResponseRecords10(b *testing.B) {
	body, _ := AppendResponse(nil, sampleRecords(10))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := DecodeResponse(body, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}
