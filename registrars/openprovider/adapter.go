package openprovider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/afscherm/afscherm/registrars"
)

// Name is the adapter's name in configuration and the registrar of record
// it serves.
const Name = "openprovider"

// AdapterConfig is what an Adapter needs.
type AdapterConfig struct {
	Client *Client
	// TLDs are the TLDs it serves ("com", "net"); their domains must also
	// have Openprovider as registrar of record.
	TLDs []string
	// Cost is what Openprovider charges a year for WHOIS privacy
	// protection on a domain, in euro cents without VAT. Openprovider's
	// API has no price call for it, so it comes from Openprovider's price
	// list as configured (afscherm's price table).
	Cost func(ctx context.Context, d registrars.Domain) (int64, error)
}

// Adapter switches on Openprovider's WHOIS privacy protection.
type Adapter struct {
	client *Client
	tlds   map[string]bool
	cost   func(ctx context.Context, d registrars.Domain) (int64, error)
}

// NewAdapter returns an adapter over a client.
func NewAdapter(cfg AdapterConfig) (*Adapter, error) {
	if cfg.Client == nil {
		return nil, registrars.Errorf(Party, registrars.KindConfig, "", "no Openprovider client configured")
	}
	a := &Adapter{client: cfg.Client, tlds: map[string]bool{}, cost: cfg.Cost}
	for _, t := range cfg.TLDs {
		t = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(t), "."))
		if t == "" {
			continue
		}
		a.tlds[t] = true
	}
	if len(a.tlds) == 0 {
		return nil, registrars.Errorf(Party, registrars.KindConfig, "", "no TLDs configured for Openprovider")
	}
	return a, nil
}

// Probe logs in: Openprovider's API has no session to end, so a token is
// all there is to try.
func (a *Adapter) Probe(ctx context.Context) error { return a.client.Login(ctx) }

// Name is "openprovider".
func (a *Adapter) Name() string { return Name }

// Serves the configured TLDs of domains registered through Openprovider,
// except where the registry forbids privacy services.
func (a *Adapter) Serves(d registrars.Domain) registrars.Support {
	if d.Registrar != Name {
		return registrars.Support{Reason: fmt.Sprintf("the registrar of record is %s, not Openprovider", d.Registrar)}
	}
	tld := strings.ToLower(d.TLD())
	if reason, forbidden := registrars.PrivacyForbidden(tld); forbidden {
		return registrars.Support{Reason: "not possible: " + reason}
	}
	if !a.tlds[tld] {
		return registrars.Support{Reason: fmt.Sprintf(".%s is not among the TLDs set up for Openprovider", tld)}
	}
	return registrars.Support{OK: true, Reason: "Openprovider's WHOIS privacy protection, switched on through its API; billed yearly"}
}

// Price is the configured yearly cost of WHOIS privacy protection.
func (a *Adapter) Price(ctx context.Context, d registrars.Domain) (int64, error) {
	if s := a.Serves(d); !s.OK {
		return 0, registrars.Errorf(Party, registrars.KindRejected, "", "%s", s.Reason)
	}
	if a.cost == nil {
		return 0, registrars.Errorf(Party, registrars.KindConfig, "", "no price configured for Openprovider's WHOIS privacy protection on .%s", d.TLD())
	}
	c, err := a.cost(ctx, d)
	if err != nil {
		return 0, &registrars.Error{Kind: registrars.KindConfig, Party: Party, Message: fmt.Sprintf("price for .%s: %v", d.TLD(), err), Err: err}
	}
	if c < 0 {
		return 0, registrars.Errorf(Party, registrars.KindConfig, "", "the configured price for .%s is negative", d.TLD())
	}
	return c, nil
}

// Plan says what changes, in Dutch or English.
func (a *Adapter) Plan(r registrars.Request) []string {
	d := r.Domain
	if r.Language == "en" {
		return []string{
			fmt.Sprintf("Openprovider, the registrar of %s, switches on its WHOIS privacy protection for the domain.", d.Name),
			"The public WHOIS and RDAP then show the details of Openprovider's privacy service instead of your name, address, phone number and e-mail address.",
			"You remain the holder of the domain, and mail to the privacy service's address is forwarded to you. The service is renewed yearly with the domain.",
		}
	}
	return []string{
		fmt.Sprintf("Openprovider, de registrar van %s, zet zijn WHOIS-privacybescherming voor het domein aan.", d.Name),
		"De openbare WHOIS en RDAP tonen daarna de gegevens van de privacydienst van Openprovider in plaats van uw naam, adres, telefoonnummer en e-mailadres.",
		"U blijft houder van het domein, en post aan het adres van de privacydienst wordt naar u doorgestuurd. De dienst wordt jaarlijks met het domein verlengd.",
	}
}

