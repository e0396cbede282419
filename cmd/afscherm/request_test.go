package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

var prices = filepath.Join("..", "..", "testdata", "prices.csv")

// scannedDB is a database with the samples imported and scanned against
// the sandbox registries.
func scannedDB(t *testing.T, url string) (*sandbox.World, []string) {
	t.Helper()
	importedDB(t, url)
	w, flags := sandboxFlags(t, url, sandbox.Limits{})
	if r := afscherm(t, nil, "", append([]string{"scan", "--database-url", url, "--all", "--rate-limit", "500"}, flags...)...); r.code != exitOK {
		t.Fatalf("scan: %+v", r)
	}
	return w, flags
}

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func TestRequestCommands(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		scannedDB(t, url)
		mailDir := filepath.Join(t.TempDir(), "mail")
		// Every request a task for staff, as without --registrars, but with
		// the name under which SIDN shows the company's .nl domains.
		registrarsFile := filepath.Join(t.TempDir(), "registrars.json")
		if err := os.WriteFile(registrarsFile, sandbox.ManualConfig(), 0o600); err != nil {
			t.Fatal(err)
		}
		serveFlags := []string{"--price-table", prices, "--mail-dir", mailDir, "--registrars", registrarsFile}
		flow := append([]string{"--database-url", url, "--as", "anna"}, serveFlags...)

		// No price table in the database and none given: nothing is queued,
		// and the message says how to import one.
		noPrices := afscherm(t, nil, "", "request", "create", "--database-url", url, "--domain", "anoukdeboer.nl", "--registrars", registrarsFile)
		if noPrices.code != exitFailed || !strings.Contains(noPrices.stderr, "afscherm prices import") {
			t.Errorf("no price table: %+v", noPrices)
		}
		if list := afscherm(t, nil, "", "request", "list", "--database-url", url, "--json"); list.stdout != "" {
			t.Errorf("queued without a price table: %s", list.stdout)
		}
		one := afscherm(t, nil, "", append([]string{"request", "create", "--domain", "janvandenheuvel.nl", "--json"}, flow...)...)
		lines := jsonLines(t, one.stdout)
		if one.code != exitOK || len(lines) != 1 || lines[0]["state"] != "awaiting_approval" || lines[0]["domain"] != "janvandenheuvel.nl" {
			t.Fatalf("create: %+v", one)
		}
		id := strconv.Itoa(int(lines[0]["id"].(float64)))
		again := afscherm(t, nil, "", append([]string{"request", "create", "--domain", "janvandenheuvel.nl"}, flow...)...)
		if again.code != exitFailed || !strings.Contains(again.stderr, "open request") {
			t.Errorf("second create: %+v", again)
		}
		notExposed := afscherm(t, nil, "", append([]string{"request", "create", "--domain", "goudenkorenaar.nl"}, flow...)...)
		if notExposed.code != exitFailed || !strings.Contains(notExposed.stderr, "legal entity") {
			t.Errorf("not exposed: %+v", notExposed)
		}

		bulk := afscherm(t, nil, "", append([]string{"request", "create", "--all-exposed", "--json"}, flow...)...)
		all := jsonLines(t, bulk.stdout)
		skipped := 0
		for _, l := range all {
			if l["state"] == "skipped" {
				skipped++
			}
		}
		if bulk.code != exitOK || len(all) < 10 || skipped != 1 {
			t.Errorf("bulk: %d lines, %d skipped: %s", len(all), skipped, bulk.stderr)
		}
		repeat := afscherm(t, nil, "", append([]string{"request", "create", "--all-exposed", "--json"}, flow...)...)
		for _, l := range jsonLines(t, repeat.stdout) {
			if l["state"] != "skipped" {
				t.Errorf("a repeat created %v", l)
			}
		}

		list := afscherm(t, nil, "", "request", "list", "--database-url", url, "--state", "awaiting_approval", "--json")
		if got := len(jsonLines(t, list.stdout)); list.code != exitOK || got != len(all)-skipped+1 {
			t.Errorf("list: %d requests", got)
		}
		show := afscherm(t, nil, "", "request", "show", "--database-url", url, id)
		for _, want := range []string{"Request " + id, "awaiting_approval", "Quote (version v1", "request.send_for_approval", "staff:anna"} {
			if !strings.Contains(show.stdout, want) {
				t.Errorf("show lacks %q:\n%s", want, show.stdout)
			}
		}

		// The server's jobs send the mail; the customer opens the link from
		// the mail and approves, through real HTTP.
		srv := startServe(t, url, serveFlags)
		var mails []string
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if mails, _ = filepath.Glob(filepath.Join(mailDir, "*-approval.eml")); len(mails) == len(all)-skipped+1 {
				break
			}
		}
		if len(mails) != len(all)-skipped+1 {
			t.Fatalf("%d approval mails", len(mails))
		}
		token := tokenIn(t, mails[0])
		page := httpGet(t, srv+"/approve/"+token)
		csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
		if csrf == nil {
			t.Fatalf("no form in:\n%s", page)
		}
		resp, err := http.PostForm(srv+"/approve/"+token, neturl.Values{"csrf": {csrf[1]}, "decision": {"approve"}})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("approve: %v %v", resp, err)
		}
		resp.Body.Close()

		// The mails hold the links; the database holds none of them, only
		// their hashes (the outbox keeps a placeholder).
		var sent []string
		for _, m := range mails {
			sent = append(sent, tokenIn(t, m))
		}
		if hits, err := storetest.Open(t, url, nil).FindText(context.Background(), sent); err != nil || len(hits) != 0 {
			t.Errorf("approval tokens in the database: %+v %v", hits, err)
		}

		consent := afscherm(t, nil, "", "consent", "show", "--database-url", url, id, "--json")
		records := jsonLines(t, consent.stdout)
		if consent.code != exitOK || len(records) != 1 || records[0]["decision"] != "approved" || records[0]["quote_sha256"] == "" {
			t.Errorf("consent: %+v", consent)
		}
		// The server's jobs may have filed the approved request already (a
		// task for staff): then it cannot be cancelled any more.
		refused := afscherm(t, nil, "", "request", "cancel", "--database-url", url, id, "--reason", "asked to")
		if refused.code == exitFailed && !strings.Contains(refused.stderr, "cannot be cancelled") {
			t.Errorf("cancel an approved request: %+v", refused)
		}
		var waiting string
		for _, l := range all {
			if l["state"] == "awaiting_approval" {
				waiting = strconv.Itoa(int(l["id"].(float64)))
				break
			}
		}
		if cancel := afscherm(t, nil, "", "request", "cancel", "--database-url", url, waiting, "--reason", "asked to"); cancel.code != exitOK {
			t.Errorf("cancel a waiting request: %+v", cancel)
		}
		noReason := afscherm(t, nil, "", "request", "cancel", "--database-url", url, id)
		if noReason.code != exitUsage {
			t.Errorf("cancel without a reason: %+v", noReason)
		}

		export := afscherm(t, nil, "", "charges", "export", "--database-url", url, "--from", "2026-01-01", "--to", "2026-12-31")
		rows, err := csv.NewReader(strings.NewReader(export.stdout)).ReadAll()
		if err != nil || export.code != exitOK || len(rows) != 1 || strings.Join(rows[0][:6], ",") != "customer_number,domain,description,net,vat,gross" {
			t.Errorf("export: %v %+v", err, export)
		}
		if bad := afscherm(t, nil, "", "charges", "export", "--database-url", url, "--from", "2026-12-31", "--to", "2026-01-01"); bad.code != exitUsage {
			t.Errorf("backwards: %+v", bad)
		}
	})
}

