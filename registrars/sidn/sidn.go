// Package sidn shields .nl domains at SIDN over EPP, following SIDN's own
// rules: SIDN accepts no changes of the RFC 5733 disclose flags; its public
// WHOIS and RDAP show, for a private registrant, only the administrative
// contact's e-mail, and for a business registrant also the name. So:
//
//   - a private person recorded as a business gets the legal form PERSOON
//     (SIDN's extension, http://rxsd.domain-registry.nl/sidn-ext-epp-1.0);
//   - an administrative contact that carries the customer's own e-mail is
//     replaced by a contact with the hosting company's role address;
//   - where the customer needs even that withheld (a sole trader whose
//     business name is their own), SIDN's opt-out: a written request with
//     the customer's reasons, mailed on to SIDN, decided by SIDN within
//     three weeks; staff record the decision as a task.
//
// Every step reads the current state first, so a repeat does nothing twice.
// SIDN assigns contact handles itself: the role contact is created once per
// configured contact, and the handle SIDN gave it is kept (HandleStore) and
// used by every later request; it is made anew only when SIDN says it is
// gone. The EPP transport is kept apart (registrars/epp), for SIDN's
// RESTful form of EPP (REPP) when it comes.
package sidn

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/epp"
	"github.com/afscherm/afscherm/registrars/manual"
)

// Party names SIDN in errors.
const Party = "sidn"

// TestHost is SIDN's test environment (DRS test), for the EPP address while
// trying a configuration out: drs.test.domain-registry.nl:700.
const TestHost = "drs.test.domain-registry.nl:700"

// OptOutDeadline is how long SIDN takes at most to decide an opt-out.
const OptOutDeadline = 21 * 24 * time.Hour

// Config sets up the adapter.
type Config struct {
	EPP epp.Config
	// Registrars are our registrars of record it serves, e.g. "sidn".
	Registrars []string
	// Role is the contact with the hosting company's role address that
	// replaces an administrative contact with the customer's own e-mail:
	// Name is the person or desk ("Hostmaster"), Org the company. SIDN
	// records a company's name as the contact's name and Org as its
	// department, and the adapter sends it so. Its ID is not used: SIDN
	// assigns the handle.
	Role epp.Contact
	// Handles keeps the role contact's handle once SIDN has given it.
	Handles HandleStore
	Cost    func(ctx context.Context, d registrars.Domain) (int64, error)
	// OptOut, when set, is how opt-out requests go to SIDN and how staff
	// record SIDN's decision.
	OptOut *OptOut
}

// OptOut is SIDN's opt-out procedure.
type OptOut struct {
	To string // the address opt-out requests are mailed to
	// Mail sends a letter for a request, once per key: a repeat with the
	// same key sends nothing.
	Mail  func(ctx context.Context, requestID int64, key, to, subject, body string) error
	Tasks manual.Tasks
}

// Adapter is the SIDN adapter.
type Adapter struct {
	cfg Config
	// role is the role contact as it is sent to SIDN (with an id SIDN
	// ignores), purpose its key in Handles.
	role    epp.Contact
	purpose string
}

// New checks the configuration and returns an adapter. The role contact
// must hold what SIDN requires (CheckContact): a configuration SIDN would
// refuse is refused here, when it is loaded.
func New(cfg Config) (*Adapter, error) {
	if cfg.EPP.Addr == "" || cfg.EPP.ClientID == "" || cfg.EPP.Password == "" {
		return nil, registrars.Errorf(Party, registrars.KindConfig, "", "SIDN needs the EPP address, client id and password")
	}
	if cfg.Role.Email == "" || cfg.Role.Name == "" {
		return nil, registrars.Errorf(Party, registrars.KindConfig, "", "SIDN needs the role contact's name and e-mail address")
	}
	if problems := CheckContact(cfg.Role); len(problems) > 0 {
		var s []string
		for _, p := range problems {
			s = append(s, p.String())
		}
		return nil, registrars.Errorf(Party, registrars.KindConfig, "", "SIDN would refuse the role contact: %s", strings.Join(s, "; "))
	}
	if cfg.Handles == nil {
		return nil, registrars.Errorf(Party, registrars.KindConfig, "", "SIDN needs a store for the contact handles it assigns")
	}
	if cfg.Role.LegalForm == "" {
		cfg.Role.LegalForm = DefaultLegalForm
	}
	// The id sent in contact:create: any valid one will do, SIDN replaces
	// it (Net::DRI sends "ABCD"); one derived from the account keeps
	// frames alike between processes.
	sum := sha256.Sum256([]byte(cfg.EPP.ClientID + "\x00" + strings.ToLower(cfg.Role.Email)))
	sendID := "AFS" + strings.ToUpper(hex.EncodeToString(sum[:5]))
	return &Adapter{cfg: cfg, role: asRecorded(cfg.Role, sendID), purpose: rolePurpose(cfg.EPP.ClientID, cfg.Role)}, nil
}