// Submit switches privacy on unless it is on already; a repeat after a
// crash finds it on and changes nothing. A refusal by Openprovider comes
// back as a Rejected status together with a KindRejected error.
func (a *Adapter) Submit(ctx context.Context, r registrars.Request) (registrars.Status, error) {
	if s := a.Serves(r.Domain); !s.OK {
		return registrars.Status{State: registrars.Rejected, Detail: s.Reason},
			registrars.Errorf(Party, registrars.KindRejected, "", "%s", s.Reason)
	}
	d, err := a.domainFor(ctx, r.Domain, "", true)
	if err != nil {
		return rejectedStatus("", err), fmt.Errorf("submit request %d for %s: %w", r.ID, r.Domain.Name, err)
	}
	ref := strconv.FormatInt(d.ID, 10)
	if d.PrivateWhoisEnabled {
		return registrars.Status{State: registrars.Completed, Reference: ref, Detail: "WHOIS privacy protection was already on at Openprovider; nothing changed" + paidUntil(d)}, nil
	}
	if d.PrivateWhoisAllowed != nil && !*d.PrivateWhoisAllowed {
		err := registrars.Errorf(Party, registrars.KindRejected, "", "Openprovider does not allow WHOIS privacy protection for %s", r.Domain.Name)
		return registrars.Status{State: registrars.Rejected, Reference: ref, Detail: err.Message}, err
	}
	if err := a.client.SetPrivateWhois(ctx, d.ID, true); err != nil {
		return rejectedStatus(ref, err), fmt.Errorf("submit request %d for %s: %w", r.ID, r.Domain.Name, err)
	}
	after, err := a.client.GetDomain(ctx, d.ID, true)
	if err != nil {
		// Switched on, not yet read back: the status poll will read it.
		return registrars.Status{State: registrars.Pending, Reference: ref, Detail: "Openprovider accepted the change; reading it back failed and is left to the next status check"}, nil
	}
	return stateOf(ref, after, "WHOIS privacy protection switched on at Openprovider"), nil
}

// Status reads whether privacy is on, and until when it is paid.
func (a *Adapter) Status(ctx context.Context, r registrars.Request, reference string) (registrars.Status, error) {
	d, err := a.domainFor(ctx, r.Domain, reference, true)
	if err != nil {
		return registrars.Status{}, fmt.Errorf("status of request %d for %s: %w", r.ID, r.Domain.Name, err)
	}
	return stateOf(strconv.FormatInt(d.ID, 10), d, "WHOIS privacy protection is on at Openprovider"), nil
}

// Cancel withdraws a request that is still pending by switching privacy
// off again; once privacy is on the request is done and Cancel is
// KindRejected.
func (a *Adapter) Cancel(ctx context.Context, r registrars.Request, reference string) error {
	d, err := a.domainFor(ctx, r.Domain, reference, false)
	if err != nil {
		return fmt.Errorf("cancel request %d for %s: %w", r.ID, r.Domain.Name, err)
	}
	if d.PrivateWhoisEnabled {
		return registrars.Errorf(Party, registrars.KindRejected, "", "WHOIS privacy protection is already on for %s; the request is complete and cannot be withdrawn", r.Domain.Name)
	}
	// Not on yet: make sure a change Openprovider still has to carry out
	// does not happen.
	if err := a.client.SetPrivateWhois(ctx, d.ID, false); err != nil {
		return fmt.Errorf("cancel request %d for %s: %w", r.ID, r.Domain.Name, err)
	}
	return nil
}

// domainFor reads the domain, by the reference (Openprovider's id) when
// there is one, else by its exact full name; either way it must be the
// request's domain. withPrivacyData asks for the privacy service's own data
// too, for the status detail ("until …").
func (a *Adapter) domainFor(ctx context.Context, dom registrars.Domain, reference string, withPrivacyData bool) (Domain, error) {
	id, err := strconv.ParseInt(reference, 10, 64)
	if reference == "" || err != nil || id <= 0 {
		found, err := a.client.FindDomain(ctx, dom.Name)
		if err != nil {
			return Domain{}, err
		}
		id = found.ID
	}
	d, err := a.client.GetDomain(ctx, id, withPrivacyData)
	if err != nil {
		return Domain{}, err
	}
	if !strings.EqualFold(d.FullName(), dom.Name) {
		return Domain{}, registrars.Errorf(Party, registrars.KindRejected, "", "Openprovider domain %d is %s, not %s", id, d.FullName(), dom.Name)
	}
	return d, nil
}

func stateOf(ref string, d Domain, onDetail string) registrars.Status {
	if d.PrivateWhoisEnabled {
		return registrars.Status{State: registrars.Completed, Reference: ref, Detail: onDetail + paidUntil(d)}
	}
	return registrars.Status{State: registrars.Pending, Reference: ref, Detail: "WHOIS privacy protection is not on yet at Openprovider"}
}

func paidUntil(d Domain) string {
	if d.WhoisPrivacy != nil && d.WhoisPrivacy.ExpirationDate != "" {
		return " (until " + d.WhoisPrivacy.ExpirationDate + ")"
	}
	return ""
}

// rejectedStatus is the Rejected status that goes with a KindRejected error.
func rejectedStatus(ref string, err error) registrars.Status {
	var e *registrars.Error
	if errors.As(err, &e) && e.Kind == registrars.KindRejected {
		return registrars.Status{State: registrars.Rejected, Reference: ref, Detail: e.Error()}
	}
	return registrars.Status{}
}

var _ registrars.Adapter = (*Adapter)(nil)
