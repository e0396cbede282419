package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
)

type requestCmd struct {
	Create requestCreateCmd `cmd:"" help:"Queue privacy requests: one domain, a customer's exposed domains, or every exposed domain."`
	List   requestListCmd   `cmd:"" help:"List requests."`
	Show   requestShowCmd   `cmd:"" help:"Show a request with its quote, audit trail, consent and charges."`
	Cancel requestCancelCmd `cmd:"" help:"Cancel a request before it is submitted."`
	Send   requestSendCmd   `cmd:"" help:"Send a draft to the customer, or mail a waiting customer a new link."`
}

type requestCreateCmd struct {
	Domain     string `placeholder:"DOMAIN" help:"One domain."`
	Customer   string `placeholder:"NUMBER" help:"Every exposed domain of one customer."`
	AllExposed bool   `name:"all-exposed" help:"Every exposed domain (safe to repeat: a domain with an open request gets no second one)."`
	Draft      bool   `help:"Keep the requests as quotes; send them later with 'request send'."`
	Reasons    string `name:"opt-out-reasons-file" placeholder:"FILE" help:"The customer's own reasons for SIDN's opt-out (full withholding), as a UTF-8 text file ('-' for standard input); with --domain."`
	As         string `placeholder:"NAME" help:"The staff member queueing them (default: your user name)."`
	JSON       bool   `name:"json" help:"One JSON object per domain."`
	flowFlags

	// Reviewed is a pointer so that a blank --reviewed "" is told from none.
	Reviewed *string `placeholder:"REASON" help:"With --domain, for a domain whose last verdict is undetermined: you have read its response (the domain's page in the console) and queue it anyway; REASON, kept in the audit trail, says what personal data it shows (name the fields; do not copy the data). For any other verdict it changes nothing: the normal rules apply."`
}

func (c requestCreateCmd) Run(e *env) error {
	if err := c.flowFlags.customerSafe(); err != nil { // before the database is opened
		return err
	}
	chosen := 0
	for _, b := range []bool{c.Domain != "", c.Customer != "", c.AllExposed} {
		if b {
			chosen++
		}
	}
	if chosen != 1 {
		return usagef("give exactly one of --domain D, --customer N or --all-exposed")
	}
	var reviewed string
	if c.Reviewed != nil {
		if c.Domain == "" {
			return usagef("--reviewed is a review of one domain's response: give --domain")
		}
		if reviewed = strings.TrimSpace(*c.Reviewed); reviewed == "" {
			return usagef("--reviewed needs a reason: what personal data does the response show?")
		}
	}
	var reasons string
	if c.Reasons != "" {
		if c.Domain == "" {
			return usagef("--opt-out-reasons-file is one customer's, for one domain: give --domain")
		}
		b, err := readInput(e, c.Reasons)
		if err != nil {
			return err
		}
		if reasons = strings.TrimSpace(string(b)); reasons == "" {
			return usagef("--opt-out-reasons-file %s is empty", c.Reasons)
		}
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := c.flowFlags.importPrices(e, st, staffActor(e, c.As)); err != nil {
		return err
	}
	fl, err := c.flowFlags.build(e, st, nil)
	if err != nil {
		return err
	}
	progress := func(done, total int) {
		if !c.JSON && (done%25 == 0 || done == total) {
			fmt.Fprintf(e.stderr, "queued %d/%d domains\n", done, total)
		}
	}
	out, err := fl.requests.CreateMany(e.ctx, requests.Selection{Domain: c.Domain, Customer: c.Customer, AllExposed: c.AllExposed},
		staffActor(e, c.As), requests.CreateOptions{Draft: c.Draft, OptOutReasons: reasons, Reviewed: reviewed}, progress)
	for _, o := range out {
		if c.JSON {
			b, _ := json.Marshal(outcomeLine(o))
			fmt.Fprintln(e.stdout, string(b))
			continue
		}
		if o.Request != nil {
			fmt.Fprintf(e.stdout, "request %d for %s: %s, %s incl. VAT\n", o.Request.ID, o.Request.DomainDisplay,
				o.Request.State, model.Cents(o.Request.Gross).Dutch())
		} else {
			fmt.Fprintf(e.stdout, "skipped %s: %s\n", model.DisplayDomainName(o.Domain), o.Skipped)
		}
	}
	if err != nil {
		return err
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stderr, "no exposed domains to queue")
	}
	return nil
}