// Name is "sidn".
func (a *Adapter) Name() string { return Party }

// Serves .nl domains of the configured registrars of record.
func (a *Adapter) Serves(d registrars.Domain) registrars.Support {
	if d.TLD() != "nl" {
		return registrars.Support{Reason: "SIDN registers .nl only"}
	}
	if !slices.Contains(a.cfg.Registrars, d.Registrar) && !slices.Contains(a.cfg.Registrars, "*") {
		return registrars.Support{Reason: fmt.Sprintf("the registrar of record is %s, not one set up for SIDN", d.Registrar)}
	}
	return registrars.Support{OK: true, Reason: "SIDN over EPP: private registrant, role address as administrative contact",
		OptOut: a.cfg.OptOut != nil}
}

// Price is the configured cost; SIDN itself charges nothing for these changes.
func (a *Adapter) Price(ctx context.Context, d registrars.Domain) (int64, error) {
	if a.cfg.Cost == nil {
		return 0, nil
	}
	c, err := a.cfg.Cost(ctx, d)
	if err != nil {
		return 0, &registrars.Error{Kind: registrars.KindConfig, Party: Party, Message: err.Error(), Err: err}
	}
	return c, nil
}

// Plan says which of SIDN's steps apply: the legal form for a natural
// person, the role address always, the opt-out where the customer gave
// reasons for it.
func (a *Adapter) Plan(r registrars.Request) []string {
	en := r.Language == "en"
	var plan []string
	if r.Person {
		plan = append(plan, pick(en,
			"Where SIDN has you recorded as a business, we have it record you as a private person, so that its register shows neither your name nor your address.",
			"Waar SIDN u als bedrijf heeft vastgelegd, laten wij u als particulier vastleggen, zodat het register uw naam en adres niet toont."))
	}
	plan = append(plan, pick(en,
		"As administrative contact SIDN then shows our role address instead of your own e-mail address.",
		"Als administratief contact toont SIDN daarna ons algemene adres in plaats van uw eigen e-mailadres."))
	if a.cfg.OptOut != nil && strings.TrimSpace(r.Reasons) != "" {
		plan = append(plan, pick(en,
			"We also ask SIDN, with the reasons you gave us, to withhold your details entirely (opt-out). SIDN decides within three weeks; we tell you its answer.",
			"Ook vragen wij SIDN, met de redenen die u ons gaf, uw gegevens volledig af te schermen (opt-out). SIDN beslist binnen drie weken; wij laten u het antwoord weten."))
	}
	return plan
}

func pick(en bool, english, dutch string) string {
	if en {
		return english
	}
	return dutch
}

// session runs fn in one EPP session, logged in and out.
func (a *Adapter) session(ctx context.Context, fn func(*epp.Client) error) error {
	c, err := epp.Dial(ctx, a.cfg.EPP)
	if err != nil {
		return adapterError(err)
	}
	defer c.Close()
	if err := fn(c); err != nil {
		return adapterError(err)
	}
	_ = c.Logout(ctx)
	return nil
}

// Probe connects, reads the greeting, logs in and logs out (RFC 5730
// sections 2.4 and 2.9.1.1-2; SIDN takes the same session commands).
func (a *Adapter) Probe(ctx context.Context) error {
	c, err := epp.Dial(ctx, a.cfg.EPP)
	if err != nil {
		return adapterError(err)
	}
	defer c.Close()
	if err := c.Logout(ctx); err != nil {
		return adapterError(err)
	}
	return nil
}

// adapterError is epp.AdapterError, except that SIDN's 2400 with its own
// messages is a refusal of the transaction's content ("Validation of the
// transaction failed.", Net::DRI_SIDN.t), which a repeat does not mend.
func adapterError(err error) error {
	var re *epp.ResultError
	var done *registrars.Error
	switch {
	case errors.As(err, &done):
		return err
	case errors.As(err, &re) && re.Code == epp.CodeCommandFailed && len(re.SIDN) > 0:
		e := epp.AdapterError(Party, err).(*registrars.Error)
		e.Kind = registrars.KindRejected
		return e
	}
	return epp.AdapterError(Party, err)
}

