package jsonrpc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/okapi-erp/okapi"
)

// refDecode decodes a document with encoding/json, keeping object member
// order in okapi.Struct: the independent reference of the golden tests.
func refDecode(body string) (any, error) {
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	v, err := refValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("extra data")
	}
	return v, nil
}

func refValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch x := tok.(type) {
	case json.Delim:
		switch x {
		case '[':
			out := []any{}
			for d.More() {
				v, err := refValue(d)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			_, err := d.Token()
			return out, err
		case '{':
			out := okapi.Struct{}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := refValue(d)
				if err != nil {
					return nil, err
				}
				out = append(out, okapi.Member{Name: k.(string), Value: v})
			}
			_, err := d.Token()
			return out, err
		}
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return n, nil
			}
		}
		return strconv.ParseFloat(string(x), 64)
	}
	return tok, nil
}
