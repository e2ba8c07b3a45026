package model

import (
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// htmlPolicy is what an HTML field may hold once written: text formatting,
// links, images, lists and tables; never what runs in a reader's browser
// (script and style elements, event attributes, javascript: URLs, frames,
// forms). Odoo sanitizes its HTML fields (notes, descriptions, message
// bodies) on write too; a tool that shows them, such as an e-mail add-in,
// can then show them as they are. A policy is safe for concurrent use.
var htmlPolicy = bluemonday.UGCPolicy()

// sanitizeHTML cleans an HTML value. Text without markup is kept as it is,
// so that a plain note reads back unchanged.
func sanitizeHTML(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	return htmlPolicy.Sanitize(s)
}
