package model

import (
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	d, err := ParseDate("2026-02-28")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.AddDate(0, 0, 1).String(); got != "2026-03-01" {
		t.Errorf("next day = %s", got)
	}
	if !d.Before(d.AddDate(5, 0, 0)) || d.After(d) {
		t.Error("ordering is wrong")
	}
	for _, bad := range []string{"", "2026-13-01", "28-02-2026", "2026-2-28", "2026-02-30"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	late := time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC)
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	if got := DateOf(late, ams).String(); got != "2026-11-25" {
		t.Errorf("DateOf in Amsterdam = %s", got)
	}
	var z Date
	if z.String() != "" || !z.IsZero() {
		t.Error("zero date is not empty")
	}
	var u Date
	if err := u.UnmarshalText([]byte("2026-01-02")); err != nil || u.String() != "2026-01-02" {
		t.Errorf("UnmarshalText = %v, %v", u, err)
	}
}
