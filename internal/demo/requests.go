package demo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/web"
	"github.com/afscherm/afscherm/registrars/epp/epptest"
)

// demoPrices is the demo's price table: what each registry or registrar
// charges, and the company's fee, without VAT.
const demoPrices = `tld,registrar,registrar_cost,service_fee
nl,*,0.00,12.50
com,openprovider,4.95,12.50
org,openprovider,4.95,12.50
be,openprovider,6.50,12.50
net,openprovider,4.95,12.50
`

const company = "Hosting Voorbeeld B.V."

// setUpFlow imports the demo's prices into its database as version 1 of
// the price table, as an operator would with 'afscherm prices import', and
// sets up the request flow that quotes from it.
func (s *session) setUpFlow(ctx context.Context) error {
	imported, err := requests.ImportPrices(ctx, s.st, strings.NewReader(demoPrices), "demo-prices.csv",
		model.Actor{Kind: model.ActorStaff, ID: "demo"})
	if err != nil {
		return err
	}
	s.priceVersion = imported.Table.Version
	prices := requests.Prices{Store: s.st}
	// The registrar configuration an operator would give with --registrars,
	// pointing at the sandbox's parties: SIDN over EPP for .nl, Openprovider's
	// API for .com and .net, and a task for staff for the rest.
	env := s.parties.Env()
	s.flow = &requests.Service{}
	router, err := adapters.Parse(s.parties.Config(""), "the sandbox's registrar configuration", adapters.Deps{
		Tasks: requests.Tasks{Store: s.st}, Handles: requests.Handles{Store: s.st}, Prices: prices, Getenv: func(k string) string { return env[k] },
		Dial: s.world.Net.Dial, RootCAs: s.world.Net.RootCAs(), Log: s.opts.log, Mail: s.flow.MailParty,
		Trace: s.opts.Trace})
	if err != nil {
		return err
	}
	timing := requests.DefaultTiming()
	timing.PollEvery, timing.VerifyAfter = time.Second, 0
	from := "Hosting Voorbeeld <noreply@hosting.example>"
	*s.flow = requests.Service{
		Store: s.st, Adapters: router,
		Scanner: s.scanner, PublicURL: "http://127.0.0.1", MailFrom: from, Company: company,
		StaffEmails: []string{"staff@hosting.example"}, Location: s.opts.Location, Log: s.opts.log, Timing: timing,
		Keys: requests.Keys{Client: []byte("demo client key"), CSRF: []byte("demo form key")},
	}
	s.outbox = &mail.Outbox{Store: s.st, Sender: mail.Dir{Path: filepath.Join(s.dir, "outbox")}, From: from, Log: s.opts.log,
		IssueLink: s.flow.IssueLink}
	return nil
}

