package web_test

import (
	"context"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestOverviewCoverage: with the clock moved three days past the sample
// data's scans and one domain scanned since, the overview's coverage card
// gives one domain scanned in the last 24 hours, all within 7 and 30
// days, none never scanned but a domain added since, and the oldest scan
// (the sample scans', in Amsterdam time) overall and per TLD.
func TestOverviewCoverage(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSite(t, dburl)
		s.addStaff(t, "anna")
		ctx := context.Background()
		sampled := s.Clock.Now() // the sample domains were scanned at this time
		domains, err := s.Store.Domains(ctx, store.DomainFilter{})
		if err != nil || len(domains) < 2 {
			t.Fatalf("sample domains: %d, %v", len(domains), err)
		}
		tlds := map[string]int{}
		for _, d := range domains {
			tlds[d.Name[strings.LastIndex(d.Name, ".")+1:]]++
		}
		s.Clock.Add(3 * 24 * time.Hour)
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			r := model.ScanResult{Domain: domains[0].Name, Source: model.SourceRDAP, Server: "rdap.example", Status: model.ScanOK,
				Classification: model.Classification{Domain: domains[0].Name, Verdict: model.VerdictRedacted}}
			if _, err := tx.RecordScan(ctx, &r); err != nil {
				return err
			}
			return tx.InsertDomain(ctx, &model.Domain{Name: "nieuw-erbij.nl", CustomerID: domains[0].CustomerID,
				Registrar: "sidn", AddedOn: model.NewDate(2026, 11, 28)})
		})
		if err != nil {
			t.Fatal(err)
		}
		tlds["nl"]++

		b := s.browser(t)
		b.signIn("anna", password)
		_, page := b.do("GET", "/staff/", nil)
		i := strings.Index(page, `id="coverage"`)
		if i < 0 {
			t.Fatalf("overview without coverage:\n%s", page)
		}
		card := html.UnescapeString(page[i : i+strings.Index(page[i:], "</div>")])
		oldest := sampled.In(time.FixedZone("CET", 3600)).Format("2006-01-02 15:04")
		for _, want := range []string{
			fmt.Sprintf("%d active domains", len(domains)+1),
			"<td>scanned in the last 24 hours</td><td class=\"num\">1</td>",
			fmt.Sprintf("<td>scanned in the last 7 days</td><td class=\"num\">%d</td>", len(domains)),
			fmt.Sprintf("<td>scanned in the last 30 days</td><td class=\"num\">%d</td>", len(domains)),
			"<td>never scanned</td><td class=\"num\">1</td>",
			"<td>oldest scan</td><td class=\"num\">" + oldest + "</td><td class=\"note\">3 days ago</td>",
			fmt.Sprintf("<td>.nl</td><td class=\"num\">%s</td><td class=\"note\">3 days ago, 1 of %d never scanned</td>", oldest, tlds["nl"]),
		} {
			if !strings.Contains(card, want) {
				t.Errorf("coverage lacks %q:\n%s", want, card)
			}
		}
		for tld := range tlds {
			if !strings.Contains(card, "<td>."+tld+"</td>") {
				t.Errorf("coverage lacks .%s:\n%s", tld, card)
			}
		}
	})
}

// TestOverviewPlan: the coverage card shows the latest nightly plan per
// server, with the warning for a server whose round exceeds --scan-every;
// no plan table before the first plan.
func TestOverviewPlan(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dburl string) {
		s := newSite(t, dburl)
		s.addStaff(t, "anna")
		ctx := context.Background()
		b := s.browser(t)
		b.signIn("anna", password)
		if _, page := b.do("GET", "/staff/", nil); strings.Contains(page, `id="plan"`) {
			t.Fatalf("a plan table before any plan")
		}
		start := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
		plan := store.PlanRecord{PlannedAt: start, WindowStart: start, WindowEnd: start.Add(5 * time.Hour), ScanEvery: 7 * 24 * time.Hour,
			Servers: []store.ServerPlan{
				{Server: "rdap.sidn.nl", Rate: 1, Budget: 16200, NightBudget: 16200, Domains: 30000, Round: store.RoundEstimate{Nights: 2}},
				{Server: "whois.eu", Rate: 0.1, Budget: 1620, NightBudget: 1620, Domains: 20000, Round: store.RoundEstimate{Nights: 13}},
			}}
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error { return tx.SaveScanPlan(ctx, plan) }); err != nil {
			t.Fatal(err)
		}
		_, page := b.do("GET", "/staff/", nil)
		i := strings.Index(page, `id="plan"`)
		if i < 0 {
			t.Fatalf("overview without the plan:\n%s", page)
		}
		table := html.UnescapeString(page[i : i+strings.Index(page[i:], "</table>")])
		for _, want := range []string{
			"Nightly plan of 2026-12-01 02:00 to 07:00",
			`<td>rdap.sidn.nl</td><td class="num">30000</td><td class="num">16200</td><td class="num">2 nights</td>`,
			`<td>whois.eu</td><td class="num">20000</td><td class="num">1620</td><td class="num">13 nights</td>`,
			"whois.eu cannot scan every domain every 7 days: a full round of its 20000 domains takes 13 nights",
		} {
			if !strings.Contains(table, want) {
				t.Errorf("plan lacks %q:\n%s", want, table)
			}
		}
		if strings.Contains(table, "rdap.sidn.nl cannot") {
			t.Errorf("a warning for a server that keeps up:\n%s", table)
		}
	})
}