// outcomeLine is one domain's result: the request, or why it got none.
func outcomeLine(o requests.Outcome) any {
	if o.Request != nil {
		return o.Request
	}
	return map[string]string{"domain": o.Domain, "state": "skipped", "skipped": o.Skipped}
}

type requestListCmd struct {
	State    string `placeholder:"STATE" help:"Only requests in this state."`
	Customer string `placeholder:"NUMBER" help:"Only this customer's."`
	Domain   string `placeholder:"DOMAIN" help:"Only this domain's."`
	Open     bool   `help:"Only requests still under way."`
	Limit    int    `default:"200" help:"At most this many, newest first."`
	JSON     bool   `name:"json" help:"One JSON object per request."`
}

func (c requestListCmd) Run(e *env) error {
	f := store.RequestFilter{CustomerNumber: c.Customer, OpenOnly: c.Open, Limit: c.Limit}
	if c.State != "" {
		s, err := model.ParseRequestState(c.State)
		if err != nil {
			return usagef("--state: %v", err)
		}
		f.State = s
	}
	if c.Domain != "" {
		name, err := model.NormalizeDomainName(c.Domain)
		if err != nil {
			return usagef("--domain: %v", err)
		}
		f.Domain = name
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Requests(e.ctx, f)
	if err != nil {
		return err
	}
	if c.JSON {
		for _, r := range list {
			b, _ := json.Marshal(requests.ViewOf(r))
			fmt.Fprintln(e.stdout, string(b))
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDOMAIN\tCUSTOMER\tSTATE\tINCL. VAT\tUPDATED")
	for _, r := range list {
		_, _, gross := r.Price.Totals()
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, model.DisplayDomainName(r.Domain), r.CustomerNumber, r.State,
			gross.Dutch(), r.UpdatedAt.In(amsterdam).Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

type requestShowCmd struct {
	ID   int64 `arg:"" help:"The request's id."`
	JSON bool  `name:"json" help:"Print JSON."`
}

func (c requestShowCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	ev, err := (&requests.Service{Store: st}).Evidence(e.ctx, c.ID)
	if err != nil {
		return err
	}
	if c.JSON {
		b, _ := json.Marshal(requests.ViewOf(ev.Request))
		fmt.Fprintln(e.stdout, string(b))
		return nil
	}
	writeEvidence(e.stdout, ev, true)
	return nil
}

// writeEvidence prints a request for people: its facts, the quote, the
// consent records, the charges and the audit trail.
func writeEvidence(w io.Writer, ev requests.Evidence, withAudit bool) {
	r := ev.Request
	net, vat, gross := r.Price.Totals()
	fmt.Fprintf(w, "Request %d: %s (customer %s)\n", r.ID, model.DisplayDomainName(r.Domain), r.CustomerNumber)
	fmt.Fprintf(w, "  state:     %s", r.State)
	if r.Reason != "" {
		fmt.Fprintf(w, " (%s)", r.Reason)
	}
	fmt.Fprintf(w, "\n  price:     %s excl. VAT, %s VAT, %s incl. VAT", net.Dutch(), vat.Dutch(), gross.Dutch())
	if r.PriceTableVersion != 0 {
		fmt.Fprintf(w, ", from price table version %d", r.PriceTableVersion)
	} else {
		fmt.Fprint(w, ", from a price table file (before versions were kept)")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  adapter:   %s", r.Adapter)
	if r.PartyReference != "" {
		fmt.Fprintf(w, ", reference %s", r.PartyReference)
	}
	if r.PartyDetail != "" {
		fmt.Fprintf(w, ": %s", r.PartyDetail)
	}
	fmt.Fprintf(w, "\n  created:   %s by %s:%s\n", r.CreatedAt.In(amsterdam).Format("2006-01-02 15:04:05 MST"), r.CreatedBy.Kind, r.CreatedBy.ID)
	if !r.ExpiresAt.IsZero() {
		fmt.Fprintf(w, "  link until %s\n", r.ExpiresAt.In(amsterdam).Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintf(w, "\nQuote (version %s, %s, SHA-256 %s):\n", r.Quote.Version, r.Quote.Language, r.Quote.SHA256)
	for _, line := range strings.Split(strings.TrimRight(r.Quote.Text, "\n"), "\n") {
		fmt.Fprintf(w, "  | %s\n", line)
	}
	fmt.Fprintf(w, "\nConsent records: %d\n", len(ev.Consent))
	for _, c := range ev.Consent {
		writeConsent(w, c)
	}
	fmt.Fprintf(w, "\nLedger entries: %d\n", len(ev.Ledger))
	for _, l := range ev.Ledger {
		fmt.Fprintf(w, "  %d %s %s: %s, %s excl. VAT, %s VAT, %s incl. VAT (%s)\n", l.ID, l.At.In(amsterdam).Format("2006-01-02"),
			l.Kind, l.Description, l.Net.Dutch(), l.VAT.Dutch(), l.Gross.Dutch(), l.IdempotencyKey)
	}
	if !withAudit {
		return
	}
	fmt.Fprintf(w, "\nAudit trail:\n")
	for _, a := range ev.Audit {
		line := fmt.Sprintf("  %s  %-34s %s:%s", a.At.In(amsterdam).Format("2006-01-02 15:04:05"), a.Action, a.Actor.Kind, a.Actor.ID)
		if a.FromState != "" || a.ToState != "" {
			line += fmt.Sprintf("  %s → %s", orDash(a.FromState), a.ToState)
		}
		if a.Reason != "" {
			line += "  (" + a.Reason + ")"
		}
		fmt.Fprintln(w, line)
	}
}

func writeConsent(w io.Writer, c model.ConsentRecord) {
	fmt.Fprintf(w, "  record %d: %s at %s by %s\n", c.ID, strings.ToUpper(string(c.Decision)),
		c.At.In(amsterdam).Format("2006-01-02 15:04:05 MST"), c.Method)
	fmt.Fprintf(w, "    quote version %s, SHA-256 %s\n", c.QuoteVersion, c.QuoteSHA256)
	fmt.Fprintf(w, "    amounts %s excl. VAT, %s VAT, %s incl. VAT (%s)\n", c.Net.Dutch(), c.VAT.Dutch(), c.Gross.Dutch(), c.Currency)
	if c.UserAgent != "" {
		fmt.Fprintf(w, "    user agent %q\n", c.UserAgent)
	}
	if c.ClientHash != "" {
		fmt.Fprintf(w, "    client address, keyed hash %s\n", c.ClientHash)
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

type requestCancelCmd struct {
	ID        int64  `arg:"" help:"The request's id."`
	Reason    string `required:"" help:"Why; kept in the audit trail."`
	Withdrawn bool   `help:"The customer withdrew their consent (recorded as such)."`
	As        string `placeholder:"NAME" help:"The staff member cancelling (default: your user name)."`
	JSON      bool   `name:"json" help:"Print the request as JSON."`
}

func (c requestCancelCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := (&requests.Service{Store: st, Log: e.log}).Cancel(e.ctx, c.ID, staffActor(e, c.As), c.Reason, c.Withdrawn)
	if err != nil {
		return err
	}
	return printRequest(e, r, c.JSON, "cancelled")
}

type requestSendCmd struct {
	ID   int64  `arg:"" help:"The request's id."`
	As   string `placeholder:"NAME" help:"The staff member sending (default: your user name)."`
	JSON bool   `name:"json" help:"Print the request as JSON."`
	flowFlags
}

func (c requestSendCmd) Run(e *env) error {
	if err := c.flowFlags.customerSafe(); err != nil { // before the database is opened
		return err
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := c.flowFlags.importPrices(e, st, staffActor(e, c.As)); err != nil {
		return err
	}
	fl, err := c.flowFlags.build(e, st, nil)
	if err != nil {
		return err
	}
	r, err := st.Request(e.ctx, c.ID)
	if err != nil {
		return err
	}
	if r.State == model.StateAwaitingApproval {
		err = fl.requests.Resend(e.ctx, c.ID, staffActor(e, c.As))
	} else {
		_, err = fl.requests.Send(e.ctx, c.ID, staffActor(e, c.As))
	}
	if err != nil {
		return err
	}
	if r, err = st.Request(e.ctx, c.ID); err != nil {
		return err
	}
	return printRequest(e, r, c.JSON, "mailed a new link for")
}

func printRequest(e *env, r model.PrivacyRequest, asJSON bool, verb string) error {
	if asJSON {
		b, _ := json.Marshal(requests.ViewOf(r))
		fmt.Fprintln(e.stdout, string(b))
		return nil
	}
	fmt.Fprintf(e.stdout, "%s request %s for %s: %s\n", verb, strconv.FormatInt(r.ID, 10), model.DisplayDomainName(r.Domain), r.State)
	return nil
}
