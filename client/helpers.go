package client

import (
	"context"
	"fmt"
)

// call is one model method call, written for every protocol at once:
// XML-RPC and JSON-RPC pass arguments by position, because some parameter
// names changed between versions (search_count's domain was "args" up to
// 16); JSON-2 passes them by name.
type call struct {
	model, method string
	records       bool           // a method on records: ids come first
	ids           []int64        // those records
	args          []any          // positional arguments after the ids
	named         map[string]any // the same arguments by name, for JSON-2
	kwargs        map[string]any // keyword arguments, for every protocol
}

func (c *Client) invoke(ctx context.Context, k call) (any, error) {
	p, err := c.protocol(ctx)
	if err != nil {
		return nil, err
	}
	if p == JSON2 {
		params := make(map[string]any, len(k.named)+len(k.kwargs)+1)
		for n, v := range k.kwargs {
			params[n] = v
		}
		for n, v := range k.named {
			params[n] = v
		}
		if k.records {
			params["ids"] = nonNil(k.ids)
		}
		return c.json2(ctx, k.model, k.method, params)
	}
	args := k.args
	if k.records {
		args = append([]any{nonNil(k.ids)}, args...)
	}
	return c.executeKW(ctx, k.model, k.method, args, k.kwargs)
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// SearchOptions narrows SearchRead. Zero values leave Odoo's defaults.
type SearchOptions struct {
	Fields []string // fields to read (default: all)
	Offset int
	Limit  int // 0: no limit
	Order  string
}

// SearchRead returns the records of model matching domain, e.g.
// []any{[]any{"is_company", "=", true}}; nil matches every record.
func (c *Client) SearchRead(ctx context.Context, model string, domain []any, opt SearchOptions) ([]map[string]any, error) {
	kw := map[string]any{}
	if opt.Fields != nil {
		kw["fields"] = opt.Fields
	}
	if opt.Offset > 0 {
		kw["offset"] = int64(opt.Offset)
	}
	if opt.Limit > 0 {
		kw["limit"] = int64(opt.Limit)
	}
	if opt.Order != "" {
		kw["order"] = opt.Order
	}
	d := orEmpty(domain)
	res, err := c.invoke(ctx, call{model: model, method: "search_read", args: []any{d}, named: map[string]any{"domain": d}, kwargs: kw})
	if err != nil {
		return nil, err
	}
	return records(res)
}

// Read returns the given fields (all when none) of the records ids. Ids
// that do not exist are left out, as Odoo does.
func (c *Client) Read(ctx context.Context, model string, ids []int64, fields ...string) ([]map[string]any, error) {
	var kw map[string]any
	if fields != nil {
		kw = map[string]any{"fields": fields}
	}
	res, err := c.invoke(ctx, call{model: model, method: "read", records: true, ids: ids, kwargs: kw})
	if err != nil {
		return nil, err
	}
	return records(res)
}

// Create makes one record and returns its id.
func (c *Client) Create(ctx context.Context, model string, vals map[string]any) (int64, error) {
	res, err := c.invoke(ctx, call{model: model, method: "create", args: []any{vals}, named: map[string]any{"vals_list": []any{vals}}})
	if err != nil {
		return 0, err
	}
	// A single dict gives an id; JSON-2's vals_list gives a list of one.
	if list, ok := res.([]any); ok && len(list) == 1 {
		res = list[0]
	}
	id, ok := res.(int64)
	if !ok {
		return 0, fmt.Errorf("client: %s.create answered %T, not an id", model, res)
	}
	return id, nil
}

// Write sets vals on the records ids.
func (c *Client) Write(ctx context.Context, model string, ids []int64, vals map[string]any) error {
	_, err := c.invoke(ctx, call{model: model, method: "write", records: true, ids: ids, args: []any{vals}, named: map[string]any{"vals": vals}})
	return err
}

// Unlink deletes the records ids. A record that does not exist is an error
// of KindMissing.
func (c *Client) Unlink(ctx context.Context, model string, ids []int64) error {
	_, err := c.invoke(ctx, call{model: model, method: "unlink", records: true, ids: ids})
	return err
}

// SearchCount returns how many records of model match domain.
func (c *Client) SearchCount(ctx context.Context, model string, domain []any) (int64, error) {
	d := orEmpty(domain)
	res, err := c.invoke(ctx, call{model: model, method: "search_count", args: []any{d}, named: map[string]any{"domain": d}})
	if err != nil {
		return 0, err
	}
	n, ok := res.(int64)
	if !ok {
		return 0, fmt.Errorf("client: %s.search_count answered %T, not a number", model, res)
	}
	return n, nil
}

// FieldsGet describes model's fields: for each field name, the attributes
// asked for (all when none), e.g. "string", "type", "required".
func (c *Client) FieldsGet(ctx context.Context, model string, attributes ...string) (map[string]map[string]any, error) {
	var kw map[string]any
	if attributes != nil {
		kw = map[string]any{"attributes": attributes}
	}
	res, err := c.invoke(ctx, call{model: model, method: "fields_get", kwargs: kw})
	if err != nil {
		return nil, err
	}
	m, ok := res.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("client: %s.fields_get answered %T, not a struct", model, res)
	}
	out := make(map[string]map[string]any, len(m))
	for name, v := range m {
		attrs, _ := v.(map[string]any)
		out[name] = attrs
	}
	return out, nil
}

// CheckAccessRights reports whether the user may perform operation ("read",
// "write", "create" or "unlink") on model at all, record rules aside. Odoo 18
// replaced check_access_rights with has_access, which is what it calls there.
func (c *Client) CheckAccessRights(ctx context.Context, model, operation string) (bool, error) {
	v, err := c.Version(ctx)
	if err != nil {
		return false, err
	}
	k := call{model: model, method: "check_access_rights", args: []any{operation},
		named: map[string]any{"operation": operation}, kwargs: map[string]any{"raise_exception": false}}
	if v.Major >= 18 {
		k = call{model: model, method: "has_access", records: true, args: []any{operation}, named: map[string]any{"operation": operation}}
	}
	res, err := c.invoke(ctx, k)
	if err != nil {
		return false, err
	}
	ok, isBool := res.(bool)
	if !isBool {
		return false, fmt.Errorf("client: %s.%s answered %T, not a boolean", model, k.method, res)
	}
	return ok, nil
}

func orEmpty(domain []any) []any {
	if domain == nil {
		return []any{}
	}
	return domain
}

// records converts a list of structs.
func records(res any) ([]map[string]any, error) {
	list, ok := res.([]any)
	if !ok {
		return nil, fmt.Errorf("client: expected a list of records, got %T", res)
	}
	out := make([]map[string]any, 0, len(list))
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("client: expected a record, got %T", v)
		}
		out = append(out, m)
	}
	return out, nil
}
