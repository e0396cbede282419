package main

import (
	"time"
	_ "time/tzdata" // so that Europe/Amsterdam is known on machines without a zone database
)

// amsterdam is the company's time zone: of the nightly schedule, of the
// dates people read.
var amsterdam = mustLoadLocation("Europe/Amsterdam")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is embedded, so this cannot fail
	}
	return loc
}
