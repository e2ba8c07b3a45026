package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// DocPath is where Odoo 19 publishes a model's methods and their signatures
// to bearer keys (addons/api_doc/controllers/api_doc.py of 19.0:
// /doc-bearer/<model_name>.json, auth='bearer'; the key's user needs the
// group api_doc.group_allow_doc).
func DocPath(model string) string { return "/doc-bearer/" + model + ".json" }

// Fetcher returns a model's published documentation, the body of
// DocPath(model). An error of ErrNotPublished means the upstream has none
// for this model (no api_doc module, or the user may not read it).
type Fetcher func(ctx context.Context, model string) ([]byte, error)

// ErrNotPublished is returned by a Fetcher when the upstream publishes no
// signatures for the model.
var ErrNotPublished = errors.New("the upstream does not publish this model's signatures")

// Published is the Lookup of what an upstream publishes, fetched once per
// model and kept. A model the upstream does not publish is asked again
// after a minute; other fetch errors are not kept. It holds at most
// MaxModels models: past that, the oldest is forgotten.
type Published struct {
	fetch Fetcher
	now   func() time.Time

	mu     sync.Mutex
	models map[string]*docEntry
	order  []string // insertion order, for eviction
}

type docEntry struct {
	ready   chan struct{} // closed once the fetch ended
	methods map[string]*Signature
	missing time.Time // when the upstream said it has none, zero otherwise
	err     error
}

// MaxModels bounds the models a Published keeps.
const MaxModels = 2048

// notPublishedTTL is how long a model the upstream does not publish is
// not asked again.
const notPublishedTTL = time.Minute

// NewPublished returns a Lookup that reads signatures through fetch.
func NewPublished(fetch Fetcher) *Published {
	return &Published{fetch: fetch, now: time.Now, models: map[string]*docEntry{}}
}

// Signature implements Lookup.
func (p *Published) Signature(ctx context.Context, model, method string) (*Signature, error) {
	s, _, err := p.Find(ctx, model, method)
	return s, err
}

// Find returns model.method's published signature, and whether the
// upstream publishes the model at all: a published model without the
// method means the upstream has no public method of that name.
func (p *Published) Find(ctx context.Context, model, method string) (*Signature, bool, error) {
	e, err := p.entry(ctx, model)
	if err != nil {
		return nil, false, err
	}
	return e.methods[method], e.missing.IsZero(), nil
}

func (p *Published) entry(ctx context.Context, model string) (*docEntry, error) {
	e, err := p.entryOnce(ctx, model)
	if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// Another caller's fetch, which this one waited for, was
		// cancelled with that caller: fetch again.
		e, err = p.entryOnce(ctx, model)
	}
	return e, err
}

func (p *Published) entryOnce(ctx context.Context, model string) (*docEntry, error) {
	p.mu.Lock()
	e := p.models[model]
	if e != nil {
		select {
		case <-e.ready:
			if e.err != nil || !e.missing.IsZero() && p.now().Sub(e.missing) > notPublishedTTL {
				p.forget(model)
				e = nil
			}
		default:
		}
	}
	if e == nil {
		e = &docEntry{ready: make(chan struct{})}
		p.models[model] = e
		p.order = append(p.order, model)
		for len(p.order) > MaxModels {
			p.forget(p.order[0])
		}
		p.mu.Unlock()
		p.load(ctx, model, e)
	} else {
		p.mu.Unlock()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		return nil, e.err
	}
	return e, nil
}

// forget drops a model; p.mu is held.
func (p *Published) forget(model string) {
	delete(p.models, model)
	for i, m := range p.order {
		if m == model {
			p.order = append(p.order[:i], p.order[i+1:]...)
			break
		}
	}
}

func (p *Published) load(ctx context.Context, model string, e *docEntry) {
	defer close(e.ready)
	body, err := p.fetch(ctx, model)
	switch {
	case errors.Is(err, ErrNotPublished):
		e.missing = p.now()
	case err != nil:
		e.err = err
	default:
		e.methods, e.err = ParseDoc(body)
	}
}

// ParseDoc reads a /doc-bearer/<model>.json answer: {"methods": {name:
// {"parameters": {param: {"kind": …}, …}, "api": ["model", …]}, …}, …}.
// The parameters come in their order in the signature, which a JSON object
// keeps on the wire; ParseDoc reads them in that order.
func ParseDoc(body []byte) (map[string]*Signature, error) {
	var doc struct {
		Methods map[string]json.RawMessage `json:"methods"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("bridge: reading the published signatures: %w", err)
	}
	out := make(map[string]*Signature, len(doc.Methods))
	for name, raw := range doc.Methods {
		var m struct {
			API        []string        `json:"api"`
			Parameters json.RawMessage `json:"parameters"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("bridge: reading the published signature of %s: %w", name, err)
		}
		s := &Signature{Method: name, Records: true}
		for _, a := range m.API {
			if a == "model" {
				s.Records = false
			}
		}
		if err := readParams(m.Parameters, s); err != nil {
			return nil, fmt.Errorf("bridge: reading the published signature of %s: %w", name, err)
		}
		out[name] = s
	}
	return out, nil
}

// readParams reads the "parameters" object in order, each value's "kind"
// telling how the parameter binds (absent: by position or by name), and
// "default" present when it has one.
func readParams(raw json.RawMessage, s *Signature) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("parameters is not an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var p map[string]json.RawMessage
		if err := dec.Decode(&p); err != nil {
			return err
		}
		var kind string
		json.Unmarshal(p["name"], &name)
		json.Unmarshal(p["kind"], &kind)
		_, hasDefault := p["default"]
		switch kind {
		case "", "POSITIONAL_OR_KEYWORD", "POSITIONAL_ONLY":
			if !hasDefault && len(s.Params) == s.Required {
				s.Required++
			}
			s.Params = append(s.Params, name)
		case "KEYWORD_ONLY":
			s.KwOnly = append(s.KwOnly, name)
		case "VAR_POSITIONAL":
			s.VarArgs = true
		case "VAR_KEYWORD":
			s.VarKw = true
		}
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		return err
	}
	return nil
}
