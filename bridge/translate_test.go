package bridge

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/okapi-erp/okapi"
)

// wantORM is, per method, its parameters in Odoo 14, 15, 16, 17, 18 and 19
// as written in each version's source (the copies signatures.go names):
// "P" first for a method that is there but @api.private, "R" for a method on
// records (no @api.model), "*" after a parameter without a default, "**" for
// **kwargs, the keyword-only parameters after "|", and "-" for a version
// without the method. It is written out by hand, apart from the table under
// test, so that a slip in either shows.
var wantORM = map[string][6]string{
	"search": {"args* offset limit order count", "args* offset limit order count", "domain* offset limit order count",
		"domain* offset limit order", "domain* offset limit order", "domain* offset limit order"},
	"search_count": {"args*", "args*", "domain* limit", "domain* limit", "domain* limit", "domain* limit"},
	"search_read": {"domain fields offset limit order", "domain fields offset limit order **", "domain fields offset limit order **",
		"domain fields offset limit order **", "domain fields offset limit order **", "domain fields offset limit order **"},
	"search_fetch": {"-", "-", "-", "domain* field_names* offset limit order", "domain* field_names* offset limit order", "P domain* field_names offset limit order"},
	"read":         all6("R fields load"),
	"fetch":        {"-", "-", "-", "R field_names*", "R field_names*", "P R field_names"},
	"write":        all6("R vals*"),
	"create":       all6("vals_list*"),
	"unlink":       all6("R"),
	"copy":         all6("R default"),
	"copy_data":    all6("R default"),
	"exists":       {"R", "R", "R", "R", "R", "P R"},
	"fields_get":   all6("allfields attributes"),
	"name_search": {"name args operator limit", "name args operator limit", "name args operator limit",
		"name args operator limit", "name args operator limit", "name domain operator limit"},
	"name_get":             {"R", "R", "R", "R", "-", "-"},
	"name_create":          all6("name*"),
	"default_get":          {"fields_list*", "fields_list*", "fields_list*", "fields_list*", "fields_list*", "fields*"},
	"read_group":           all6("domain* fields* groupby* offset limit orderby lazy"),
	"formatted_read_group": {"-", "-", "-", "-", "-", "domain* groupby aggregates having offset limit order"},
	"check_access_rights":  all6("operation* raise_exception"),
	"check_access_rule":    all6("R operation*"),
	"has_access":           {"-", "-", "-", "-", "R operation*", "R operation*"},
	"check_access":         {"-", "-", "-", "-", "R operation*", "P R operation*"},
	"get_metadata":         all6("R"),
	"action_archive":       all6("R"),
	"action_unarchive":     all6("R"),
	"export_data":          all6("R fields_to_export*"),
	"load":                 all6("fields* data*"),
	"onchange": {"R values* field_name* field_onchange*", "R values* field_name* field_onchange*", "R values* field_name* field_onchange*",
		"R values* field_names* fields_spec*", "R values* field_names* fields_spec*", "R values* field_names* fields_spec*"},
	"web_search_read": {"domain fields offset limit order", "domain fields offset limit order", "domain fields offset limit order count_limit",
		"domain* specification* offset limit order count_limit", "domain* specification* offset limit order count_limit", "domain* specification* offset limit order count_limit"},
	"web_read_group": {"domain* fields* groupby* limit offset orderby lazy expand expand_limit expand_orderby",
		"domain* fields* groupby* limit offset orderby lazy expand expand_limit expand_orderby",
		"domain* fields* groupby* limit offset orderby lazy expand expand_limit expand_orderby",
		"domain* fields* groupby* limit offset orderby lazy", "domain* fields* groupby* limit offset orderby lazy",
		"domain* groupby* aggregates limit offset order | auto_unfold opening_info unfold_read_specification unfold_read_default_limit groupby_read_specification"},
	"web_name_search": {"-", "-", "-", "-", "-", "name* specification* domain operator limit"},
	"web_read":        {"-", "-", "-", "R specification*", "R specification*", "R specification*"},
	"load_views":      {"views* options", "views* options", "views* options", "-", "-", "-"},
	"fields_view_get": {"view_id view_type toolbar submenu", "view_id view_type toolbar submenu", "view_id view_type toolbar submenu", "-", "-", "-"},
	"get_views":       {"-", "-", "views* options", "views* options", "views* options", "views* options"},
	"get_view":        {"-", "-", "view_id view_type **", "view_id view_type **", "view_id view_type **", "view_id view_type **"},
	"web_save":        {"-", "-", "-", "R vals* specification* next_id", "R vals* specification* next_id", "R vals* specification* next_id"},
}

