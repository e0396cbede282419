package privacy_test

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/privacy"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// subjectFixture is the samples with one customer's whole history: two
// requests (one approved, carried out by staff and charged; one declined),
// their mails sent to a mail folder, and a digest naming their domains.
type subjectFixture struct {
	*requeststest.Env
	mailDir  string
	customer model.Customer
	needles  []string
}

const person = "K1001" // Jan van den Heuvel, with .nl and .com domains

func newSubject(t *testing.T, url string) *subjectFixture {
	t.Helper()
	e := requeststest.New(t, url)
	ctx := context.Background()
	f := &subjectFixture{Env: e, mailDir: t.TempDir()}
	e.Mailbox.Also = mail.Dir{Path: f.mailDir} // the mails whose links the customer follows go to the folder too
	c, err := e.Store.Customer(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	f.customer = c
	f.needles = []string{c.Name, c.Email, c.Phone, c.Street, c.PostalCode}
	e.Exposed(t, "com", "openprovider") // the registrar publishes the .com registrants
	yes := e.Approve(t, "janvandenheuvel.com")
	if err := e.Service.Submit(ctx, yes.ID); err != nil {
		t.Fatal(err)
	}
	task, err := e.Store.TaskOfRequest(ctx, yes.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.TaskDone(ctx, task.ID, requeststest.Staff, "privacy on"); err != nil {
		t.Fatal(err)
	}
	if err := e.Service.Charge(ctx, yes.ID); err != nil {
		t.Fatal(err)
	}
	no, err := e.Service.Create(ctx, "janvandenheuvel.nl", requeststest.Staff, requestsOpts())
	if err != nil {
		t.Fatal(err)
	}
	link, err := e.Service.OpenLink(ctx, e.Link(t, no.ID, model.MailApproval))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Decide(ctx, e.Link(t, no.ID, model.MailApproval), link.CSRF, false, clientOf()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Create(ctx, "brambakker.nl", requeststest.Staff, requestsOpts()); err != nil { // another customer's
		t.Fatal(err)
	}
	out := e.Outbox(mail.Dir{Path: f.mailDir})
	all, _ := e.Store.Mails(ctx, store.MailFilter{UnsentOnly: true})
	for _, m := range all {
		if err := out.Deliver(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	err = e.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.InsertDigest(ctx, &store.Digest{PeriodStart: e.Clock.Now().Add(-24 * time.Hour), PeriodEnd: e.Clock.Now(),
			Body: `{"newly_exposed": ["janvandenheuvel.nl", "brambakker.nl"]}`})
	})
	if err != nil {
		t.Fatal(err)
	}
	if hits := f.hits(t); len(hits) < 5 {
		t.Fatalf("the customer's data is found in only %d places before erasure: %+v", len(hits), hits)
	}
	return f
}

func (f *subjectFixture) hits(t *testing.T) []store.Hit {
	t.Helper()
	hits, err := f.Store.FindText(context.Background(), f.needles)
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func (f *subjectFixture) setEnd(t *testing.T, end string) {
	t.Helper()
	if err := storetest.Exec(context.Background(), f.Store, "UPDATE customers SET relationship_end = '"+end+"' WHERE number = '"+person+"'"); err != nil {
		t.Fatal(err)
	}
}

func TestEraseLeavesNoTrace(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newSubject(t, url)
		ctx := context.Background()
		o := privacy.EraseOptions{Options: privacy.Options{Policy: privacy.Default(), MailDir: f.mailDir}, By: requeststest.Staff}
		before, _ := f.Store.Customers(ctx)

		// Not while the customer is one, nor inside the term.
		if _, err := privacy.Erase(ctx, f.Store, person, o); !model.IsKind(err, model.KindConflict) || !strings.Contains(err.Error(), "still a customer") {
			t.Errorf("erase an active customer: %v", err)
		}
		f.setEnd(t, "2024-06-30")
		if _, err := privacy.Erase(ctx, f.Store, person, o); err == nil || !strings.Contains(err.Error(), "2029-06-30") {
			t.Errorf("erase inside the term: %v, want the date it may", err)
		}
		if _, err := privacy.Erase(ctx, f.Store, "K9999", o); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("erase an unknown customer: %v", err)
		}
		if hits := f.hits(t); len(hits) == 0 {
			t.Fatal("a refused erasure removed data")
		}

		// Tonight's plan still has the customer's domains to queue, and
		// another customer's.
		err := f.Store.InTx(ctx, func(tx *store.Tx) error {
			return tx.SavePlanRest(ctx, []store.PlannedScan{{Domain: "janvandenheuvel.nl", Server: "rdap.sidn.nl"},
				{Domain: "brambakker.nl", Server: "rdap.sidn.nl"}, {Domain: "janvandenheuvel.com", Server: "rdap.verisign.com"}})
		})
		if err != nil {
			t.Fatal(err)
		}

		// Early, where the law demands it, with the reason recorded.
		o.Force, o.Reason = true, "court order 2026/123"
		done, err := privacy.Erase(ctx, f.Store, person, o)
		if err != nil {
			t.Fatal(err)
		}
		if done["customers"] != 1 || done["domains"] != 2 || done["privacy_requests"] != 2 || done["ledger_entries"] != 1 || done["digests"] != 1 {
			t.Errorf("erased %v", done)
		}
		if hits := f.hits(t); len(hits) != 0 {
			t.Errorf("the customer's data is still in the database: %+v", hits)
		}
		files, _ := filepath.Glob(filepath.Join(f.mailDir, "*"))
		for _, file := range files {
			b, _ := os.ReadFile(file)
			for _, n := range f.needles {
				if strings.Contains(string(b), n) || strings.Contains(string(b), strings.ReplaceAll(n, " ", "=20")) {
					t.Errorf("%s still holds %q", filepath.Base(file), n)
				}
			}
		}
		if len(files) == 0 {
			t.Error("the other customers' mails went too")
		}
		after, _ := f.Store.Customers(ctx)
		if len(after) != len(before)-1 {
			t.Errorf("%d customers → %d", len(before), len(after))
		}
		if scans, _ := f.Store.Scans(ctx, "brambakker.nl", 0); len(scans) == 0 {
			t.Error("another customer's scans went too")
		}
		if rest, err := f.Store.PlanRest(ctx); err != nil || len(rest) != 1 || rest["rdap.sidn.nl"] != 1 || done["scan_plan_rest"] != 2 {
			t.Errorf("the plan's rest after the erasure: %v, %v (erased %d)", rest, err, done["scan_plan_rest"])
		}
		events, _ := f.Store.AuditEvents(ctx, store.AuditFilter{Action: "subject.erased"})
		if len(events) != 1 || events[0].Reason != "court order 2026/123" || events[0].SubjectID != "erased" {
			t.Errorf("erasure events %+v", events)
		}
		// A repeat finds nobody to erase.
		if _, err := privacy.Erase(ctx, f.Store, person, o); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("second erasure: %v", err)
		}
	})
}

