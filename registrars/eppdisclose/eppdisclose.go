// Package eppdisclose shields domains at registries that honour RFC 5733's
// disclose flags: a contact:update with <contact:disclose flag="0"> for the
// registrant's name, organisation, address, phone, fax and e-mail. CZ.NIC's
// FRED speaks its own contact namespace (taken from its greeting), where
// the disclose element lists what is shown, name and organisation are
// always public, and an address may be hidden only for a verified natural
// person — the registry then hides it itself and says so in a poll message.
// Shielding there is partial by nature, and the adapter says so.
package eppdisclose

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/epp"
)

// Config sets up one registry.
type Config struct {
	Name       string // in configuration and errors, e.g. "cznic"
	EPP        epp.Config
	TLDs       []string
	Registrars []string // our registrars of record it serves; "*" for any
	Cost       func(d registrars.Domain) (int64, error)
	// FRED says the registry is CZ.NIC's FRED: name always public.
	FRED bool
}

// Adapter hides a registrant's contact data with disclose flags.
type Adapter struct{ cfg Config }

// New returns an adapter.
func New(cfg Config) (*Adapter, error) {
	if cfg.Name == "" || cfg.EPP.Addr == "" || cfg.EPP.ClientID == "" || cfg.EPP.Password == "" || len(cfg.TLDs) == 0 {
		return nil, registrars.Errorf(cfg.Name, registrars.KindConfig, "", "an EPP registry needs a name, TLDs, the EPP address, client id and password")
	}
	return &Adapter{cfg: cfg}, nil
}

// Name is the configured name.
func (a *Adapter) Name() string { return a.cfg.Name }

// Serves the configured TLDs and registrars of record.
func (a *Adapter) Serves(d registrars.Domain) registrars.Support {
	if !slices.Contains(a.cfg.TLDs, d.TLD()) {
		return registrars.Support{Reason: fmt.Sprintf("%s does not register .%s", a.cfg.Name, d.TLD())}
	}
	if !slices.Contains(a.cfg.Registrars, "*") && !slices.Contains(a.cfg.Registrars, d.Registrar) {
		return registrars.Support{Reason: fmt.Sprintf("the registrar of record is %s, not one set up for %s", d.Registrar, a.cfg.Name)}
	}
	if a.cfg.FRED {
		return registrars.Support{OK: true, Partial: true,
			Reason: "the registry keeps the name public, and the address until the contact is verified"}
	}
	return registrars.Support{OK: true, Reason: "disclose flags over EPP"}
}

// Price is the configured cost.
func (a *Adapter) Price(_ context.Context, d registrars.Domain) (int64, error) {
	if a.cfg.Cost == nil {
		return 0, nil
	}
	c, err := a.cfg.Cost(d)
	if err != nil {
		return 0, &registrars.Error{Kind: registrars.KindConfig, Party: a.cfg.Name, Message: err.Error(), Err: err}
	}
	return c, nil
}

// Plan says what changes, and, for FRED, what cannot.
func (a *Adapter) Plan(r registrars.Request) []string {
	language := r.Language
	if a.cfg.FRED {
		if language == "en" {
			return []string{"The registry hides your phone number, fax and e-mail address, and your address once your contact is verified.",
				"Your name stays public: this registry does not allow it to be hidden."}
		}
		return []string{"Het register schermt uw telefoonnummer, fax en e-mailadres af, en uw adres zodra uw contact geverifieerd is.",
			"Uw naam blijft openbaar: dit register staat niet toe die af te schermen."}
	}
	if language == "en" {
		return []string{"The registry hides your name, organisation, address, phone number and e-mail address from the public register."}
	}
	return []string{"Het register schermt uw naam, organisatie, adres, telefoonnummer en e-mailadres af in het openbare register."}
}

func (a *Adapter) session(ctx context.Context, fn func(*epp.Client) error) error {
	c, err := epp.Dial(ctx, a.cfg.EPP)
	if err != nil {
		return epp.AdapterError(a.cfg.Name, err)
	}
	defer c.Close()
	if err := fn(c); err != nil {
		return epp.AdapterError(a.cfg.Name, err)
	}
	_ = c.Logout(ctx)
	return nil
}

// adjustable are the items a registrar may hide, per dialect.
func adjustable(c *epp.Client) []string {
	if c.Dialect() == epp.DialectFRED {
		return []string{epp.DiscloseAddr, epp.DiscloseVoice, epp.DiscloseFax, epp.DiscloseEmail}
	}
	return []string{epp.DiscloseName, epp.DiscloseOrg, epp.DiscloseAddr, epp.DiscloseVoice, epp.DiscloseFax, epp.DiscloseEmail}
}

