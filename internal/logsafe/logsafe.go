// Package logsafe keeps domain names out of afscherm's log lines. A domain
// name is often a person's name (janvandenheuvel.nl), and the logs hold
// none: a log line names a domain by its database id (Domain), and text
// that may name one — an error, a party's reason — is logged with every
// name of ours replaced by its id (Text). Messages for staff, on the
// command line and in the console, are not changed: staff need the names.
package logsafe

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/afscherm/afscherm/internal/model"
)

// DomainKey is the attribute a log line names a domain by.
const DomainKey = "domain_id"

// Domain is the attribute that names a domain in a log line: its id.
func Domain(id int64) slog.Attr { return slog.Int64(DomainKey, id) }

// Lookup finds one of our domains by its A-label name; a name that is not
// ours is model.KindNotFound. *store.Store and *store.Tx do; inside a
// transaction pass the Tx, since on SQLite the store has one connection.
// A nil Lookup places no name.
type Lookup interface {
	Domain(ctx context.Context, name string) (model.Domain, error)
}

// DomainNamed is Domain for a domain known by name; the empty attribute,
// which log/slog leaves out, when it is not ours or cannot be looked up.
func DomainNamed(ctx context.Context, lookup Lookup, name string) slog.Attr {
	a, err := model.NormalizeDomainName(name)
	if err != nil {
		return slog.Attr{}
	}
	if lookup == nil {
		return slog.Attr{}
	}
	d, err := lookup.Domain(ctx, a)
	if err != nil {
		return slog.Attr{}
	}
	return Domain(d.ID)
}

// Error is the attribute "error" with err's message as Text makes it.
func Error(ctx context.Context, lookup Lookup, err error) slog.Attr {
	if err == nil {
		return slog.String("error", "")
	}
	return slog.String("error", Text(ctx, lookup, err.Error()))
}

// Placeholders in what Text returns.
const (
	unknownName = "[domain name]"
	emailText   = "[e-mail address]"
)

// maxLookups bounds the names Text asks about; any more in a long text are
// left out, as when the database does not answer.
const maxLookups = 32

var (
	// A word of two or more dot-separated labels of letters (any script),
	// digits, hyphens and underscores: what a domain name looks like in
	// text. Whether it is one is for model.NormalizeDomainName to say.
	hostPattern  = regexp.MustCompile(`[\p{L}\p{M}\p{N}_-]+(?:\.[\p{L}\p{M}\p{N}_-]+)+`)
	emailPattern = regexp.MustCompile("[\\p{L}\\p{N}.!#$%&'*+/=?^_`{|}~-]+@[\\p{L}\\p{M}\\p{N}_-]+(?:\\.[\\p{L}\\p{M}\\p{N}_-]+)+")
)

// Text returns text as a log line may carry it: each of our domain names
// in it — as A-labels or U-labels, in any case, also as the end of a
// longer host name — becomes "[domain ID]", and each e-mail address
// "[e-mail address]". Once lookup fails (the database does not answer
// within ctx), every further name becomes "[domain name]": a name is left
// out rather than risked.
func Text(ctx context.Context, lookup Lookup, text string) string {
	if !hostPattern.MatchString(text) {
		return text
	}
	text = emailPattern.ReplaceAllString(text, emailText)
	ids := map[string]int64{} // A-label name → id; 0: not ours
	asked, cannotAsk := 0, lookup == nil
	return hostPattern.ReplaceAllStringFunc(text, func(word string) string {
		labels := strings.Split(word, ".")
		// The longest name first: a host name may end in a domain of ours.
		for i := 0; i+1 < len(labels); i++ {
			name, err := model.NormalizeDomainName(strings.Join(labels[i:], "."))
			if err != nil {
				continue
			}
			id, seen := ids[name]
			if !seen {
				if cannotAsk || asked == maxLookups {
					return unknownName
				}
				asked++
				d, err := lookup.Domain(ctx, name)
				switch {
				case err == nil:
					id = d.ID
				case model.IsKind(err, model.KindNotFound):
				default:
					cannotAsk = true
					return unknownName
				}
				ids[name] = id
			}
			if id != 0 {
				return strings.Join(append(labels[:i:i], fmt.Sprintf("[domain %d]", id)), ".")
			}
		}
		return word
	})
}

// ForRiver wraps the handler of River's own log. River logs a job's error
// with the job's id (job_id); the error is afscherm's and may name a
// domain, so the line keeps the id and leaves the error out: it stays with
// the job, for River UI. River does not log jobs' arguments.
func ForRiver(h slog.Handler) slog.Handler { return riverHandler{next: h} }

type riverHandler struct {
	next  slog.Handler
	ofJob bool // a job_id among the logger's own attributes
}

// riverJobText are the attributes of River's lines about a job that carry
// text from the job: its error, or what it panicked with.
var riverJobText = map[string]bool{"error": true, "err": true, "panic_val": true}

const keptWithJob = "left out of the log: kept with the job (River UI)"

func (h riverHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h riverHandler) Handle(ctx context.Context, r slog.Record) error {
	ofJob := h.ofJob
	r.Attrs(func(a slog.Attr) bool {
		ofJob = ofJob || a.Key == "job_id"
		return !ofJob
	})
	if !ofJob {
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if riverJobText[a.Key] {
			a = slog.String(a.Key, keptWithJob)
		}
		out.AddAttrs(a)
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs notes a job_id among the logger's own attributes. (River
// gives its loggers none; its lines carry their attributes themselves.)
func (h riverHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	ofJob := h.ofJob
	for _, a := range attrs {
		ofJob = ofJob || a.Key == "job_id"
	}
	return riverHandler{next: h.next.WithAttrs(attrs), ofJob: ofJob}
}

func (h riverHandler) WithGroup(name string) slog.Handler {
	return riverHandler{next: h.next.WithGroup(name), ofJob: h.ofJob}
}
