package main

import (
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
)

// The stand-ins for --company and --mail-from, with --allow-local-links only.
const (
	localCompany  = "afscherm"
	localMailFrom = "afscherm <noreply@localhost>"
)

// customerSafe refuses, as a usage error, what customers would see but
// cannot use: mail whose approval link points at this machine (the customer
// cannot approve, and nobody notices), a sender on a domain nobody receives
// answers at, and no company name to sign with. --allow-local-links lets a
// trial on one machine (the tests, a first look) run without them; it then
// fills in stand-ins.
func (f *flowFlags) customerSafe() error {
	if f.AllowLocal {
		if strings.TrimSpace(f.Company) == "" {
			f.Company = localCompany
		}
		if strings.TrimSpace(f.MailFrom) == "" {
			f.MailFrom = localMailFrom
		}
		return nil
	}
	if err := f.linkSafe(); err != nil {
		return err
	}
	return f.senderSafe()
}

// localTrial ends the refusals of customerSafe.
const localTrial = "; for a trial on this machine only, add --allow-local-links"

// linkSafe refuses a --public-url that customers cannot reach.
func (f *flowFlags) linkSafe() error {
	const local = localTrial
	if strings.TrimSpace(f.PublicURL) == "" {
		return usagef("customers' mail links to the approval pages: give --public-url https://… (or AFSCHERM_PUBLIC_URL), where customers reach 'afscherm serve'" + local)
	}
	u, err := url.Parse(f.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return usagef("--public-url %q is not an http(s) URL: give --public-url https://… (or AFSCHERM_PUBLIC_URL), where customers reach 'afscherm serve'", f.PublicURL)
	}
	if localHost(u.Hostname()) {
		return usagef("--public-url %s is this machine's own (loopback) address, which customers cannot reach: give --public-url https://… (or AFSCHERM_PUBLIC_URL), where customers reach 'afscherm serve'"+local, f.PublicURL)
	}
	return nil
}

// senderSafe refuses mail without a company to sign it or a sender
// customers can answer.
func (f *flowFlags) senderSafe() error {
	if err := f.companySafe(); err != nil {
		return err
	}
	return f.mailFromSafe()
}

// companySafe refuses mail and pages without a company to sign them.
func (f *flowFlags) companySafe() error {
	if strings.TrimSpace(f.Company) == "" {
		return usagef("customers' mail and pages are signed with the company's name: give --company NAME (or AFSCHERM_COMPANY)" + localTrial)
	}
	return nil
}

// mailFromSafe refuses a sender customers cannot answer.
func (f *flowFlags) mailFromSafe() error {
	const local = localTrial
	if strings.TrimSpace(f.MailFrom) == "" {
		return usagef("customers' mail needs a sender they can answer: give --mail-from \"Company <privacy@company.nl>\" (or AFSCHERM_MAIL_FROM)" + local)
	}
	if a, err := mail.ParseAddress(f.MailFrom); err == nil {
		if _, domain, _ := strings.Cut(a.Address, "@"); placeholderDomain(domain) {
			return usagef("--mail-from %q is on %s, where no mail arrives: give --mail-from \"Company <privacy@company.nl>\" (or AFSCHERM_MAIL_FROM)"+local, f.MailFrom, domain)
		}
	} // one that does not parse is refused by build
	return nil
}

// localHost tells a host name or address that only this machine can reach:
// localhost, a loopback address (127.0.0.0/8, ::1), or an unspecified one
// (0.0.0.0, ::: a listening address, not one to connect to).
func localHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if a, err := netip.ParseAddr(h); err == nil {
		a = a.Unmap()
		return a.IsLoopback() || a.IsUnspecified()
	}
	return false
}

// placeholderDomain tells a mail domain that cannot receive mail: this
// machine, a domain reserved for examples and tests (RFC 2606, 6761), or
// an address literal.
func placeholderDomain(domain string) bool {
	d := strings.TrimSuffix(strings.ToLower(domain), ".")
	if d == "" || strings.HasPrefix(d, "[") || localHost(d) {
		return true
	}
	if !strings.Contains(d, ".") { // a bare host name: localhost, a machine's name
		return true
	}
	for _, reserved := range []string{"example.com", "example.net", "example.org", "example", "test", "invalid", "localhost", "local"} {
		if d == reserved || strings.HasSuffix(d, "."+reserved) {
			return true
		}
	}
	return false
}