func all6(s string) [6]string { return [6]string{s, s, s, s, s, s} }

// wantSig reads one wantORM entry.
type wantSig struct {
	private, records, varKw bool
	params, kwOnly          []string
	required                int
}

func parseWant(s string) wantSig {
	var w wantSig
	fields := strings.Fields(s)
	for i, f := range fields {
		switch {
		case f == "P":
			w.private = true
		case f == "R":
			w.records = true
		case f == "**":
			w.varKw = true
		case f == "|":
			w.kwOnly = fields[i+1:]
			return w
		case strings.HasSuffix(f, "*"):
			w.params = append(w.params, strings.TrimSuffix(f, "*"))
			w.required++
		default:
			w.params = append(w.params, f)
		}
	}
	return w
}

// TestORMMapping: for every ORM method in every version, the table holds
// what that version's source says (parameters, their order, which have
// defaults, keyword-only ones, **kwargs, records or not, private or not); a
// call with all its parameters by position is named as that version names
// them, and the named call comes back to the same positions; a method the
// version does not have is unknown to the table, so that its positional
// arguments are refused and its named ones cross as keyword arguments; a
// private one is refused both ways with Odoo's AccessError; the table has no
// method the test does not list.
func TestORMMapping(t *testing.T) {
	for v := MinVersion; v <= MaxVersion; v++ {
		listed := 0
		for method, per := range wantORM {
			want := per[v-MinVersion]
			sig := ORMSignature(v, method)
			if want == "-" {
				if sig != nil {
					t.Errorf("%d %s: the table has it, Odoo %d does not", v, method, v)
					continue
				}
				_, err := ToNamed(sig, "res.partner", method, []any{[]any{int64(7)}}, nil)
				if !errors.Is(err, ErrUnnamed) {
					t.Errorf("%d %s: positional arguments of a method the version lacks: %v, want a refusal", v, method, err)
				}
				args, kw, err := ToPositional(sig, "res.partner", method, map[string]any{"ids": []any{int64(7)}, "x": int64(1)})
				if err != nil || !reflect.DeepEqual(args, []any{[]any{int64(7)}}) || !reflect.DeepEqual(kw, map[string]any{"x": int64(1)}) {
					t.Errorf("%d %s: named call of a method the version lacks: %v %v %v", v, method, args, kw, err)
				}
				continue
			}
			listed++
			if sig == nil {
				t.Errorf("%d %s: missing from the table", v, method)
				continue
			}
			w := parseWant(want)
			if sig.Records != w.records || sig.Required != w.required || sig.Private != w.private || sig.VarKw != w.varKw ||
				!reflect.DeepEqual(sig.Params, w.params) || !reflect.DeepEqual(sig.KwOnly, w.kwOnly) {
				t.Errorf("%d %s: records %v params %q (%d required) kw-only %q **kwargs %v private %v;\nwant records %v params %q (%d) kw-only %q **kwargs %v private %v",
					v, method, sig.Records, sig.Params, sig.Required, sig.KwOnly, sig.VarKw, sig.Private,
					w.records, w.params, w.required, w.kwOnly, w.varKw, w.private)
				continue
			}
			var args []any
			wantNamed := map[string]any{}
			if w.records {
				args = append(args, []any{int64(7), int64(8)})
				wantNamed["ids"] = []any{int64(7), int64(8)}
			}
			for i, n := range w.params {
				val := fmt.Sprintf("value %d", i)
				args = append(args, val)
				wantNamed[n] = val
			}
			kwargs := map[string]any{"context": map[string]any{"lang": "fr_FR"}}
			wantNamed["context"] = kwargs["context"]
			for _, n := range w.kwOnly {
				kwargs[n] = "keyword " + n
				wantNamed[n] = kwargs[n]
			}
			named, err := ToNamed(sig, "res.partner", method, args, kwargs)
			if w.private {
				wantMsg := fmt.Sprintf("Private methods (such as 'res.partner.%s') cannot be called remotely.", method)
				if okapi.ErrorCode(err) != okapi.EAccess || err.Error() != "odoo.exceptions.AccessError: "+wantMsg {
					t.Errorf("%d %s: ToNamed of a private method = %v, %v; want the AccessError %q", v, method, named, err, wantMsg)
				}
				back, kw, err := ToPositional(sig, "res.partner", method, wantNamed)
				if okapi.ErrorCode(err) != okapi.EAccess || err.Error() != "odoo.exceptions.AccessError: "+wantMsg {
					t.Errorf("%d %s: ToPositional of a private method = %v %v, %v; want the AccessError", v, method, back, kw, err)
				}
				continue
			}
			if err != nil || !reflect.DeepEqual(named, wantNamed) {
				t.Errorf("%d %s: ToNamed = %v, %v; want %v", v, method, named, err, wantNamed)
				continue
			}
			back, kw, err := ToPositional(sig, "res.partner", method, named)
			if err != nil || !reflect.DeepEqual(back, args) || !reflect.DeepEqual(kw, kwargs) {
				t.Errorf("%d %s: ToPositional = %v %v, %v; want %v %v", v, method, back, kw, err, args, kwargs)
			}
		}
		if got := len(ORMMethods(v)); got != listed {
			t.Errorf("%d: the table has %d methods, the test lists %d: %v", v, got, listed, ORMMethods(v))
		}
	}
}