// requests queues requests for every exposed domain, has the customers'
// answers come in through the real approval pages (one yes, one no), lets
// staff carry the approved one out, and prints the evidence.
func (s *session) requests(ctx context.Context) error {
	out := s.out
	// As behind the company's proxy: the customer's address comes in
	// X-Forwarded-For, and afscherm keeps only its keyed hash.
	s.web = httptest.NewServer(web.NewServer(web.Deps{Store: s.st, Requests: s.flow, Company: company, Log: s.opts.log,
		TrustForwardedFor: true}))
	s.flow.PublicURL = s.web.URL

	staff := model.Actor{Kind: model.ActorStaff, ID: "demo"}
	outcomes, err := s.flow.CreateMany(ctx, requests.Selection{AllExposed: true}, staff, requests.CreateOptions{}, nil)
	if err != nil {
		return err
	}
	var created []requests.View
	for _, o := range outcomes {
		if o.Request != nil {
			created = append(created, *o.Request)
		}
	}
	fmt.Fprintf(out, "\nqueued %d privacy requests for the exposed domains (afscherm request create --all-exposed);\n", len(created))
	fmt.Fprintf(out, "  each customer gets a quote and an approval link by mail, written as .eml files by the mail job\n")
	fmt.Fprintf(out, "  the quotes are priced from price table version %d, the demo's prices imported into its database (afscherm prices import)\n",
		s.priceVersion)
	if err := waitForJobs(ctx, s.client, mail.SendArgs{}.Kind(), len(created)); err != nil {
		return err
	}
	sidnReq, opReq, manualReq, no, err := pick(created)
	if err != nil {
		return err
	}
	for _, r := range []requests.View{sidnReq, opReq, manualReq} {
		if err := s.answer(ctx, r, true); err != nil {
			return err
		}
	}
	if err := s.answer(ctx, no, false); err != nil {
		return err
	}

	// SIDN and Openprovider have APIs: the submit job carries those out at
	// once, the charge job books them, the verify job scans again.
	fmt.Fprintf(out, "\nthe approved requests go to their parties (as configured with --registrars):\n")
	for _, r := range []requests.View{sidnReq, opReq} {
		if err := s.waitForState(ctx, r.ID, model.StateVerified); err != nil {
			return err
		}
		v, err := s.st.Request(ctx, r.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %s: %s: %s; scanned again: shielded, request verified\n", r.DomainDisplay, v.Adapter, v.PartyDetail)
	}
	fmt.Fprintf(out, "  what the parties saw: SIDN %d EPP changes, Openprovider %d API change (each carried out once)\n",
		eppChanges(s.parties.SIDN.Calls()), s.parties.Openprovider.Changes(opReq.Domain))

	// The .org request has no API configured: a task for staff, who
	// switch privacy on in the registrar's panel and say so.
	task, err := s.waitForTask(ctx, manualReq.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s: no API configured for it, so task %d for staff:\n    %s\n", manualReq.DomainDisplay, task.ID, task.Title)
	s.parties.Openprovider.SetPrivateWhois(manualReq.Domain, true) // staff, in Openprovider's control panel
	if _, err := s.flow.TaskDone(ctx, task.ID, staff, "privacy switched on in the registrar's panel"); err != nil {
		return err
	}
	fmt.Fprintf(out, "    staff did it and said so (afscherm task done %d --note ...): the request completed, was charged,\n", task.ID)
	fmt.Fprintf(out, "    and the verify job scanned %s again\n", manualReq.DomainDisplay)
	if err := s.waitForState(ctx, manualReq.ID, model.StateVerified); err != nil {
		return err
	}
	return s.printEvidence(ctx, sidnReq.ID, opReq.ID, manualReq.ID, no.ID)
}

// pick chooses the requests to approve — a .nl one for SIDN, a .com one
// for Openprovider, a .org one for staff — and another to decline.
func pick(created []requests.View) (sidnReq, opReq, manualReq, no requests.View, err error) {
	used := map[int64]bool{}
	find := func(suffix string) (requests.View, bool) {
		for _, v := range created {
			if strings.HasSuffix(v.Domain, suffix) && !used[v.ID] {
				used[v.ID] = true
				return v, true
			}
		}
		return requests.View{}, false
	}
	var ok [4]bool
	sidnReq, ok[0] = find(".nl")
	opReq, ok[1] = find(".com")
	manualReq, ok[2] = find(".org")
	no, ok[3] = find("")
	if slices.Contains(ok[:], false) {
		return sidnReq, opReq, manualReq, no, fmt.Errorf("the demo needs exposed .nl, .com and .org domains and one more")
	}
	return sidnReq, opReq, manualReq, no, nil
}

func eppChanges(calls []epptest.Call) int {
	n := 0
	for _, c := range calls {
		if c.Changed() {
			n++
		}
	}
	return n
}

// CustomerAddress is where the demo's customers come from (a documentation
// address): tests check that no table and no log line holds it.
const CustomerAddress = "198.51.100.23"

var linkPattern = regexp.MustCompile(`(http://[^\s]+/approve/[A-Za-z0-9_-]{43})`)

// answer opens the customer's mail, follows the link, and presses a button,
// all through real HTTP.
func (s *session) answer(ctx context.Context, r requests.View, approve bool) error {
	link, err := s.linkFromMail(r.ID)
	if err != nil {
		return err
	}
	page, err := httpGet(ctx, link)
	if err != nil {
		return err
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		return fmt.Errorf("the approval page for request %d has no form", r.ID)
	}
	decision := "decline"
	if approve {
		decision = "approve"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, link, strings.NewReader(url.Values{"csrf": {csrf[1]}, "decision": {decision}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Mozilla/5.0 (afscherm demo customer)")
	req.Header.Set("X-Forwarded-For", CustomerAddress)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s request %d: HTTP %d", decision, r.ID, resp.StatusCode)
	}
	fmt.Fprintf(s.out, "  the customer of %s opened the link (GET changes nothing) and pressed %q\n", r.DomainDisplay, decision)
	return nil
}

// linkFromMail reads the approval link out of a request's .eml file.
func (s *session) linkFromMail(id int64) (string, error) {
	mails, err := s.st.Mails(context.Background(), store.MailFilter{RequestID: id})
	if err != nil {
		return "", err
	}
	for _, m := range mails {
		if m.Kind != model.MailApproval {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.dir, "outbox", mail.FileName(m)))
		if err != nil {
			return "", err
		}
		// Undo quoted-printable soft line breaks before looking for the link.
		text := strings.ReplaceAll(string(b), "=\r\n", "")
		if m := linkPattern.FindStringSubmatch(text); m != nil {
			return m[1], nil
		}
	}
	return "", fmt.Errorf("no approval mail with a link for request %d", id)
}

func (s *session) waitForTask(ctx context.Context, requestID int64) (model.Task, error) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		tasks, err := s.st.Tasks(ctx, true)
		if err != nil {
			return model.Task{}, err
		}
		for _, t := range tasks {
			if t.RequestID == requestID {
				return t, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return model.Task{}, fmt.Errorf("request %d was not filed in time", requestID)
}

func (s *session) waitForState(ctx context.Context, id int64, want model.RequestState) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		r, err := s.st.Request(ctx, id)
		if err != nil {
			return err
		}
		if r.State == want {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("request %d did not become %s in time", id, want)
}

func (s *session) printEvidence(ctx context.Context, ids ...int64) error {
	out := s.out
	fmt.Fprintf(out, "\nconsent records (afscherm consent show REQUEST):\n")
	for _, id := range ids {
		ev, err := s.flow.Evidence(ctx, id)
		if err != nil {
			return err
		}
		for _, c := range ev.Consent {
			fmt.Fprintf(out, "  request %d, %s, customer %s: %s at %s via %s; quote %s sha256 %s…; %s incl. VAT; client hash %s…\n",
				c.RequestID, model.DisplayDomainName(c.Domain), c.CustomerNumber, strings.ToUpper(string(c.Decision)),
				c.At.In(s.opts.Location).Format("15:04:05"), c.Method, c.QuoteVersion, c.QuoteSHA256[:12], c.Gross.Dutch(), c.ClientHash[:12])
		}
		fmt.Fprintf(out, "    request %d is now %s\n", id, ev.Request.State)
	}
	entries, err := s.st.LedgerEntries(ctx, store.LedgerFilter{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nledger (afscherm charges export --from ... --to ...):\n")
	fmt.Fprintf(out, "  customer_number,domain,description,net,vat,gross\n")
	for _, e := range entries {
		fmt.Fprintf(out, "  %s,%s,%s,%s,%s,%s\n", e.CustomerNumber, e.Domain, e.Description, e.Net, e.VAT, e.Gross)
	}
	files, _ := filepath.Glob(filepath.Join(s.dir, "outbox", "*.eml"))
	fmt.Fprintf(out, "\n%d mails written to the outbox folder (one .eml per message, named by id and kind only)\n", len(files))
	return nil
}

func httpGet(ctx context.Context, link string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("X-Forwarded-For", CustomerAddress)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET approval page: HTTP %d", resp.StatusCode)
	}
	return string(b), err
}