// Submit makes the registrant private and the administrative contact the
// role address, and files an opt-out where the customer asks for one.
func (a *Adapter) Submit(ctx context.Context, r registrars.Request) (registrars.Status, error) {
	var done []string
	err := a.session(ctx, func(c *epp.Client) error {
		d, err := c.DomainInfo(ctx, r.Domain.Name)
		if err != nil {
			return err
		}
		reg, err := c.ContactInfo(ctx, d.Registrant)
		if err != nil {
			return err
		}
		if r.Person && reg.LegalForm != epp.LegalFormPerson {
			if _, err := c.ContactUpdateLegalForm(ctx, reg.ID, epp.LegalFormPerson, ""); err != nil {
				return err
			}
			done = append(done, "registrant recorded as a private person")
		}
		kept, err := a.cfg.Handles.Get(ctx, Party, a.purpose)
		if err != nil {
			return &registrars.Error{Kind: registrars.KindTemporary, Party: Party, Message: "read the role contact's handle", Err: err}
		}
		for _, id := range d.Contacts["admin"] {
			if kept != "" && id == kept {
				continue
			}
			admin, err := c.ContactInfo(ctx, id)
			if err != nil {
				return err
			}
			if strings.EqualFold(admin.Email, a.cfg.Role.Email) {
				continue
			}
			if kept, err = a.replaceAdmin(ctx, c, r.Domain.Name, id, kept); err != nil {
				return err
			}
			done = append(done, "administrative contact replaced by the role address")
		}
		return nil
	})
	if err != nil {
		return registrars.Status{}, err
	}
	detail := strings.Join(done, "; ")
	if detail == "" {
		detail = "nothing to change: SIDN shows no personal data of a private registrant already"
	}
	if a.cfg.OptOut != nil && strings.TrimSpace(r.Reasons) != "" {
		return a.optOut(ctx, r, detail)
	}
	return registrars.Status{State: registrars.Completed, Reference: "epp", Detail: detail}, nil
}

// replaceAdmin makes the role contact the domain's administrative contact
// in place of id. It uses the kept handle, creating the role contact first
// when none is kept; when SIDN answers that the kept handle is unknown
// (2303 on the domain:update, confirmed by 2303 on contact:info), it
// creates the role contact anew, keeps the new handle, and tries once more.
// It returns the role contact's handle.
func (a *Adapter) replaceAdmin(ctx context.Context, c *epp.Client, domain, id, kept string) (string, error) {
	role := kept
	if role == "" {
		var err error
		if role, err = a.createRole(ctx, c, ""); err != nil {
			return "", err
		}
	}
	update := func(role string) error {
		_, err := c.DomainUpdateContacts(ctx, domain, []epp.DomainContact{{Type: "admin", ID: role}},
			[]epp.DomainContact{{Type: "admin", ID: id}})
		return err
	}
	err := update(role)
	if epp.Code(err) != epp.CodeObjectNotFound {
		return role, err
	}
	if _, infoErr := c.ContactInfo(ctx, role); epp.Code(infoErr) != epp.CodeObjectNotFound {
		return role, err // the domain or the old contact, not the role contact
	}
	if role, err = a.createRole(ctx, c, role); err != nil {
		return "", err
	}
	return role, update(role)
}

// createRole creates the role contact and keeps the handle SIDN gave it
// in place of old; it returns the handle kept, which is another process's
// when that one was quicker (the contact made here then stays unused).
func (a *Adapter) createRole(ctx context.Context, c *epp.Client, old string) (string, error) {
	res, err := c.ContactCreate(ctx, a.role)
	var re *epp.ResultError
	switch {
	case errors.As(err, &re) && re.Code < epp.CodeFailedClosing && (re.Code != epp.CodeCommandFailed || len(re.SIDN) > 0):
		// SIDN refuses the contact the configuration describes: staff
		// must mend the configuration; a repeat would be refused alike.
		e := epp.AdapterError(Party, err).(*registrars.Error)
		e.Kind, e.Message = registrars.KindConfig, "SIDN refused the configured role contact: "+e.Message
		return "", e
	case err != nil:
		return "", err
	}
	kept, err := a.cfg.Handles.Put(ctx, Party, a.purpose, old, res.ID)
	if err != nil {
		return "", &registrars.Error{Kind: registrars.KindTemporary, Party: Party,
			Message: "keep the role contact's handle " + res.ID, Err: err}
	}
	return kept, nil
}

