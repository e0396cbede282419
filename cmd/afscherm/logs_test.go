package main

import (
	"context"
	"encoding/json"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/csvimport"
	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/sandbox"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
)

// TestLogsNameDomainsByIDOnly imports and scans the samples, has SIDN and
// Openprovider carry out approved requests through the server's jobs (one
// of them refused by Openprovider, with a reason that names the domain),
// and scans with every server gone, on each backend, with every log line
// captured: no line holds an imported domain name, as A-labels or
// U-labels, and the lines about a domain carry its id. What the commands
// print for staff still names the domains.
func TestLogsNameDomainsByIDOnly(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, url string) {
		ctx := context.Background()
		dir := t.TempDir()
		var logs logCapture
		cli := func(env map[string]string, args ...string) result {
			t.Helper()
			r := afscherm(t, env, "", append([]string{"--log-level", "debug", "--log-format", "json"}, args...)...)
			logs.add(r.stderr)
			return r
		}
		root := filepath.Join("..", "..", "testdata", "import")
		if r := cli(nil, "import", "--database-url", url, "--customers", filepath.Join(root, "customers.csv"),
			"--domains", filepath.Join(root, "domains.csv")); r.code != exitOK {
			t.Fatalf("import: %+v", r)
		}
		world, lookups := sandboxFlags(t, url, sandbox.Limits{})
		parties, err := world.StartRegistrars()
		if err != nil {
			t.Fatal(err)
		}
		ca, err := world.CAFile()
		if err != nil {
			t.Fatal(err)
		}
		config := filepath.Join(dir, "registrars.json")
		if err := os.WriteFile(config, parties.Config(ca), 0o600); err != nil {
			t.Fatal(err)
		}
		env := parties.Env()
		mailDir := filepath.Join(dir, "mail")
		flow := []string{"--database-url", url, "--registrars", config, "--price-table", prices, "--mail-dir", mailDir}

		if r := cli(nil, append([]string{"scan", "--database-url", url, "--all", "--rate-limit", "500"}, lookups...)...); r.code != exitOK {
			t.Fatalf("scan: %+v", r)
		}
		const nl, com, refused = "janvandenheuvel.nl", "esmeevermeulen.com", "gijsdijkstra.com"
		st := storetest.Open(t, url, nil)
		var requests []model.PrivacyRequest
		for _, d := range []string{nl, com, refused} {
			if r := cli(env, append([]string{"request", "create", "--domain", d, "--as", "anna"}, flow...)...); r.code != exitOK {
				t.Fatalf("request create %s: %+v", d, r)
			}
			rs, err := st.Requests(ctx, store.RequestFilter{Domain: d})
			if err != nil || len(rs) != 1 {
				t.Fatalf("requests for %s: %v %v", d, rs, err)
			}
			requests = append(requests, rs[0])
		}
		// Openprovider stops allowing WHOIS privacy for one of them: its
		// request fails when filed, and the reason names the domain.
		parties.Openprovider.SetPrivateWhoisAllowed(refused, false)

		srv := serveLogged(t, &logs, env, append(append([]string{"--log-level", "debug", "--log-format", "json",
			"serve", "--addr", "127.0.0.1:0", "--poll-every", "1s", "--verify-after", "0s"}, flow...), lookups...))
		for _, r := range requests {
			approveByMail(t, st, srv.url, mailDir, r.ID)
		}
		ends := map[int64]model.RequestState{requests[0].ID: model.StateVerified, requests[1].ID: model.StateVerified,
			requests[2].ID: model.StateFailed}
		for id, want := range ends {
			waitState(t, st, id, want, &process{out: srv.log})
		}
		srv.stop()

		// Every server gone: the scans fail and are recorded.
		world.Net.Close()
		failed := cli(nil, append([]string{"scan", "--database-url", url, "--customer", "K1001", "--lookup-timeout", "1s"}, lookups...)...)
		if failed.code != exitFailed {
			t.Fatalf("scan with the servers gone: %+v", failed)
		}
		staffLines := strings.Join(nonLogLines(failed.stderr), "\n")
		if !strings.Contains(staffLines, "janvandenheuvel.nl") || !strings.Contains(staffLines, "janvandenheuvel.com") {
			t.Errorf("the scan does not tell staff which domains failed:\n%s", failed.stderr)
		}

		ids := map[string]int64{}
		domains, err := st.Domains(ctx, store.DomainFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range domains {
			ids[d.Name] = d.ID
		}
		records := logs.records(t)
		checkNoDomainNames(t, records.lines, importedDomainNames(t))
		byMsg := records.byMsg()
		scanned := map[float64]bool{}
		for _, rec := range byMsg["scanned"] {
			scanned[domainID(t, rec)] = true
		}
		if len(scanned) != len(domains) {
			t.Errorf("%d domains in the scanned lines, want %d", len(scanned), len(domains))
		}
		for msg, want := range map[string][]string{"request created": {nl, com, refused}, "customer decided": {nl, com, refused},
			"request failed": {refused}, "scan failed": {"janvandenheuvel.nl", "janvandenheuvel.com"}} {
			got := map[int64]bool{}
			for _, rec := range byMsg[msg] {
				got[int64(domainID(t, rec))] = true
			}
			for _, d := range want {
				if !got[ids[d]] {
					t.Errorf("no %q line with the id of %s (%d): %v", msg, d, ids[d], byMsg[msg])
				}
			}
		}
		// The reason Openprovider gave names the domain: the log has its id there.
		for _, rec := range byMsg["request failed"] {
			if reason, _ := rec["reason"].(string); !strings.Contains(reason, "[domain ") {
				t.Errorf("the failed request's reason does not name the domain by id: %q", reason)
			}
		}
	})
}

