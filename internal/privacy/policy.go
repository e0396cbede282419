// Package privacy is how afscherm keeps its own privacy promises about the
// personal data it holds: one retention policy, applied by a daily job;
// a customer's data exported (inzage) or erased; and the register of
// processing, generated from the same policy.
package privacy

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/afscherm/afscherm/internal/model"
)

// Kind is a kind of record the policy keeps for a time.
type Kind string

// The kinds of record, in the order the policy lists them.
const (
	RawResponses Kind = "raw_responses"
	FieldValues  Kind = "field_values"
	MailBodies   Kind = "mail_bodies"
	ClientHashes Kind = "client_hashes"
	Digests      Kind = "digests"
	Customers    Kind = "customers"
)

// Kinds lists every kind.
var Kinds = []Kind{RawResponses, FieldValues, MailBodies, ClientHashes, Digests, Customers}

// Rule is what the policy says of one kind of record.
type Rule struct {
	Kind  Kind
	Term  Term
	From  string // the moment the term runs from
	Then  string // what happens when it has run
	Holds string // what the records hold
	Why   string // the purpose, for the register of processing
}

// Term is a length of time in days, weeks, months or years (calendar
// months and years, so that five years is five years to the day).
type Term struct {
	N    int
	Unit byte // 'd', 'w', 'm' or 'y'
}

// ParseTerm reads "30d", "12w", "6m" or "5y".
func ParseTerm(s string) (Term, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return Term{}, fmt.Errorf("%q is not a term such as 30d, 12w, 6m or 5y", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	unit := s[len(s)-1]
	if err != nil || !strings.ContainsRune("dwmy", rune(unit)) {
		return Term{}, fmt.Errorf("%q is not a term such as 30d, 12w, 6m or 5y", s)
	}
	if n <= 0 || n > 100*365 {
		return Term{}, fmt.Errorf("a term must be positive and below a century: %q", s)
	}
	return Term{N: n, Unit: unit}, nil
}

// String writes the term as ParseTerm reads it.
func (t Term) String() string { return strconv.Itoa(t.N) + string(t.Unit) }

// Human writes the term for people.
func (t Term) Human() string {
	unit := map[byte]string{'d': "day", 'w': "week", 'm': "month", 'y': "year"}[t.Unit]
	if t.N != 1 {
		unit += "s"
	}
	return fmt.Sprintf("%d %s", t.N, unit)
}

// After is the moment the term ends when it runs from t.
func (t Term) After(from time.Time) time.Time { return t.shift(from, t.N) }

// Before is the moment a term that has ended by now started: records from
// before it are past their term.
func (t Term) Before(now time.Time) time.Time { return t.shift(now, -t.N) }

func (t Term) shift(from time.Time, n int) time.Time {
	switch t.Unit {
	case 'w':
		return from.AddDate(0, 0, 7*n)
	case 'm':
		return from.AddDate(0, n, 0)
	case 'y':
		return from.AddDate(n, 0, 0)
	}
	return from.AddDate(0, 0, n)
}

// AfterDate is the first day on which a term that runs from a date has
// ended.
func (t Term) AfterDate(d model.Date) model.Date { return model.DateOf(t.After(d.Time()), time.UTC) }

// Policy is the retention policy: a rule per kind.
type Policy struct{ rules []Rule }

// Default is the company's policy. The term for customers follows the tax
// office's five years; Dutch fiscal law keeps the books seven, and the
// operator decides (--retention customers=7y).
func Default() Policy {
	d := func(s string) Term { t, _ := ParseTerm(s); return t }
	return Policy{rules: []Rule{
		{RawResponses, d("30d"), "the scan", "the raw response is deleted; the verdict and fields found stay",
			"RDAP and WHOIS answers as received, which can hold a registrant's name, address, phone and e-mail",
			"evidence of a scan, to check the classifier"},
		{FieldValues, d("90d"), "the domain leaving us", "the values found are removed from its scans; verdicts and which fields were visible stay",
			"the registrant data found in each scan, and its match with our customer data",
			"showing staff and the customer what is visible, and verifying a request"},
		{MailBodies, d("90d"), "sending", "address, subject and text are removed (the .eml file too); that a mail of its kind was sent stays",
			"mails to customers and staff: the customer's e-mail address, name, domains and quote",
			"sending the quote and the approval link; alerts to staff"},
		{ClientHashes, d("30d"), "the visit", "the hash of the address and the browser's name are removed from consent records; failed sign-ins are deleted",
			"keyed hashes (HMAC-SHA-256) of client addresses, user agents",
			"blocking visitors who misbehave (abuse only)"},
		{Digests, d("90d"), "producing the digest", "the digest is deleted",
			"the staff digest: domain names newly exposed or shielded",
			"telling staff what changed overnight"},
		{Customers, d("5y"), "the end of the relationship", "the customer is erased: record, domains, scans, requests, quotes, consent records, ledger entries, mails, tasks and their audit trail",
			"name, address, e-mail, phone, domains, quotes, consent records (with user agent), ledger entries",
			"the service and the books (the tax office's term)"},
	}}
}

// Set changes a kind's term: "customers=7y".
func (p *Policy) Set(s string) error {
	kind, term, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("--retention %q: give KIND=TERM, e.g. customers=7y", s)
	}
	i := slices.IndexFunc(p.rules, func(r Rule) bool { return string(r.Kind) == strings.TrimSpace(kind) })
	if i < 0 {
		return fmt.Errorf("--retention %q: no kind %q; the kinds are %s", s, kind, kindList())
	}
	t, err := ParseTerm(term)
	if err != nil {
		return fmt.Errorf("--retention %q: %v", s, err)
	}
	p.rules[i].Term = t
	return nil
}

func kindList() string {
	var names []string
	for _, k := range Kinds {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// Parse is the default policy with the settings applied.
func Parse(settings []string) (Policy, error) {
	p := Default()
	for _, s := range settings {
		if err := p.Set(s); err != nil {
			return Policy{}, err
		}
	}
	return p, nil
}

// Rules lists the rules in order.
func (p Policy) Rules() []Rule { return slices.Clone(p.rules) }

// Term is a kind's term.
func (p Policy) Term(k Kind) Term {
	for _, r := range p.rules {
		if r.Kind == k {
			return r.Term
		}
	}
	panic("privacy: no rule for " + string(k)) // Kinds and Default agree
}

// Show writes the policy as a table.
func (p Policy) Show(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tKEPT\tFROM\tTHEN")
	for _, r := range p.rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Kind, r.Term.Human(), r.From, r.Then)
	}
	return tw.Flush()
}
