package requests_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

var liveLink = regexp.MustCompile(`/approve/([A-Za-z0-9_-]{43})`)

// droppedAfterSending is a mail server that takes a message and then
// fails, quoting it: the message went out, but the outbox records a
// failure (without the link) and sends it again.
type droppedAfterSending struct{ box *requeststest.Mailbox }

func (d droppedAfterSending) Send(ctx context.Context, m model.OutboxMessage, raw []byte) error {
	d.box.Send(ctx, m, raw) //nolint:errcheck // the mailbox keeps it
	return errors.New("451 connection reset after DATA: " + m.Text)
}

func (droppedAfterSending) Describe() string { return "a mail server that drops the connection" }

// TestApprovalLinksAreNotStored: the outbox keeps each approval, resend
// and reminder mail with a placeholder where the link's token goes; the
// token is made as the mail is sent, only its hash is stored, and no
// table holds a live token. The links in the sent mails work, once; a
// mail sent twice (a dropped connection) carries two links that both work.
func TestApprovalLinksAreNotStored(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newFixture(t, url)
		ctx := context.Background()
		r, err := f.svc.Create(ctx, exposed, staff, requests.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		queued, _ := f.st.Mails(ctx, store.MailFilter{RequestID: r.ID})
		if len(queued) != 1 || !strings.Contains(queued[0].Text, "https://klant.hosting.example/approve/"+mail.LinkPlaceholder) ||
			!strings.Contains(queued[0].HTML, "/approve/"+mail.LinkPlaceholder) || liveLink.MatchString(queued[0].Text+queued[0].HTML) {
			t.Fatalf("the outbox holds %+v", queued)
		}

		var tokens []string
		first := f.link(t, r.ID, model.MailApproval)
		tokens = append(tokens, first)
		if err := f.svc.Resend(ctx, r.ID, staff); err != nil {
			t.Fatal(err)
		}
		resent := f.link(t, r.ID, model.MailApproval)
		f.clock.Add(12 * 24 * time.Hour) // within three days of the link's end
		if n, err := f.svc.RemindDue(ctx); err != nil || n != 1 {
			t.Fatalf("reminders: %d %v", n, err)
		}
		reminder := f.link(t, r.ID, model.MailReminder)
		tokens = append(tokens, resent, reminder)

		// A mail sent twice carries a new link each time; both work.
		if err := f.svc.Resend(ctx, r.ID, staff); err != nil {
			t.Fatal(err)
		}
		mails, _ := f.st.Mails(ctx, store.MailFilter{RequestID: r.ID, UnsentOnly: true})
		if len(mails) != 1 {
			t.Fatalf("%d unsent mails", len(mails))
		}
		dropped := &requeststest.Mailbox{}
		if err := f.Outbox(droppedAfterSending{dropped}).Deliver(ctx, mails[0].ID); err == nil || liveLink.MatchString(err.Error()) {
			t.Fatalf("a dropped connection: %v", err)
		}
		if failed, _ := f.st.Mail(ctx, mails[0].ID); failed.Attempts != 1 || !strings.Contains(failed.LastError, "451") {
			t.Errorf("the failure recorded: %+v", failed)
		}
		m, _ := dropped.Get(mails[0].ID)
		tokens = append(tokens, liveLink.FindStringSubmatch(m.Text)[1], f.link(t, r.ID, model.MailApproval))

		seen := map[string]bool{}
		for _, tok := range tokens {
			if seen[tok] {
				t.Errorf("two mails carry the same link")
			}
			seen[tok] = true
			if _, err := f.svc.OpenLink(ctx, tok); err != nil {
				t.Errorf("a sent link does not work: %v", err)
			}
		}
		// The outbox still holds only placeholders, sent or not, and no
		// table or column (River's job arguments included) holds a token.
		all, _ := f.st.Mails(ctx, store.MailFilter{RequestID: r.ID})
		for _, m := range all {
			if liveLink.MatchString(m.Text+m.HTML) || !strings.Contains(m.Text, mail.LinkPlaceholder) {
				t.Errorf("mail %d (%s) as kept: %q", m.ID, m.Kind, m.Text)
			}
		}
		if hits, err := f.st.FindText(ctx, tokens); err != nil || len(hits) != 0 {
			t.Errorf("live tokens stored: %+v %v", hits, err)
		}
		hashes := make([]string, len(tokens))
		for i, tok := range tokens {
			hashes[i] = requests.TokenHash(tok)
		}
		if hits, _ := f.st.FindText(ctx, hashes); len(hits) != len(tokens) {
			t.Errorf("the tokens' hashes are kept in %d places, want %d: %+v", len(hits), len(tokens), hits)
		}

		// Any link decides, once; the others stop working with it.
		if got, err := f.decide(t, resent, true); err != nil || got.State != model.StateApproved {
			t.Fatalf("approve through the resent link: %v %v", got.State, err)
		}
		for _, tok := range append(tokens, resent) {
			if _, err := f.svc.OpenLink(ctx, tok); !requests.IsLinkUnusable(err) {
				t.Errorf("a link after the decision: %v", err)
			}
		}

		// The link is the only secret the outbox cannot keep: a mail that
		// holds a placeholder is not sent without a way to issue it.
		if err := f.svc.Resend(ctx, r.ID, staff); !model.IsKind(err, model.KindConflict) {
			t.Errorf("resend after approval: %v", err)
		}
		r2, err := f.svc.Create(ctx, f.Exposed(t, "com", "openprovider")[0], staff, requests.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		waiting, _ := f.st.Mails(ctx, store.MailFilter{RequestID: r2.ID})
		bare := &mail.Outbox{Store: f.st, Sender: f.Mailbox, From: f.svc.MailFrom}
		if err := bare.Deliver(ctx, waiting[0].ID); err == nil || !strings.Contains(err.Error(), "cannot issue") {
			t.Errorf("sent without a link: %v", err)
		}
		if _, err := f.svc.IssueLink(ctx, model.OutboxMessage{ID: 9, Kind: model.MailStaff}); !model.IsKind(err, model.KindInvalid) {
			t.Errorf("a link for a staff mail: %v", err)
		}
	})
}
