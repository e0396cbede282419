package model

import (
	"fmt"
	"time"
)

// Date is a calendar day without a time of day, such as the end of a customer
// relationship. The zero Date means "no date".
type Date struct {
	t time.Time // midnight UTC, or zero
}

// ParseDate reads a date in the form YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return Date{t: t}, nil
}

// DateOf returns the calendar day of t as seen in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return NewDate(y, m, d)
}

// NewDate returns the given day; out-of-range values roll over as with time.Date.
func NewDate(year int, month time.Month, day int) Date {
	return Date{t: time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// IsZero reports whether d is "no date".
func (d Date) IsZero() bool { return d.t.IsZero() }

// String returns YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// Time returns midnight UTC at the start of d.
func (d Date) Time() time.Time { return d.t }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.t.After(o.t) }

// AddDate adds years, months and days, as time.Time.AddDate does.
func (d Date) AddDate(years, months, days int) Date {
	return Date{t: d.t.AddDate(years, months, days)}
}

// MarshalText writes the date as YYYY-MM-DD (empty for the zero Date).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD; empty text gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
