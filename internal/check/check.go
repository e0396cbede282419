// Package check is afscherm's deployment self-check (afscherm check): one
// small function per thing to look at — the database and its schema, the
// settings, the public URL, the price table, the registrar adapters and
// their parties, mail, the RDAP bootstrap file, file modes — each
// returning Results, and a runner that collects them and prints them.
//
// Nothing here changes the database or sends mail; the online items log in
// to a party and out again. No Result holds a personal datum or a secret:
// items name settings, files, parties, TLDs and registrars, never domains,
// customers or credentials.
package check

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Status is how an item stands.
type Status string

// The statuses, from good to bad.
const (
	OK   Status = "ok"
	Warn Status = "warn" // works, but not as it should in production
	Fail Status = "fail" // serve would not work, or not safely
)

// Result is one line of the check.
type Result struct {
	Item   string `json:"item"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	// Fix says which setting or command mends a warn or fail.
	Fix string `json:"fix"`
}

// Pass is an item that is as it should be.
func Pass(item, detail string) Result { return Result{Item: item, Status: OK, Detail: detail} }

// Warning is an item that works but should be mended.
func Warning(item, detail, fix string) Result {
	return Result{Item: item, Status: Warn, Detail: detail, Fix: fix}
}

// Failure is an item that keeps afscherm from working, or from working
// safely.
func Failure(item, detail, fix string) Result {
	return Result{Item: item, Status: Fail, Detail: detail, Fix: fix}
}

// Item looks at one thing and reports it in one or more Results.
type Item func(ctx context.Context) []Result

// One makes an Item of a function with a single Result.
func One(f func(ctx context.Context) Result) Item {
	return func(ctx context.Context) []Result { return []Result{f(ctx)} }
}

// Run runs the items in order, each within timeout, and collects their
// Results.
func Run(ctx context.Context, timeout time.Duration, items ...Item) []Result {
	var out []Result
	for _, item := range items {
		ictx, cancel := context.WithTimeout(ctx, timeout)
		out = append(out, item(ictx)...)
		cancel()
	}
	return out
}

// Failed reports whether any Result is a failure.
func Failed(rs []Result) bool {
	for _, r := range rs {
		if r.Status == Fail {
			return true
		}
	}
	return false
}

// WriteText prints one line per Result: the status in a column of its own,
// the item and its detail, and for warn and fail the fix, indented below.
//
//	ok    database: reachable (SQLite afscherm.db), schema 13 of 13
//	fail  public URL: http://privacy.hosting.nl is not https
//	      fix: give --public-url https://…
func WriteText(w io.Writer, rs []Result) error {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%-5s %s: %s\n", r.Status, r.Item, oneLine(r.Detail))
		if r.Fix != "" && r.Status != OK {
			fmt.Fprintf(&b, "%-5s fix: %s\n", "", oneLine(r.Fix))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the Results as one JSON array.
func WriteJSON(w io.Writer, rs []Result) error {
	if rs == nil {
		rs = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}

// oneLine keeps a multi-line error on its line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
