package privacy_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/privacy"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

var approvalLink = regexp.MustCompile(`/approve/([A-Za-z0-9_-]{43})`)

// TestNoLiveLinkKept: after a whole history — one request approved,
// carried out and charged, one declined, another customer's still waiting
// — no table and no column of the database, and nothing in the subject's
// export, holds an approval link's token; only its hash is kept. The mails
// themselves (the .eml files in the mail folder) hold the links: they are
// what the customers received.
func TestNoLiveLinkKept(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		f := newSubject(t, url)
		ctx := context.Background()
		files, _ := filepath.Glob(filepath.Join(f.mailDir, "*-approval.eml"))
		var tokens []string
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(string(b), "=\r\n", "") // quoted-printable's soft line breaks
			m := approvalLink.FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("%s holds no link", filepath.Base(file))
			}
			tokens = append(tokens, m[1])
		}
		if len(tokens) != 3 { // janvandenheuvel.com, .nl, and brambakker.nl's
			t.Fatalf("%d approval mails in the folder, want 3", len(tokens))
		}
		waiting := tokens[len(tokens)-1] // brambakker.nl's, not answered yet
		if _, err := f.Service.OpenLink(ctx, waiting); err != nil {
			t.Fatalf("the waiting customer's link does not work: %v", err)
		}

		if hits, err := f.Store.FindText(ctx, tokens); err != nil || len(hits) != 0 {
			t.Errorf("approval tokens in the database: %+v %v", hits, err)
		}
		mails, _ := f.Store.Mails(ctx, store.MailFilter{})
		for _, m := range mails {
			if approvalLink.MatchString(m.Text + m.HTML) {
				t.Errorf("mail %d (%s) keeps a link", m.ID, m.Kind)
			}
		}

		s, err := privacy.Gather(ctx, f.Store, person)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "k1001.zip")
		if err := privacy.WriteExport(s, path); err != nil {
			t.Fatal(err)
		}
		data, page := readExport(t, path)
		for _, tok := range tokens {
			if strings.Contains(string(data), tok) || strings.Contains(page, tok) {
				t.Errorf("the export holds a live token")
			}
		}
		if !strings.Contains(string(data), mail.LinkPlaceholder) {
			t.Error("the export lacks the customer's approval mails")
		}
	})
}