// TestRenamedParameters: a name another Odoo version gives the same
// parameter is read as this version's name, both ways.
func TestRenamedParameters(t *testing.T) {
	dom := []any{[]any{"name", "=", "x"}}
	cases := []struct {
		v              int
		method, sent   string
		wantName       string
		wantPositional bool
	}{
		{15, "search", "domain", "args", true},
		{19, "search", "args", "domain", true},
		{16, "name_search", "domain", "args", false},
		{18, "name_search", "domain", "args", false},
		{19, "name_search", "args", "domain", false},
		{18, "default_get", "fields", "fields_list", true},
		{19, "default_get", "fields_list", "fields", true},
		{14, "search_count", "domain", "args", true},
	}
	for _, c := range cases {
		sig := ORMSignature(c.v, c.method)
		named, err := ToNamed(sig, "m", c.method, nil, map[string]any{c.sent: dom})
		if err != nil || !reflect.DeepEqual(named, map[string]any{c.wantName: dom}) {
			t.Errorf("%d %s kwargs %s: %v, %v", c.v, c.method, c.sent, named, err)
		}
		args, kw, err := ToPositional(sig, "m", c.method, map[string]any{c.sent: dom})
		if err != nil {
			t.Fatal(err)
		}
		if c.wantPositional {
			if len(args) != 1 || len(kw) != 0 {
				t.Errorf("%d %s: %v %v, want the value by position", c.v, c.method, args, kw)
			}
		} else if len(args) != 0 || !reflect.DeepEqual(kw, map[string]any{c.wantName: dom}) {
			// name_search's first parameter (name) is missing, so the
			// domain goes by name, under this version's name.
			t.Errorf("%d %s: %v %v, want kwargs %s", c.v, c.method, args, kw, c.wantName)
		}
	}
}

