package main

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestRequestCreateReviewed: an undetermined domain is refused without
// --reviewed, with what to do; --reviewed goes with --domain only and
// needs a reason; with it the request is made and the reason audited; a
// customer's and all exposed domains leave the undetermined one out. The
// verdicts are stored here, not found by the classifier.
func TestRequestCreateReviewed(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		importedDB(t, url)
		ctx := context.Background()
		const undetermined, exposed = "janvandenheuvel.nl", "janvandenheuvel.com" // both K1001's
		st := storetest.Open(t, url, nil)
		for name, v := range map[string]model.Verdict{undetermined: model.VerdictUndetermined, exposed: model.VerdictExposed,
			"goudenkorenaar.nl": model.VerdictOrganisation} {
			r := model.ScanResult{Domain: name, Source: model.SourceWHOIS, Server: "whois.example", Status: model.ScanOK,
				Raw: []byte("Holder: Jan van den Heuvel\n"), Classification: model.Classification{Domain: name, Verdict: v,
					Fields: map[model.Field]model.FieldValue{model.FieldName: {State: model.FieldVisible, Value: "Jan van den Heuvel"}}}}
			if err := st.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.RecordScan(ctx, &r)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		flow := []string{"--database-url", url, "--as", "anna", "--price-table", prices, "--mail-dir", filepath.Join(t.TempDir(), "mail")}
		create := func(args ...string) result {
			t.Helper()
			return afscherm(t, nil, "", append(append([]string{"request", "create"}, args...), flow...)...)
		}

		refused := create("--domain", undetermined)
		if refused.code != exitFailed || !strings.Contains(refused.stderr, "look at the response") || !strings.Contains(refused.stderr, "--reviewed") {
			t.Errorf("without --reviewed: %+v", refused)
		}
		for _, args := range [][]string{
			{"--domain", undetermined, "--reviewed", ""},
			{"--domain", undetermined, "--reviewed", "   "},
			{"--all-exposed", "--reviewed", "looked at it"},
			{"--customer", "K1001", "--reviewed", "looked at it"},
		} {
			if r := create(args...); r.code != exitUsage {
				t.Errorf("%v: %+v", args, r)
			}
		}

		// A customer's exposed domains and all exposed ones: the
		// undetermined domain is not among them, created or skipped.
		for _, sel := range [][]string{{"--customer", "K1001"}, {"--all-exposed"}} {
			r := create(append(sel, "--json", "--draft")...)
			lines := jsonLines(t, r.stdout)
			if r.code != exitOK || len(lines) != 1 || lines[0]["domain"] != exposed {
				t.Errorf("%v: %+v", sel, r)
			}
		}

		// For another verdict --reviewed changes nothing.
		if r := create("--domain", "goudenkorenaar.nl", "--reviewed", "looked at it"); r.code != exitFailed ||
			!strings.Contains(r.stderr, "legal entity") {
			t.Errorf("an organisation with --reviewed: %+v", r)
		}

		const why = "the Holder block shows the customer's own name"
		made := create("--domain", undetermined, "--reviewed", why, "--json")
		lines := jsonLines(t, made.stdout)
		if made.code != exitOK || len(lines) != 1 || lines[0]["state"] != "awaiting_approval" {
			t.Fatalf("with --reviewed: %+v", made)
		}
		id := strconv.Itoa(int(lines[0]["id"].(float64)))
		show := afscherm(t, nil, "", "request", "show", "--database-url", url, id)
		if !strings.Contains(show.stdout, "request.created") || !strings.Contains(show.stdout, "staff:anna") ||
			!strings.Contains(show.stdout, "reviewed: "+why) {
			t.Errorf("show:\n%s", show.stdout)
		}
		events, _ := st.AuditEvents(ctx, store.AuditFilter{SubjectKind: "request", SubjectID: id, Action: "request.created"})
		if len(events) != 1 || events[0].Actor != (model.Actor{Kind: model.ActorStaff, ID: "anna"}) || !strings.Contains(events[0].Reason, why) {
			t.Errorf("creation audited as %+v", events)
		}

		help := afscherm(t, nil, "", "request", "create", "--help")
		if text := strings.Join(strings.Fields(help.stdout), " "); !strings.Contains(text, "--reviewed=REASON") ||
			!strings.Contains(text, "For any other verdict it changes nothing") {
			t.Errorf("help:\n%s", help.stdout)
		}
	})
}
