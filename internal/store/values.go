package store

import (
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// timeValue scans a timestamp whichever way the backend hands it over:
// time.Time from PostgreSQL, RFC 3339 text from SQLite.
type timeValue struct{ t *time.Time }

func (v timeValue) Scan(src any) error {
	switch s := src.(type) {
	case time.Time:
		*v.t = s.UTC()
	case string:
		return v.parse(s)
	case []byte:
		return v.parse(string(s))
	case nil:
		*v.t = time.Time{}
	default:
		return fmt.Errorf("timestamp: cannot scan %T", src)
	}
	return nil
}

func (v timeValue) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", s, err)
	}
	*v.t = t.UTC()
	return nil
}

// dateValue scans a calendar day: time.Time from PostgreSQL's date, text
// YYYY-MM-DD from SQLite; NULL is the zero Date.
type dateValue struct{ d *model.Date }

func (v dateValue) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		*v.d = model.Date{}
	case time.Time:
		*v.d = model.NewDate(s.Year(), s.Month(), s.Day())
	case string:
		return v.parse(s)
	case []byte:
		return v.parse(string(s))
	default:
		return fmt.Errorf("date: cannot scan %T", src)
	}
	return nil
}

func (v dateValue) parse(s string) error {
	d, err := model.ParseDate(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}

// dateArg passes a Date as YYYY-MM-DD text, or NULL for the zero Date.
func dateArg(d model.Date) driver.Value {
	if d.IsZero() {
		return nil
	}
	return d.String()
}
