package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
)

//go:embed templates
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

var pages = template.Must(template.New("").ParseFS(templateFiles, "templates/*.html"))

// staticHandler serves the embedded stylesheets, files only: a folder,
// /static/ itself included, is not found rather than listed.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	fileServer := http.FileServerFS(sub)
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, err := fs.Stat(sub, r.URL.Path); err != nil || info.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	}))
}

// customerHeaders are the security headers of every page customers see:
// nothing from elsewhere, no framing, no referrer, no caching.
func customerHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	if _, ok := data["Company"]; !ok {
		data["Company"] = s.deps.Company
	}
	if _, ok := data["Lang"]; !ok {
		data["Lang"] = "nl"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		s.logError(context.Background(), "render page", err, "page", name)
	}
}
