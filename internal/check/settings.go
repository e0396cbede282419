package check

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Settings reports the flags' own validations — those serve makes before
// it starts — one failure each; fix says how, for all of them.
func Settings(problems []error) []Result {
	if len(problems) == 0 {
		return []Result{Pass("settings", "mail, staff addresses, durations, schedule and keys are valid")}
	}
	var out []Result
	for _, p := range problems {
		out = append(out, Failure("settings", p.Error(), "correct the flag (or its AFSCHERM_* variable) named; 'afscherm serve --help' explains each"))
	}
	return out
}

// PublicURL is what the public URL item needs.
type PublicURL struct {
	URL string
	// AllowLocal is --allow-local-links: plain http and a loopback
	// address are then warnings, not failures.
	AllowLocal bool
	// Local tells a host name only this machine reaches (customerSafe's rule).
	Local func(host string) bool
	// Client fetches /healthz; its transport's TLS settings decide what is
	// trusted.
	Client *http.Client
}

const publicURLFix = "give --public-url https://… (AFSCHERM_PUBLIC_URL): where customers reach 'afscherm serve', through its TLS proxy"

// Check reports the public URL that customers' mail links to: set, https,
// not this machine's own address, and answering GET /healthz with 200 from
// here.
func (p PublicURL) Check(ctx context.Context) Result {
	const item = "public URL"
	if strings.TrimSpace(p.URL) == "" {
		if p.AllowLocal {
			return Warning(item, "not set: mail links to this machine (--allow-local-links)", publicURLFix)
		}
		return Failure(item, "not set", publicURLFix)
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return Failure(item, fmt.Sprintf("%q is not an http(s) URL", p.URL), publicURLFix)
	}
	var warnings []string
	if u.Scheme != "https" {
		if !p.AllowLocal {
			return Failure(item, p.URL+" is not https: customers' approvals would travel unencrypted", publicURLFix)
		}
		warnings = append(warnings, "not https (--allow-local-links)")
	}
	if p.Local != nil && p.Local(u.Hostname()) {
		if !p.AllowLocal {
			return Failure(item, p.URL+" is this machine's own (loopback) address, which customers cannot reach", publicURLFix)
		}
		warnings = append(warnings, "this machine's own address (--allow-local-links)")
	}
	health := strings.TrimRight(u.String(), "/") + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, health, http.NoBody)
	if err != nil {
		return Failure(item, err.Error(), publicURLFix)
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return Failure(item, fmt.Sprintf("GET %s: %v", health, unwrapURL(err)),
			"start 'afscherm serve' and make --public-url reach it from here (DNS, proxy, firewall, a certificate that names the host)")
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Failure(item, fmt.Sprintf("GET %s answered %s", health, resp.Status),
			"make --public-url lead to 'afscherm serve' (the proxy's route), and see /healthz's answer")
	}
	if len(warnings) > 0 {
		return Warning(item, fmt.Sprintf("%s answers /healthz, but is %s", p.URL, strings.Join(warnings, " and ")), publicURLFix)
	}
	return Pass(item, p.URL+" answers /healthz")
}

// unwrapURL drops url.Error's repeat of the method and URL.
func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