// TestExportHoldsEverything: every row the catalogue walk finds holding
// the customer's data is in their export.
func TestExportHoldsEverything(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newSubject(t, url)
		ctx := context.Background()
		s, err := privacy.Gather(ctx, f.Store, person)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "k1001.zip")
		if err := privacy.WriteExport(s, path); err != nil {
			t.Fatal(err)
		}
		if err := privacy.WriteExport(s, path); !model.IsKind(err, model.KindConflict) {
			t.Errorf("export over an existing file: %v", err)
		}
		if _, err := privacy.Gather(ctx, f.Store, "K9999"); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("export of an unknown customer: %v", err)
		}
		data, page := readExport(t, path)
		var got privacy.Subject
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		exported := map[string]map[string]bool{}
		add := func(table string, id int64) {
			if exported[table] == nil {
				exported[table] = map[string]bool{}
			}
			exported[table][strconv.FormatInt(id, 10)] = true
		}
		add("customers", got.Customer.ID)
		for _, d := range got.Domains {
			add("domains", d.ID)
		}
		for _, sc := range got.Scans {
			add("scan_results", sc.ID)
		}
		for _, m := range got.Mails {
			add("outbox", m.ID)
		}
		for _, e := range got.Audit {
			add("audit_events", e.ID)
		}
		for _, r := range got.Requests {
			add("privacy_requests", r.Request.ID)
			for _, c := range r.Consent {
				add("consent_records", c.ID)
			}
			for _, l := range r.Ledger {
				add("ledger_entries", l.ID)
			}
			for _, e := range r.Audit {
				add("audit_events", e.ID)
			}
			if r.Task != nil {
				add("tasks", r.Task.ID)
			}
		}
		for _, h := range f.hits(t) {
			if !exported[h.Table][h.Key] {
				t.Errorf("%s %s (column %s) holds the customer's data but is not in the export", h.Table, h.Key, h.Column)
			}
		}
		if len(got.Requests) != 2 || len(got.Mails) == 0 || len(got.Scans) < 2 {
			t.Errorf("export: %d requests, %d mails, %d scans", len(got.Requests), len(got.Mails), len(got.Scans))
		}
		if !strings.Contains(page, "Uw gegevens bij ons") || !strings.Contains(page, f.customer.Email) ||
			!strings.Contains(page, "janvandenheuvel.com") {
			t.Errorf("summary.html:\n%s", page)
		}
		if events, _ := f.Store.AuditEvents(ctx, store.AuditFilter{Action: "subject.exported"}); len(events) != 0 {
			t.Error("Gather alone recorded an export")
		}
	})
}

func readExport(t *testing.T, path string) (data []byte, page string) {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		switch f.Name {
		case "data.json":
			data = b
		case "summary.html":
			page = string(b)
		}
	}
	if data == nil || page == "" {
		t.Fatalf("export holds %d files", len(z.File))
	}
	return data, page
}
