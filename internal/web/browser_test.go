package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests/requeststest"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/internal/web"
)

// Environment for the browser test: .ci/run requires it and keeps its
// screenshots.
const (
	requireBrowserEnv = "AFSCHERM_TEST_REQUIRE_BROWSER"
	artefactsEnv      = "AFSCHERM_TEST_ARTEFACTS"
)

// chromium starts headless Chromium, or skips (fails where required) when
// the machine has none.
func chromium(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv(requireBrowserEnv) != "" {
			t.Fatal("no Chromium on this machine; .ci/run installs Debian's chromium package")
		}
		t.Skip("browser test skipped: no Chromium (apt-get install chromium); .ci/run requires it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Headless, chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// screenshot keeps a full-page PNG of the current page in the artefacts
// folder (AFSCHERM_TEST_ARTEFACTS, else the test's temporary folder).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(artefactsEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserQueueApproveAndSeeConsent does, in headless Chromium, what
// staff and a customer do: sign in, look at the overview, find an exposed
// domain, queue a request for it, open the approval link from the mail,
// approve, and see the request's new state and consent record.
func TestBrowserQueueApproveAndSeeConsent(t *testing.T) {
	ctx := chromium(t)
	s := newSiteWith(t, storetest.NewURL(t, "sqlite"), func(e *requeststest.Env, d *web.Deps) {
		jobs, err := e.Store.NewJobClient(&river.Config{})
		if err != nil {
			t.Fatal(err)
		}
		d.Jobs = jobs
		if d.RiverUI, err = web.NewRiverUI(ctx, jobs, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
	})
	s.addStaff(t, "anna")
	exposed := s.Exposed(t, "com", "openprovider")
	base := s.srv.URL
	var text string

	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/staff/"),
		chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "anna"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`form.signin button`)),
		chromedp.WaitVisible(chromedp.CSS(`svg.chart`)),
	)
	if err == nil {
		text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	}
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if !strings.Contains(text, "Domains by verdict") || !strings.Contains(text, "exposed") {
		t.Fatalf("overview:\n%s", text)
	}
	screenshot(t, ctx, "console-overview")

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/staff/domains?verdict=exposed"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=domain]`)),
	)
	if err != nil {
		t.Fatalf("exposed domains: %v", err)
	}
	screenshot(t, ctx, "console-domains")
	domain := exposed[0]
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=domain][value=%q]`, domain))),
		chromedp.Click(chromedp.CSS(`button[name=queue]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr.ok`)),
	)
	if err == nil {
		text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	}
	if err != nil {
		t.Fatalf("queue: %v", err)
	}
	if !strings.Contains(text, "queued") {
		t.Fatalf("after queueing:\n%s", text)
	}
	rs, err := s.Store.Requests(context.Background(), store.RequestFilter{Domain: domain})
	if err != nil || len(rs) != 1 || rs[0].State != model.StateAwaitingApproval {
		t.Fatalf("requests for %s: %+v %v", domain, rs, err)
	}
	id := rs[0].ID

	// The customer opens the link from the mail in the outbox and approves.
	token := s.Link(t, id, model.MailApproval)
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/approve/"+token),
		chromedp.WaitVisible(chromedp.CSS(`button.approve`)),
	)
	if err != nil {
		t.Fatalf("approval page: %v", err)
	}
	screenshot(t, ctx, "approval-page")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button.approve`)),
		chromedp.WaitNotPresent(chromedp.CSS(`button.approve`)),
		chromedp.Navigate(fmt.Sprintf("%s/staff/requests/%d", base, id)),
		chromedp.WaitVisible(chromedp.CSS(`dl.facts`)),
	)
	if err == nil {
		text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	}
	if err != nil {
		t.Fatalf("approve and look: %v", err)
	}
	screenshot(t, ctx, "console-request")
	if !strings.Contains(text, "approved") || !strings.Contains(text, "web link") || !strings.Contains(text, "request.approve") {
		t.Errorf("the request page does not show the approval and its consent record:\n%s", text)
	}
	if got := s.state(t, id); got != model.StateApproved {
		t.Errorf("request %d is %s", id, got)
	}

	// The jobs page, and River's own UI under it, for signed-in staff.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/staff/jobs"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/staff/jobs/river/"]`)),
	)
	if err == nil {
		text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	}
	if err != nil || !strings.Contains(text, "send_mail") {
		t.Fatalf("jobs page: %v\n%s", err, text)
	}
	screenshot(t, ctx, "console-jobs")
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/staff/jobs/river/jobs?state=available"),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/staff/jobs/river/jobs/"]`)),
	)
	if err == nil {
		text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	}
	if err != nil || !strings.Contains(text, "submit_request") {
		t.Fatalf("River UI: %v\n%s", err, text)
	}
	screenshot(t, ctx, "river-ui")
	if err != nil {
		t.Fatalf("River UI: %v", err)
	}
	screenshot(t, ctx, "river-ui")
}
