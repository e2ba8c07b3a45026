package xmlrpc

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/okapi-erp/okapi"
)

// refValue decodes one <value> element with encoding/xml, keeping struct
// member order in an okapi.Struct. It is the independent reference the
// golden tests compare against.
func refValue(d *xml.Decoder, start xml.StartElement) (any, error) {
	var text strings.Builder
	var typed any
	hasTyped := false
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch tk := tok.(type) {
		case xml.CharData:
			text.Write(tk)
		case xml.StartElement:
			v, err := refTyped(d, tk)
			if err != nil {
				return nil, err
			}
			typed, hasTyped = v, true
		case xml.EndElement:
			if hasTyped {
				return typed, nil
			}
			return text.String(), nil
		}
	}
}

func refText(d *xml.Decoder) (string, error) {
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch tk := tok.(type) {
		case xml.CharData:
			text.Write(tk)
		case xml.EndElement:
			return text.String(), nil
		case xml.StartElement:
			return "", fmt.Errorf("unexpected <%s>", tk.Name.Local)
		}
	}
}

func refTyped(d *xml.Decoder, start xml.StartElement) (any, error) {
	name := start.Name.Local
	switch name {
	case "array":
		var out []any
		for {
			tok, err := d.Token()
			if err != nil {
				return nil, err
			}
			switch tk := tok.(type) {
			case xml.StartElement:
				if tk.Name.Local == "value" {
					v, err := refValue(d, tk)
					if err != nil {
						return nil, err
					}
					out = append(out, v)
				}
			case xml.EndElement:
				if tk.Name.Local == "array" {
					if out == nil {
						out = []any{}
					}
					return out, nil
				}
			}
		}
	case "struct":
		s := okapi.Struct{}
		var member string
		for {
			tok, err := d.Token()
			if err != nil {
				return nil, err
			}
			switch tk := tok.(type) {
			case xml.StartElement:
				switch tk.Name.Local {
				case "name":
					if member, err = refText(d); err != nil {
						return nil, err
					}
				case "value":
					v, err := refValue(d, tk)
					if err != nil {
						return nil, err
					}
					s = append(s, okapi.Member{Name: member, Value: v})
				}
			case xml.EndElement:
				if tk.Name.Local == "struct" {
					return s, nil
				}
			}
		}
	}
	text, err := refText(d)
	if err != nil {
		return nil, err
	}
	switch name {
	case "string":
		return text, nil
	case "int", "i4", "i8":
		return strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	case "boolean":
		return text == "1", nil
	case "double":
		return strconv.ParseFloat(strings.TrimSpace(text), 64)
	case "nil":
		return nil, nil
	case "base64":
		return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
	case "dateTime.iso8601":
		return time.Parse("20060102T15:04:05", text)
	}
	return nil, fmt.Errorf("unknown type <%s>", name)
}

// refDocument decodes a methodCall or methodResponse with the reference
// decoder: the method name (calls), the params, and whether it is a fault.
func refDocument(body string) (method string, params []any, fault bool, err error) {
	d := xml.NewDecoder(strings.NewReader(body))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return method, params, fault, nil
		}
		if err != nil {
			return "", nil, false, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "methodName":
			if method, err = refText(d); err != nil {
				return "", nil, false, err
			}
		case "fault":
			fault = true
		case "value":
			v, err := refValue(d, se)
			if err != nil {
				return "", nil, false, err
			}
			params = append(params, v)
		}
	}
}