// TestRefusals: what cannot be named is refused, saying why; Python's
// binding mistakes are TypeErrors; ids on a model method are Odoo 19's 422.
func TestRefusals(t *testing.T) {
	code := func(err error) okapi.Code { return okapi.ErrorCode(err) }
	_, err := ToNamed(nil, "res.partner", "message_post", []any{[]any{int64(1)}}, map[string]any{"body": "x"})
	if !errors.Is(err, ErrUnnamed) || code(err) != okapi.ETypeError || !strings.Contains(err.Error(), "res.partner.message_post") ||
		!strings.Contains(err.Error(), "does not publish") {
		t.Errorf("unknown method with positionals: %v", err)
	}
	if named, err := ToNamed(nil, "res.partner", "message_post", nil, map[string]any{"body": "x"}); err != nil || named["body"] != "x" {
		t.Errorf("unknown method, keyword arguments only: %v, %v", named, err)
	}
	varargs := &Signature{Method: "f", Params: []string{"a"}, VarArgs: true}
	if _, err := ToNamed(varargs, "m", "f", []any{1, 2}, nil); !errors.Is(err, ErrUnnamed) || !strings.Contains(err.Error(), "*args") {
		t.Errorf("*args: %v", err)
	}
	if _, err := ToNamed(varargs, "m", "f", []any{int64(1)}, nil); err != nil {
		t.Errorf("*args, only named positionals: %v", err)
	}
	_, err = ToNamed(ORMSignature(17, "write"), "res.partner", "write", []any{[]any{int64(1)}, map[string]any{}, "extra"}, nil)
	if code(err) != okapi.ETypeError || !strings.Contains(err.Error(), "takes 2 positional arguments but 3 were given") {
		t.Errorf("too many: %v", err)
	}
	_, err = ToNamed(ORMSignature(17, "write"), "res.partner", "write", nil, map[string]any{"vals": map[string]any{}})
	if code(err) != okapi.ETypeError || !strings.Contains(err.Error(), "ids") {
		t.Errorf("record method without records: %v", err)
	}
	_, err = ToNamed(ORMSignature(19, "search"), "res.partner", "search", []any{[]any{}}, map[string]any{"domain": []any{}})
	if code(err) != okapi.ETypeError || !strings.Contains(err.Error(), "multiple values for argument 'domain'") {
		t.Errorf("twice: %v", err)
	}
	_, _, err = ToPositional(ORMSignature(16, "search"), "res.partner", "search", map[string]any{"ids": []any{int64(1)}, "domain": []any{}})
	if code(err) != okapi.EUnprocessable || err.Error() != "werkzeug.exceptions.UnprocessableEntity: cannot call res.partner.search with ids" {
		t.Errorf("ids on a model method: %v", err)
	}
	if args, _, err := ToPositional(ORMSignature(16, "search"), "res.partner", "search", map[string]any{"ids": []any{}, "domain": []any{}}); err != nil || len(args) != 1 {
		t.Errorf("empty ids on a model method: %v, %v", args, err)
	}
	_, _, err = ToPositional(ORMSignature(16, "write"), "res.partner", "write", map[string]any{"ids": []any{int64(1)}})
	if code(err) != okapi.EUnprocessable || !strings.Contains(err.Error(), "missing a required argument: 'vals'") {
		t.Errorf("missing argument, as Odoo 19 binds it: %v", err)
	}
	_, _, err = ToPositional(ORMSignature(19, "search"), "m", "search", map[string]any{"args": []any{}, "domain": []any{}})
	if code(err) != okapi.EUnprocessable {
		t.Errorf("a parameter under two names: %v", err)
	}
	// A name the method does not take: 422 as Odoo 19 binds it (seen
	// in front of a real Odoo 17, which answered the TypeError as a 500).
	_, _, err = ToPositional(ORMSignature(17, "write"), "res.partner", "write",
		map[string]any{"ids": []any{int64(7)}, "vals": map[string]any{}, "bogus": int64(1), "context": map[string]any{}})
	if code(err) != okapi.EUnprocessable || !strings.Contains(err.Error(), "got an unexpected keyword argument 'bogus'") {
		t.Errorf("an unknown keyword argument: %v", err)
	}
	// A method with **kwargs takes any name; the upstream judges it
	// (19.0 answers search_read's limitt with a 500 TypeError).
	if _, kw, err := ToPositional(ORMSignature(17, "search_read"), "res.partner", "search_read",
		map[string]any{"domain": []any{}, "limitt": int64(1)}); err != nil || kw["limitt"] != int64(1) {
		t.Errorf("search_read's **read_kwargs: %v, %v", kw, err)
	}
}

