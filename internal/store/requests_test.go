package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

func newRequest(t *testing.T, st *store.Store, domain string) model.PrivacyRequest {
	t.Helper()
	ctx := context.Background()
	d, err := st.Domain(ctx, domain)
	if err != nil {
		t.Fatal(err)
	}
	r := model.PrivacyRequest{Domain: d.Name, DomainID: d.ID, CustomerID: d.CustomerID, CustomerNumber: d.CustomerNumber,
		State: model.StateQuoted, Price: model.NewPrice(495, 1250),
		Quote:     model.QuoteText{Version: "v1", Language: model.LanguageDutch, Text: "Offerte", SHA256: "abc"},
		CreatedBy: model.Actor{Kind: model.ActorStaff, ID: "anna"}}
	err = st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertRequest(ctx, &r) })
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func transition(st *store.Store, r *model.PrivacyRequest, tr model.Transition) error {
	return st.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.TransitionRequest(context.Background(), r, store.Change{Transition: tr, Actor: model.System("test")})
	})
}

func TestRequestsAndTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedDomain(t, st, "a.nl")
		r := newRequest(t, st, "a.nl")
		got, err := st.Request(ctx, r.ID)
		if err != nil || got.Domain != "a.nl" || got.State != model.StateQuoted || got.Price.Lines[1].Gross != 1513 ||
			got.Quote.Text != "Offerte" || got.CreatedBy.ID != "anna" {
			t.Fatalf("read back %+v, %v", got, err)
		}

		// One open request per domain.
		dup := r
		err = st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertRequest(ctx, &dup) })
		if !model.IsKind(err, model.KindConflict) {
			t.Errorf("second open request: %v", err)
		}

		if err := transition(st, &r, model.SendForApproval); err != nil || r.State != model.StateAwaitingApproval {
			t.Fatalf("send: %v, %s", err, r.State)
		}
		stale := got // still says quoted
		if err := transition(st, &stale, model.SendForApproval); !model.IsKind(err, model.KindConflict) {
			t.Errorf("a transition from a stale state: %v", err)
		}
		if err := transition(st, &r, model.Verify); !model.IsKind(err, model.KindConflict) {
			t.Errorf("a transition the state machine refuses: %v", err)
		}
		events, _ := st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request"})
		if len(events) != 1 || events[0].Action != "request.send_for_approval" || events[0].FromState != "quoted" ||
			events[0].ToState != "awaiting_approval" {
			t.Errorf("audit %+v", events)
		}

		if err := transition(st, &r, model.Decline); err != nil {
			t.Fatal(err)
		}
		// A closed request frees the domain for a new one.
		again := newRequest(t, st, "a.nl")
		list, _ := st.Requests(ctx, store.RequestFilter{OpenOnly: true})
		if len(list) != 1 || list[0].ID != again.ID {
			t.Errorf("open requests %+v", list)
		}
		counts, _ := st.RequestCounts(ctx)
		if counts[model.StateDeclined] != 1 || counts[model.StateQuoted] != 1 {
			t.Errorf("counts %v", counts)
		}
	})
}

func TestTokensConsentAndLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedDomain(t, st, "a.nl")
		r := newRequest(t, st, "a.nl")
		tok := store.ApprovalToken{RequestID: r.ID, Hash: "hash1", ExpiresAt: time.Now().Add(time.Hour)}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertApprovalToken(ctx, &tok) }); err != nil {
			t.Fatal(err)
		}
		got, err := st.ApprovalTokenByHash(ctx, "hash1")
		if err != nil || got.RequestID != r.ID || !got.UsedAt.IsZero() {
			t.Fatalf("token %+v, %v", got, err)
		}
		if _, err := st.ApprovalTokenByHash(ctx, "nope"); !model.IsKind(err, model.KindNotFound) {
			t.Errorf("unknown token: %v", err)
		}
		for i, want := range []bool{true, false} {
			var used bool
			err := st.InTx(ctx, func(tx *store.Tx) error { var err error; used, err = tx.UseApprovalToken(ctx, tok.ID); return err })
			if err != nil || used != want {
				t.Errorf("use %d: %v, %v", i, used, err)
			}
		}

		consent := model.ConsentRecord{RequestID: r.ID, Decision: model.DecisionApproved, QuoteVersion: "v1", QuoteSHA256: "abc",
			Currency: "EUR", Net: 1745, VAT: 367, Gross: 2112, Method: "web link", UserAgent: "Firefox", ClientHash: "h"}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertConsent(ctx, &consent) }); err != nil {
			t.Fatal(err)
		}
		second := consent
		second.Decision = model.DecisionDeclined
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertConsent(ctx, &second) }); !model.IsKind(err, model.KindConflict) {
			t.Errorf("second decision: %v", err)
		}
		withdrawn := consent
		withdrawn.Decision, withdrawn.Method = model.DecisionWithdrawn, "staff"
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertConsent(ctx, &withdrawn) }); err != nil {
			t.Errorf("withdrawal: %v", err)
		}
		records, _ := st.ConsentRecords(ctx, r.ID)
		if len(records) != 2 || records[0].CustomerNumber != "S1" || records[0].Domain != "a.nl" || records[0].Gross != 2112 ||
			records[1].Decision != model.DecisionWithdrawn {
			t.Errorf("records %+v", records)
		}
		if err := storetest.Exec(ctx, st, "UPDATE consent_records SET user_agent = 'x'"); err == nil {
			t.Error("a consent record was changed")
		}

		charge := model.LedgerEntry{RequestID: r.ID, Kind: model.LedgerCharge, Description: "shielding", Currency: "EUR",
			Net: 1745, VAT: 367, Gross: 2112, IdempotencyKey: "charge:1"}
		for i, want := range []bool{true, false} {
			e := charge
			var wrote bool
			err := st.InTx(ctx, func(tx *store.Tx) error { var err error; wrote, err = tx.InsertLedgerEntry(ctx, &e); return err })
			if err != nil || wrote != want {
				t.Errorf("charge %d: wrote %v, %v", i, wrote, err)
			}
		}
		entries, _ := st.LedgerEntries(ctx, store.LedgerFilter{RequestID: r.ID})
		if len(entries) != 1 || entries[0].Domain != "a.nl" || entries[0].CustomerNumber != "S1" {
			t.Errorf("entries %+v", entries)
		}
		if err := storetest.Exec(ctx, st, "UPDATE ledger_entries SET net = 0"); err == nil {
			t.Error("a ledger entry was changed")
		}
		inWindow, _ := st.LedgerEntries(ctx, store.LedgerFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
		outside, _ := st.LedgerEntries(ctx, store.LedgerFilter{From: time.Now().Add(time.Hour)})
		if len(inWindow) != 1 || len(outside) != 0 {
			t.Errorf("by time: %d, %d", len(inWindow), len(outside))
		}
	})
}

func TestOutboxSecretsAndStaffTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		m := model.OutboxMessage{Kind: model.MailDigest, To: "staff@example.nl", Subject: "Digest", Text: "hi", MessageID: "1@afscherm"}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertMail(ctx, &m) }); err != nil {
			t.Fatal(err)
		}
		if err := st.MarkMailFailed(ctx, m.ID, "connection refused"); err != nil {
			t.Fatal(err)
		}
		unsent, _ := st.Mails(ctx, store.MailFilter{UnsentOnly: true})
		if len(unsent) != 1 || unsent[0].Attempts != 1 || unsent[0].LastError != "connection refused" {
			t.Errorf("unsent %+v", unsent)
		}
		if err := st.MarkMailSent(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := st.Mail(ctx, m.ID)
		if got.SentAt.IsZero() || got.Attempts != 2 || got.LastError != "" {
			t.Errorf("sent %+v", got)
		}

		calls := 0
		gen := func() (string, error) { calls++; return "s3cret", nil }
		a, err1 := st.Secret(ctx, "hmac", gen)
		b, err2 := st.Secret(ctx, "hmac", gen)
		if err1 != nil || err2 != nil || a != "s3cret" || b != a || calls != 1 {
			t.Errorf("secret %q %q %v %v, %d calls", a, b, err1, err2, calls)
		}

		tok := store.StaffToken{Name: "anna", Hash: "h1"}
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertStaffUser(ctx, &store.StaffUser{Name: "anna", PasswordHash: "x"}); err != nil {
				return err
			}
			return tx.InsertStaffToken(ctx, &tok)
		}); err != nil {
			t.Fatal(err)
		}
		if got, err := st.StaffTokenByHash(ctx, "h1"); err != nil || got.Name != "anna" {
			t.Errorf("token %+v, %v", got, err)
		}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.RevokeStaffToken(ctx, tok.ID) }); err != nil {
			t.Fatal(err)
		}
		if _, err := st.StaffTokenByHash(ctx, "h1"); !model.IsKind(err, model.KindUnauthorised) {
			t.Errorf("revoked token: %v", err)
		}
	})
}
