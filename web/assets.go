package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file.
type asset struct {
	body  []byte
	ctype string
	hash  string
}

// assets serves the embedded CSS, JavaScript and images. Pages link them
// with their content hash in the query, so a browser may keep them for a
// long time and still gets a new file with a new binary.
type assets struct {
	files map[string]*asset
	// notFound answers a file that is not there, as the version answers
	// any path it does not serve (Handler.SetNotFound).
	notFound http.Handler
}

func loadAssets() (*assets, error) {
	a := &assets{files: make(map[string]*asset)}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.files[path.Base(p)] = &asset{body: b, ctype: ctype, hash: hex.EncodeToString(sum[:8])}
		return nil
	})
	return a, err
}

// url is the address of a static file, with its hash.
func (a *assets) url(name string) string {
	f, ok := a.files[name]
	if !ok {
		return "/web/static/" + name
	}
	return "/web/static/" + name + "?v=" + f.hash
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[r.PathValue("file")]
	if !ok {
		if a.notFound != nil {
			a.notFound.ServeHTTP(w, r)
		} else {
			http.NotFound(w, r)
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", `"`+f.hash+`"`)
	if r.URL.Query().Get("v") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(f.body)
}