// TestUnknownMethodNamed: a method neither the table nor the upstream
// knows still goes by name to a positional upstream: ids first, the rest
// as keyword arguments.
func TestUnknownMethodNamed(t *testing.T) {
	args, kw, err := ToPositional(nil, "res.partner", "message_post", map[string]any{"ids": []any{int64(3)}, "body": "hi", "context": map[string]any{}})
	if err != nil || !reflect.DeepEqual(args, []any{[]any{int64(3)}}) || !reflect.DeepEqual(kw, map[string]any{"body": "hi", "context": map[string]any{}}) {
		t.Errorf("%v %v %v", args, kw, err)
	}
	args, kw, err = ToPositional(nil, "res.users", "context_get", map[string]any{})
	if err != nil || args == nil || len(args) != 0 || len(kw) != 0 {
		t.Errorf("no parameters: %#v %v %v", args, kw, err)
	}
	// A single id, or False, is read as browse() reads it.
	args, _, _ = ToPositional(ORMSignature(18, "read"), "res.partner", "read", map[string]any{"ids": int64(4)})
	if !reflect.DeepEqual(args, []any{[]any{int64(4)}}) {
		t.Errorf("one id: %v", args)
	}
	named, _ := ToNamed(ORMSignature(18, "read"), "res.partner", "read", []any{false}, nil)
	if !reflect.DeepEqual(named["ids"], []any{}) {
		t.Errorf("False as ids: %v", named)
	}
}

// TestPublished reads signatures from a published document, in the order
// of its parameters, fetching each model once.
func TestPublished(t *testing.T) {
	doc := `{"model": "res.partner", "methods": {
	  "message_post": {"signature": "(*, body='', subject=None, **kwargs)", "parameters": {
	     "body": {"name": "body", "kind": "KEYWORD_ONLY", "default": ""},
	     "subject": {"name": "subject", "kind": "KEYWORD_ONLY"},
	     "kwargs": {"name": "kwargs", "kind": "VAR_KEYWORD"}}, "api": []},
	  "zeta": {"signature": "(zz, aa, mm=1)", "parameters": {"zz": {"name": "zz"}, "aa": {"name": "aa"}, "mm": {"name": "mm", "default": 1}}, "api": ["model"]},
	  "star": {"signature": "(first, *rest)", "parameters": {"first": {"name": "first"}, "rest": {"name": "rest", "kind": "VAR_POSITIONAL"}}}
	}}`
	fetches := map[string]int{}
	p := NewPublished(func(ctx context.Context, model string) ([]byte, error) {
		fetches[model]++
		if model == "res.partner" {
			return []byte(doc), nil
		}
		return nil, ErrNotPublished
	})
	ctx := context.Background()
	s, err := p.Signature(ctx, "res.partner", "zeta")
	if err != nil || s == nil || s.Records || !reflect.DeepEqual(s.Params, []string{"zz", "aa", "mm"}) || s.Required != 2 {
		t.Fatalf("zeta: %+v, %v", s, err)
	}
	s, _ = p.Signature(ctx, "res.partner", "message_post")
	if s == nil || !s.Records || len(s.Params) != 0 || !reflect.DeepEqual(s.KwOnly, []string{"body", "subject"}) || !s.VarKw {
		t.Fatalf("message_post: %+v", s)
	}
	named, err := ToNamed(s, "res.partner", "message_post", []any{[]any{int64(1)}}, map[string]any{"body": "x"})
	if err != nil || !reflect.DeepEqual(named, map[string]any{"ids": []any{int64(1)}, "body": "x"}) {
		t.Fatalf("message_post named: %v, %v", named, err)
	}
	s, _ = p.Signature(ctx, "res.partner", "star")
	if s == nil || !s.VarArgs {
		t.Fatalf("star: %+v", s)
	}
	if s, err := p.Signature(ctx, "res.partner", "nope"); s != nil || err != nil {
		t.Fatalf("unknown method: %v, %v", s, err)
	}
	if s, err := p.Signature(ctx, "crm.lead", "x"); s != nil || err != nil {
		t.Fatalf("unpublished model: %v, %v", s, err)
	}
	p.Signature(ctx, "crm.lead", "x")
	if fetches["res.partner"] != 1 || fetches["crm.lead"] != 1 {
		t.Fatalf("fetches: %v", fetches)
	}
	// An unpublished model is asked again after a while.
	later := p.now().Add(2 * notPublishedTTL)
	p.now = func() time.Time { return later }
	p.Signature(ctx, "crm.lead", "x")
	if fetches["crm.lead"] != 2 {
		t.Fatalf("fetches after the TTL: %v", fetches)
	}
	// Chain: the table first, then the published signatures.
	c := Chain{ORM(19), p}
	if s, _ := c.Signature(ctx, "res.partner", "read"); s == nil || !reflect.DeepEqual(s.Params, []string{"fields", "load"}) {
		t.Fatalf("chain read: %+v", s)
	}
	if s, _ := c.Signature(ctx, "res.partner", "zeta"); s == nil || s.Params[0] != "zz" {
		t.Fatalf("chain zeta: %+v", s)
	}
	// A broken document is an error, not a guess.
	bad := NewPublished(func(context.Context, string) ([]byte, error) {
		return []byte(`{"methods": {"f": {"parameters": [1]}}}`), nil
	})
	if _, err := bad.Signature(ctx, "m", "f"); err == nil {
		t.Fatal("a broken document was read")
	}
}