// importedDomainNames are the names in testdata/import/domains.csv, as
// A-labels and, where they differ, as U-labels.
func importedDomainNames(t *testing.T) []string {
	t.Helper()
	rows, err := csvimport.ReadDomains(mustOpen(t, filepath.Join("..", "..", "testdata", "import", "domains.csv")), "domains.csv")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
		if u := model.DisplayDomainName(r.Name); u != r.Name {
			names = append(names, u)
		}
	}
	if len(names) < 117 {
		t.Fatalf("%d domain names", len(names))
	}
	return names
}

// checkNoDomainNames fails for each log line that holds one of the names,
// in any case.
func checkNoDomainNames(t *testing.T, lines []string, names []string) {
	t.Helper()
	bad := 0
	for _, line := range lines {
		lower := strings.ToLower(line)
		for _, n := range names {
			if strings.Contains(lower, n) {
				if bad++; bad <= 10 {
					t.Errorf("a log line holds the domain name %s: %s", n, line)
				}
				break
			}
		}
	}
	if bad > 10 {
		t.Errorf("and %d more log lines with domain names", bad-10)
	}
}

// logCapture collects what commands write on standard error.
type logCapture struct {
	mu  sync.Mutex
	out []string
}

func (c *logCapture) add(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out = append(c.out, s)
}

// logRecords are the JSON log lines captured, as written and as parsed.
type logRecords struct {
	lines   []string
	records []map[string]any
}

// records parses the log lines (--log-format json) among what was
// captured; other lines are what the commands print for staff.
func (c *logCapture) records(t *testing.T) logRecords {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out logRecords
	for _, s := range c.out {
		for _, line := range strings.Split(s, "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] == nil || rec["level"] == nil {
				continue
			}
			out.lines = append(out.lines, line)
			out.records = append(out.records, rec)
		}
	}
	if len(out.lines) < 120 { // 117 domains scanned, and more
		t.Fatalf("only %d log lines were captured: too few to judge", len(out.lines))
	}
	return out
}

func (l logRecords) byMsg() map[string][]map[string]any {
	m := map[string][]map[string]any{}
	for _, rec := range l.records {
		msg, _ := rec["msg"].(string)
		m[msg] = append(m[msg], rec)
	}
	return m
}

// nonLogLines are the lines of s that are not JSON log records.
func nonLogLines(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		var rec map[string]any
		if line != "" && json.Unmarshal([]byte(line), &rec) != nil {
			out = append(out, line)
		}
	}
	return out
}

func domainID(t *testing.T, rec map[string]any) float64 {
	t.Helper()
	id, ok := rec["domain_id"].(float64)
	if !ok || id <= 0 {
		t.Errorf("a log line about a domain without its id: %v", rec)
	}
	return id
}

// loggedServer is `afscherm serve` running in-process, its log captured.
type loggedServer struct {
	url  string
	log  *lockedBuffer
	stop func()
}

// serveLogged runs `afscherm serve` in-process with args until stop (or
// the end of the test); what it writes on standard error goes to logs
// when it stops.
func serveLogged(t *testing.T, logs *logCapture, env map[string]string, args []string) *loggedServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut lockedBuffer
	stopped := make(chan struct{})
	code := 0
	go func() {
		code = run(ctx, args, testGetenv(env), strings.NewReader(""), &out, &errOut)
		close(stopped)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-stopped
			if code != exitOK {
				t.Errorf("serve ended with %d: %s", code, errOut.String())
			}
			logs.add(errOut.String())
		})
	}
	t.Cleanup(stop)
	return &loggedServer{url: waitFor(t, &out, "listening on http://"), log: &errOut, stop: stop}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// approveByMail approves a request as its customer: the link from the
// approval mail, opened and answered over HTTP.
func approveByMail(t *testing.T, st *store.Store, base, mailDir string, id int64) {
	t.Helper()
	var file string
	for deadline := time.Now().Add(30 * time.Second); file == ""; time.Sleep(50 * time.Millisecond) {
		mails, err := st.Mails(context.Background(), store.MailFilter{RequestID: id})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mails {
			if m.Kind == model.MailApproval && !m.SentAt.IsZero() {
				file = filepath.Join(mailDir, mail.FileName(m))
			}
		}
		if file == "" && time.Now().After(deadline) {
			t.Fatalf("no approval mail sent for request %d", id)
		}
	}
	token := tokenIn(t, file)
	m := csrfField.FindStringSubmatch(httpGet(t, base+"/approve/"+token))
	if m == nil {
		t.Fatalf("no form on the approval page of request %d", id)
	}
	resp, err := http.PostForm(base+"/approve/"+token, neturl.Values{"csrf": {m[1]}, "decision": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("approve request %d: %s", id, resp.Status)
	}
}