// shown lists the items of ct the public sees. FRED reports what it shows;
// others report what the registrant chose, against the server's default.
func shown(c *epp.Client, ct epp.Contact, items []string) []string {
	var out []string
	for _, it := range items {
		var public bool
		switch {
		case c.Dialect() == epp.DialectFRED:
			public = ct.Disclose != nil && ct.Disclose.Flag && ct.Disclose.Has(it)
		case ct.Disclose == nil:
			public = !c.Greeting().DCP.HidesByDefault()
		case ct.Disclose.Flag:
			public = ct.Disclose.Has(it) || !c.Greeting().DCP.HidesByDefault()
		default:
			public = !ct.Disclose.Has(it) && !c.Greeting().DCP.HidesByDefault()
		}
		if public {
			out = append(out, it)
		}
	}
	return out
}

// Submit hides what is shown and adjustable; an item the registry refuses
// (2306) or may not hide yet (2304) is left, and said so.
func (a *Adapter) Submit(ctx context.Context, r registrars.Request) (registrars.Status, error) {
	var st registrars.Status
	err := a.session(ctx, func(c *epp.Client) error {
		d, err := c.DomainInfo(ctx, r.Domain.Name)
		if err != nil {
			return err
		}
		ct, err := c.ContactInfo(ctx, d.Registrant)
		if err != nil {
			return err
		}
		todo := shown(c, ct, adjustable(c))
		if len(todo) == 0 {
			st = registrars.Status{State: registrars.Completed, Reference: "contact:" + ct.ID, Detail: "nothing to hide: already withheld"}
			return nil
		}
		hidden, refused, pending, err := a.hide(ctx, c, ct.ID, todo)
		if err != nil {
			return err
		}
		st = registrars.Status{State: registrars.Completed, Reference: "contact:" + ct.ID, Detail: describe(hidden, refused, pending)}
		if len(pending) > 0 {
			st.State = registrars.Pending
		}
		if len(hidden)+len(pending) == 0 {
			st.State = registrars.Rejected
		}
		return nil
	})
	return st, err
}

// hide asks for all items at once; when the registry refuses, item by
// item, so that what may be hidden is.
func (a *Adapter) hide(ctx context.Context, c *epp.Client, id string, items []string) (hidden, refused, pending []string, err error) {
	res, err := c.ContactUpdateDisclose(ctx, id, false, items)
	switch code := epp.Code(err); {
	case err == nil && res.Pending():
		return nil, nil, items, nil
	case err == nil:
		return items, nil, nil, nil
	case code != epp.CodeValuePolicy && code != epp.CodeStatusProhibits:
		return nil, nil, nil, err
	}
	for _, it := range items {
		res, err := c.ContactUpdateDisclose(ctx, id, false, []string{it})
		switch code := epp.Code(err); {
		case err == nil && res.Pending():
			pending = append(pending, it)
		case err == nil:
			hidden = append(hidden, it)
		case code == epp.CodeValuePolicy || code == epp.CodeStatusProhibits:
			refused = append(refused, it)
		default:
			return nil, nil, nil, err
		}
	}
	return hidden, refused, pending, nil
}

func describe(hidden, refused, pending []string) string {
	var parts []string
	if len(hidden) > 0 {
		parts = append(parts, "hidden: "+strings.Join(hidden, ", "))
	}
	if len(pending) > 0 {
		parts = append(parts, "the registry will hide: "+strings.Join(pending, ", "))
	}
	if len(refused) > 0 {
		parts = append(parts, "not possible here: "+strings.Join(refused, ", "))
	}
	return strings.Join(parts, "; ")
}

// Status reads the registry's poll queue (acknowledging what it finds) and
// the contact: done when nothing adjustable is shown any more, or nothing
// more will be hidden.
func (a *Adapter) Status(ctx context.Context, _ registrars.Request, reference string) (registrars.Status, error) {
	id, ok := strings.CutPrefix(reference, "contact:")
	if !ok || id == "" {
		return registrars.Status{}, registrars.Errorf(a.cfg.Name, registrars.KindConfig, "", "reference %q is not a contact", reference)
	}
	var st registrars.Status
	err := a.session(ctx, func(c *epp.Client) error {
		var notes []string
		for range 20 {
			m, err := c.Poll(ctx)
			if err != nil || m == nil {
				if err != nil {
					return err
				}
				break
			}
			notes = append(notes, strings.TrimSpace(m.Text))
			if _, err := c.PollAck(ctx, m.ID); err != nil {
				return err
			}
		}
		ct, err := c.ContactInfo(ctx, id)
		if err != nil {
			return err
		}
		left := shown(c, ct, []string{epp.DiscloseAddr})
		st = registrars.Status{State: registrars.Completed, Reference: reference, Detail: "the registry has hidden the address"}
		if len(left) > 0 {
			st = registrars.Status{State: registrars.Pending, Reference: reference, Detail: "waiting for the registry to hide the address"}
		}
		if len(notes) > 0 {
			st.Detail += " (registry: " + strings.Join(notes, "; ") + ")"
		}
		return nil
	})
	return st, err
}

// Cancel is not possible: the registry carries changes out at once.
func (a *Adapter) Cancel(context.Context, registrars.Request, string) error {
	return registrars.Errorf(a.cfg.Name, registrars.KindRejected, "", "changes at the registry are carried out at once and cannot be withdrawn")
}

var _ registrars.Adapter = (*Adapter)(nil)
