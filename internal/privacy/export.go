package privacy

import (
	"archive/zip"
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

//go:embed templates/summary.html
var templateFiles embed.FS

var summary = template.Must(template.New("summary.html").Funcs(template.FuncMap{
	"day": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.In(amsterdam).Format("2006-01-02 15:04")
	},
	"euro":    func(c model.Cents) string { return c.Dutch() },
	"display": model.DisplayDomainName,
	"fields":  func() []model.Field { return model.Fields },
}).ParseFS(templateFiles, "templates/summary.html"))

var amsterdam = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// WriteExport writes a customer's data to a new zip file: data.json, to
// be read by machines, and summary.html, to be read by the customer, in
// their language. An existing file is never overwritten; a failed export
// leaves no file.
func WriteExport(s Subject, path string) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return model.Errorf(model.KindConflict, "%s exists already; choose a new file", path)
	}
	if err != nil {
		return model.Errorf(model.KindInvalid, "%v", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	var page bytes.Buffer
	if err := summary.Execute(&page, map[string]any{"S": s, "EN": s.Customer.Language == model.LanguageEnglish}); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	z := zip.NewWriter(f)
	for _, part := range []struct {
		name string
		body []byte
	}{{"data.json", data}, {"summary.html", page.Bytes()}} {
		w, err := z.CreateHeader(&zip.FileHeader{Name: part.name, Method: zip.Deflate, Modified: s.ExportedAt})
		if err != nil {
			return err
		}
		if _, err := w.Write(part.body); err != nil {
			return err
		}
	}
	return z.Close()
}
