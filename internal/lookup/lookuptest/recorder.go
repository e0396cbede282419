// Package lookuptest has what tests of the lookup clients share.
package lookuptest

import (
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/lookup"
	"github.com/afscherm/afscherm/internal/model"
)

// Recorder is a lookup.Observer that remembers what it was told.
type Recorder struct {
	mu      sync.Mutex
	lookups []string // "source server status"
	times   map[model.Source]int
}

// ObserveLookup notes one request.
func (r *Recorder) ObserveLookup(source model.Source, server, status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups = append(r.lookups, string(source)+" "+server+" "+status)
}

// ObserveLookupTime notes that one request was timed.
func (r *Recorder) ObserveLookupTime(source model.Source, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.times == nil {
		r.times = map[model.Source]int{}
	}
	r.times[source]++
}

// Lookups are the requests noted, as "source server status".
func (r *Recorder) Lookups() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lookups...)
}

// Timed is how many requests of a source were timed.
func (r *Recorder) Timed(source model.Source) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.times[source]
}

// Failure asserts that err is a lookup failure for reason and returns it.
func Failure(t testing.TB, err error, reason string) *lookup.Failure {
	t.Helper()
	f, ok := lookup.AsFailure(err)
	if !ok || f.Reason != reason {
		t.Fatalf("err = %v, want a %s failure", err, reason)
	}
	return f
}
