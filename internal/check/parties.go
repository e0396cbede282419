package check

import (
	"context"
	"errors"
	"fmt"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/registrars"
)

// Adapters reports the registrar configuration file and each adapter in
// it: that it loads, with its credentials present. fileErr is the file's
// own error (unreadable, not JSON…); path is "" without a file, when every
// request is a task for staff.
func Adapters(path string, checked []adapters.Checked, fileErr error) []Result {
	const fix = "correct the --registrars file (see the README, 'Registrar adapters'), and set the environment variables and files it names"
	if path == "" {
		return []Result{Pass("registrars", "no --registrars file: every request is a task for staff")}
	}
	var out []Result
	for _, c := range checked {
		item := "adapter " + c.Name
		if c.Err != nil {
			out = append(out, Failure(item, c.Err.Error(), fix))
			continue
		}
		detail := "configuration loads"
		if _, ok := c.Adapter.(registrars.Prober); ok {
			detail += ", credentials present (tried with --online)"
		}
		out = append(out, Pass(item, detail))
	}
	if fileErr != nil {
		out = append(out, Failure("registrars", fileErr.Error(), fix))
	} else if len(out) > 0 && !Failed(out) {
		out = append([]Result{Pass("registrars", fmt.Sprintf("%s: %d adapters", path, len(checked)))}, out...)
	}
	return out
}

// Probe logs in to an adapter's party and out again (--online).
func Probe(ctx context.Context, name string, p registrars.Prober) Result {
	item := "party " + name
	if err := p.Probe(ctx); err != nil {
		fix := "check the party's address, certificate and credentials in the --registrars file, and that this host may connect"
		var e *registrars.Error
		if errors.As(err, &e) && e.Kind == registrars.KindConfig {
			fix = "check the credentials the --registrars file names for " + name + " (its password_env or password_file)"
		}
		if errors.Is(err, context.DeadlineExceeded) {
			fix = "the party did not answer in time: check its address, and that this host may connect (firewall, allow-list)"
		}
		return Failure(item, err.Error(), fix)
	}
	return Pass(item, "connected, logged in and out")
}

// SMTP tries the mail server: connect, TLS, authenticate, quit, sending
// nothing (--online).
func SMTP(ctx context.Context, server string, try func(ctx context.Context) error) Result {
	const item = "smtp"
	if err := try(ctx); err != nil {
		return Failure(item, err.Error(), "check --smtp-url (its server must offer STARTTLS, or use smtps://) and AFSCHERM_SMTP_PASSWORD")
	}
	return Pass(item, server+": TLS and login accepted, nothing sent")
}