// optOut mails SIDN the opt-out request, once, and leaves staff a task to
// record SIDN's decision.
func (a *Adapter) optOut(ctx context.Context, r registrars.Request, detail string) (registrars.Status, error) {
	o := a.cfg.OptOut
	steps := fmt.Sprintf(`SIDN decides within three weeks on the opt-out request for %s (afscherm request %d), mailed to %s.
When SIDN's answer comes:
- granted: afscherm task done TASK --note "granted by SIDN on DATE"
- refused: cancel this task (the request then fails with SIDN's refusal).`, r.Domain.Name, r.ID, o.To)
	id, err := o.Tasks.EnsureTask(ctx, r.ID, Party, "Record SIDN's decision on the opt-out for "+r.Domain.Name, steps)
	if err != nil {
		return registrars.Status{}, &registrars.Error{Kind: registrars.KindTemporary, Party: Party, Message: "opt-out task", Err: err}
	}
	body := fmt.Sprintf(`Geachte heer/mevrouw,

Namens onze klant, houder van de domeinnaam %s, verzoeken wij SIDN de gegevens van de houder
af te schermen in de openbare WHOIS en RDAP (opt-out).

De houder geeft de volgende redenen:

%s

Met vriendelijke groet,
%s
`, r.Domain.Name, strings.TrimSpace(r.Reasons), a.cfg.Role.Org)
	err = o.Mail(ctx, r.ID, r.IdempotencyKey()+"-optout", o.To, "Opt-out verzoek "+r.Domain.Name, body)
	if err != nil {
		return registrars.Status{}, &registrars.Error{Kind: registrars.KindTemporary, Party: Party, Message: "mail the opt-out", Err: err}
	}
	return registrars.Status{State: registrars.Pending, Reference: "optout:" + strconv.FormatInt(id, 10),
		Detail: detail + "; opt-out requested from SIDN", Deadline: time.Now().Add(OptOutDeadline)}, nil
}

// Status reports the opt-out's task, or that the synchronous changes are done.
func (a *Adapter) Status(ctx context.Context, _ registrars.Request, reference string) (registrars.Status, error) {
	rest, isOptOut := strings.CutPrefix(reference, "optout:")
	if !isOptOut {
		return registrars.Status{State: registrars.Completed, Reference: reference, Detail: "carried out over EPP"}, nil
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || a.cfg.OptOut == nil {
		return registrars.Status{}, registrars.Errorf(Party, registrars.KindConfig, "", "opt-out reference %q cannot be followed", reference)
	}
	done, cancelled, note, err := a.cfg.OptOut.Tasks.TaskState(ctx, id)
	switch {
	case err != nil:
		return registrars.Status{}, &registrars.Error{Kind: registrars.KindTemporary, Party: Party, Message: "read the opt-out task", Err: err}
	case done:
		return registrars.Status{State: registrars.Completed, Reference: reference, Detail: "SIDN granted the opt-out: " + note}, nil
	case cancelled:
		return registrars.Status{State: registrars.Rejected, Reference: reference, Detail: "SIDN refused the opt-out"}, nil
	}
	return registrars.Status{State: registrars.Pending, Reference: reference, Detail: "waiting for SIDN's decision on the opt-out"}, nil
}

// Cancel withdraws a pending opt-out; the EPP changes are done at once and
// cannot be withdrawn.
func (a *Adapter) Cancel(ctx context.Context, _ registrars.Request, reference string) error {
	rest, isOptOut := strings.CutPrefix(reference, "optout:")
	if !isOptOut || a.cfg.OptOut == nil {
		return registrars.Errorf(Party, registrars.KindRejected, "", "the changes at SIDN are done and cannot be withdrawn")
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return registrars.Errorf(Party, registrars.KindConfig, "", "opt-out reference %q", reference)
	}
	ok, err := a.cfg.OptOut.Tasks.CancelTask(ctx, id)
	if err != nil {
		return &registrars.Error{Kind: registrars.KindTemporary, Party: Party, Message: "cancel the opt-out task", Err: err}
	}
	if !ok {
		return registrars.Errorf(Party, registrars.KindRejected, "", "SIDN has decided already")
	}
	return nil
}

var _ registrars.Adapter = (*Adapter)(nil)