// TestPublishedBound: the cache holds at most MaxModels models.
func TestPublishedBound(t *testing.T) {
	p := NewPublished(func(context.Context, string) ([]byte, error) { return []byte(`{"methods": {}}`), nil })
	for i := 0; i < MaxModels+50; i++ {
		p.Signature(context.Background(), fmt.Sprintf("m%d", i), "f")
	}
	if len(p.models) != MaxModels || len(p.order) != MaxModels {
		t.Fatalf("%d models kept (%d in order), want %d", len(p.models), len(p.order), MaxModels)
	}
}

// TestValues: values cross as they are (the codecs write them); bytes that
// are text cross, bytes that are not are refused rather than mangled.
func TestValues(t *testing.T) {
	sig := ORMSignature(19, "write")
	when := time.Date(2026, 12, 6, 3, 4, 5, 0, time.UTC)
	vals := map[string]any{"name": "Zoë 日本", "email": false, "parent_id": nil, "image_1920": []byte("aGVsbG8="),
		"date": when, "child_ids": []any{[]any{int64(0), int64(0), map[string]any{"name": "x"}}}, "big": int64(1) << 53, "f": 1.5}
	named, err := ToNamed(sig, "res.partner", "write", []any{[]any{int64(1)}, vals}, nil)
	if err != nil || !reflect.DeepEqual(named["vals"], vals) {
		t.Fatalf("%v, %v", named, err)
	}
	_, err = ToNamed(sig, "res.partner", "write", []any{[]any{int64(1)}, map[string]any{"image_1920": []byte{0xff, 0xd8, 0xff}}}, nil)
	if okapi.ErrorCode(err) != okapi.EValueError || !strings.Contains(err.Error(), "base64 text") {
		t.Fatalf("raw bytes: %v", err)
	}
}

// TestPublishedCancelled: a caller whose fetch was cancelled does not pass
// its cancellation to another caller waiting for the same model.
func TestPublishedCancelled(t *testing.T) {
	started := make(chan struct{})
	calls := 0
	p := NewPublished(func(ctx context.Context, model string) ([]byte, error) {
		calls++
		if calls == 1 {
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return []byte(`{"methods": {"f": {"parameters": {"a": {"name": "a"}}, "api": ["model"]}}}`), nil
	})
	first, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := p.Signature(first, "m", "f"); done <- err }()
	<-started
	second := make(chan *Signature, 1)
	go func() { s, _ := p.Signature(context.Background(), "m", "f"); second <- s }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled caller: %v", err)
	}
	if s := <-second; s == nil || s.Params[0] != "a" {
		t.Fatalf("the other caller: %+v", s)
	}
}
