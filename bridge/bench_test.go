package bridge

import (
	"context"
	"testing"
)

// The translation itself, per call, with the signature looked up as the
// client does (goal: < 20 µs).

func BenchmarkToNamed(b *testing.B) {
	ctx := context.Background()
	l := Chain{ORM(19)}
	args := []any{[]any{[]any{"is_company", "=", true}}, []any{"name", "email"}}
	kwargs := map[string]any{"limit": int64(80), "order": "id", "context": map[string]any{"lang": "en_US"}}
	b.ReportAllocs()
	for b.Loop() {
		sig, _ := l.Signature(ctx, "res.partner", "search_read")
		if _, err := ToNamed(sig, "res.partner", "search_read", args, kwargs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToPositional(b *testing.B) {
	ctx := context.Background()
	l := Chain{ORM(16)}
	params := map[string]any{"domain": []any{[]any{"is_company", "=", true}}, "fields": []any{"name", "email"},
		"limit": int64(80), "order": "id", "context": map[string]any{"lang": "en_US"}}
	b.ReportAllocs()
	for b.Loop() {
		sig, _ := l.Signature(ctx, "res.partner", "search_read")
		if _, _, err := ToPositional(sig, "res.partner", "search_read", params); err != nil {
			b.Fatal(err)
		}
	}
}