func tokenIn(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The text part is quoted-printable; the link has no characters it escapes.
	m := regexp.MustCompile(`/approve/([A-Za-z0-9_-]{43})`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no link in %s", path)
	}
	return string(m[1])
}

func TestStaffTokensAndTasks(t *testing.T) {
	url := filepath.Join(t.TempDir(), "a.db")
	scannedDB(t, url)
	if r := afscherm(t, map[string]string{"AFSCHERM_STAFF_PASSWORD": "a long enough password"}, "", "staff", "add", "--database-url", url, "--name", "anna"); r.code != exitOK {
		t.Fatalf("staff add: %+v", r)
	}
	created := afscherm(t, nil, "", "staff", "token", "create", "--database-url", url, "--name", "anna")
	token := strings.TrimSpace(created.stdout)
	if created.code != exitOK || !strings.HasPrefix(token, "afs_") {
		t.Fatalf("create: %+v", created)
	}
	list := afscherm(t, nil, "", "staff", "token", "list", "--database-url", url)
	if !strings.Contains(list.stdout, "anna") || strings.Contains(list.stdout, token) {
		t.Errorf("list shows %q", list.stdout)
	}
	if bad := afscherm(t, nil, "", "staff", "token", "create", "--database-url", url, "--name", "Anna Smit"); bad.code != exitUsage {
		t.Errorf("bad name: %+v", bad)
	}
	if r := afscherm(t, nil, "", "staff", "token", "revoke", "--database-url", url, "1"); r.code != exitOK {
		t.Errorf("revoke: %+v", r)
	}
	if r := afscherm(t, nil, "", "staff", "token", "revoke", "--database-url", url, "1"); r.code != exitFailed {
		t.Errorf("revoke twice: %+v", r)
	}
	if r := afscherm(t, nil, "", "task", "list", "--database-url", url); r.code != exitOK || !strings.Contains(r.stdout, "no open tasks") {
		t.Errorf("tasks: %+v", r)
	}
	if r := afscherm(t, nil, "", "task", "done", "--database-url", url, "99", "--note", "x"); r.code != exitFailed || !strings.Contains(r.stderr, "not found") {
		t.Errorf("unknown task: %+v", r)
	}
}
