// Package eppdisclose shields domains at registries that honour a
// contact's disclose flags over EPP: registries that follow RFC 5733, and
// CZ.NIC's FRED, which speaks its own contact namespace.
//
// RFC 5733: a contact:update with <contact:disclose flag="0"> for the
// registrant's name, organisation, address, phone, fax and e-mail, with
// name, organisation and address once for each form of postal info the
// contact holds ("int", "loc" or both, read with contact:info first). A
// registry may refuse an item its policy keeps public (2306, 2308, 2304):
// the adapter then asks item by item, hides what may be hidden, and
// reports the rest as the registry's ceiling (Status.Public), not as a
// failure.
//
// FRED (fred-docs, PoliciesRules.rst and Disclosure_Examples.rst): the
// disclose element lists what is shown; name and organisation are always
// public; a flag="0" update hides everything adjustable at once (1000), or
// is refused with 2304 while the address may not be hidden (an unverified
// natural person, or an organisation) — then <contact:disclose flag="1">
// <contact:addr/></contact:disclose> keeps only the address shown and
// hides phone, fax, e-mail and the rest. The registry hides a natural
// person's address itself once the contact is verified, and says so in a
// poll message. Shielding there is partial by nature, and the adapter
// says so.
//
// The poll queue is the whole registrar account's: the adapter reads it
// only while the message at its head is about this request's contact or
// domain, and leaves everything else there.
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
	Cost       func(ctx context.Context, d registrars.Domain) (int64, error)
	// FRED says the registry is CZ.NIC's FRED: the name stays public, the
	// quote says so. The session checks it against the greeting, whose
	// contact object URI (http://www.nic.cz/xml/epp/contact-1.6) decides
	// how the adapter speaks.
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
			Reason: "the registry keeps the name and organisation public, and the address until the contact is verified"}
	}
	return registrars.Support{OK: true, Reason: "disclose flags over EPP; an item the registry's policy keeps public stays public"}
}

// Price is the configured cost.
func (a *Adapter) Price(ctx context.Context, d registrars.Domain) (int64, error) {
	if a.cfg.Cost == nil {
		return 0, nil
	}
	c, err := a.cfg.Cost(ctx, d)
	if err != nil {
		return 0, &registrars.Error{Kind: registrars.KindConfig, Party: a.cfg.Name, Message: err.Error(), Err: err}
	}
	return c, nil
}

// Plan says what changes, and what the registry keeps public.
func (a *Adapter) Plan(r registrars.Request) []string {
	en := r.Language == "en"
	if a.cfg.FRED {
		// PoliciesRules.rst: name and organisation are fixed; the address
		// is hidden by the registry once a natural person is verified.
		if en {
			return []string{"The registry hides your phone number, fax and e-mail address at once, and your address once " +
				"the registry has verified your contact (not for an organisation's address).",
				"Your name, and the name of your organisation, stay public: this registry does not allow them to be hidden."}
		}
		return []string{"Het register schermt uw telefoonnummer, fax en e-mailadres direct af, en uw adres zodra het " +
			"register uw contact geverifieerd heeft (niet het adres van een organisatie).",
			"Uw naam, en de naam van uw organisatie, blijven openbaar: dit register staat niet toe die af te schermen."}
	}
	if en {
		return []string{"The registry hides your name, organisation, address, phone number and e-mail address from the public register.",
			"Where the registry's policy keeps an item public, it stays public, and we tell you which."}
	}
	return []string{"Het register schermt uw naam, organisatie, adres, telefoonnummer en e-mailadres af in het openbare register.",
		"Waar het beleid van het register een gegeven openbaar houdt, blijft dat openbaar; wij laten u weten welk."}
}

func (a *Adapter) session(ctx context.Context, fn func(*epp.Client) error) error {
	c, err := epp.Dial(ctx, a.cfg.EPP)
	if err != nil {
		return epp.AdapterError(a.cfg.Name, err)
	}
	defer c.Close()
	if fred := c.Dialect() == epp.DialectFRED; fred != a.cfg.FRED {
		return epp.AdapterError(a.cfg.Name, fmt.Errorf("%w: the greeting offers %s, but the configuration says fred: %t",
			epp.ErrInvalid, c.ContactNamespace(), a.cfg.FRED))
	}
	if err := fn(c); err != nil {
		return epp.AdapterError(a.cfg.Name, err)
	}
	_ = c.Logout(ctx)
	return nil
}

// Probe connects, reads the greeting (which must match the configured
// dialect), logs in and logs out (RFC 5730 sections 2.4 and 2.9.1.1-2).
func (a *Adapter) Probe(ctx context.Context) error {
	c, err := epp.Dial(ctx, a.cfg.EPP)
	if err != nil {
		return epp.AdapterError(a.cfg.Name, err)
	}
	defer c.Close()
	if fred := c.Dialect() == epp.DialectFRED; fred != a.cfg.FRED {
		return epp.AdapterError(a.cfg.Name, fmt.Errorf("%w: the greeting offers %s, but the configuration says fred: %t",
			epp.ErrInvalid, c.ContactNamespace(), a.cfg.FRED))
	}
	if err := c.Logout(ctx); err != nil {
		return epp.AdapterError(a.cfg.Name, err)
	}
	return nil
}

// Submit hides what is shown and adjustable; what the registry will not
// hide is its ceiling, reported in Status.Public.
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
		if c.Dialect() == epp.DialectFRED {
			st, err = submitFRED(ctx, c, ct)
		} else {
			st, err = submitIETF(ctx, c, ct)
		}
		return err
	})
	return st, err
}

// ---- RFC 5733 ----

// ietfItems are RFC 5733's disclose items, in schema order.
var ietfItems = []string{epp.DiscloseName, epp.DiscloseOrg, epp.DiscloseAddr, epp.DiscloseVoice, epp.DiscloseFax, epp.DiscloseEmail}

// ietfShown lists the items of ct the public sees: an item is public when
// any form of it is (RFC 5733 section 2.9: the disclose flag makes an
// exception to the server's data collection policy, <dcp> in the
// greeting, for the elements it lists, name, org and addr per postal info
// type).
func ietfShown(g epp.Greeting, ct epp.Contact) []string {
	hides := g.DCP.HidesByDefault()
	types := ct.PostalTypes
	if len(types) == 0 {
		types = []string{epp.PostalLoc}
	}
	d := ct.Disclose
	var out []string
	for _, it := range ietfItems {
		forms := []string{""}
		if it == epp.DiscloseName || it == epp.DiscloseOrg || it == epp.DiscloseAddr {
			forms = types
		}
		for _, t := range forms {
			// A server that lists a postal item without its type means
			// every form.
			listed := d.Has(it) && (t == "" || len(d.Types[it]) == 0 || d.HasType(it, t))
			var public bool
			switch {
			case d == nil:
				public = !hides
			case d.Flag:
				public = listed || !hides
			default:
				public = !listed && !hides
			}
			if public {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

func submitIETF(ctx context.Context, c *epp.Client, ct epp.Contact) (registrars.Status, error) {
	ref := "contact:" + ct.ID
	shown := withData(ct, ietfShown(c.Greeting(), ct))
	if len(shown) == 0 {
		return registrars.Status{State: registrars.Completed, Reference: ref, Detail: "nothing to hide: already withheld"}, nil
	}
	refused, pending, err := hideIETF(ctx, c, ct, shown)
	if err != nil {
		return registrars.Status{}, err
	}
	if pending {
		// RFC 5730 section 3, 1001: the registry acts later and says so
		// in a poll message; Status follows it.
		return registrars.Status{State: registrars.Pending, Reference: ref,
			Detail: "the registry will decide on: " + strings.Join(itemNames(shown), ", ")}, nil
	}
	// Read the contact again: what it shows now is what the public sees,
	// whatever the answers said.
	after, err := c.ContactInfo(ctx, ct.ID)
	if err != nil {
		return registrars.Status{}, err
	}
	return ietfOutcome(ref, after, shown, withData(after, ietfShown(c.Greeting(), after)), refused), nil
}

// hideIETF asks to hide all items at once; when the registry refuses,
// item by item, so that what may be hidden is. It returns the items
// refused with their codes.
func hideIETF(ctx context.Context, c *epp.Client, ct epp.Contact, items []string) (refused map[string]int, pending bool, err error) {
	res, err := c.ContactUpdateDisclose(ctx, ct.ID, false, items, ct.PostalTypes)
	switch {
	case err == nil:
		return nil, res.Pending(), nil
	case !policyRefusal(err):
		return nil, false, err
	}
	refused = map[string]int{}
	for _, it := range items {
		res, err := c.ContactUpdateDisclose(ctx, ct.ID, false, []string{it}, ct.PostalTypes)
		switch {
		case err == nil:
			pending = pending || res.Pending()
		case policyRefusal(err):
			refused[it] = epp.Code(err)
		default:
			return nil, false, err
		}
	}
	return refused, pending, nil
}

// policyRefusal reports the result codes with which RFC 5730 and RFC 5733
// let a registry refuse a disclosure its policy does not allow: 2306
// "Parameter value policy error", 2308 "Data management policy violation"
// (RFC 5733 section 2.9) and 2304 "Object status prohibits operation".
func policyRefusal(err error) bool {
	switch epp.Code(err) {
	case epp.CodeValuePolicy, epp.CodeDataMgmtPolicy, epp.CodeStatusProhibits:
		return true
	}
	return false
}

// ietfOutcome judges the contact after the update, by what it shows now
// (so that a repeat judges alike): done as far as the registry allows,
// with what it keeps public; refused when the registry hides none of the
// contact's data.
func ietfOutcome(ref string, ct epp.Contact, before, after []string, refused map[string]int) registrars.Status {
	hidden := slices.DeleteFunc(slices.Clone(before), func(it string) bool { return slices.Contains(after, it) })
	st := registrars.Status{State: registrars.Completed, Reference: ref, Public: publicItems(after)}
	var parts []string
	if len(hidden) > 0 {
		parts = append(parts, "hidden: "+strings.Join(itemNames(hidden), ", "))
	}
	if len(after) > 0 {
		s := "the registry keeps public: " + strings.Join(itemNames(after), ", ")
		if codes := refusalCodes(after, refused); codes != "" {
			s += " (" + codes + ")"
		}
		parts = append(parts, s)
	}
	st.Detail = strings.Join(parts, "; ")
	if len(after) > 0 && len(after) == len(withData(ct, ietfItems)) {
		st.State = registrars.Rejected
		st.Detail = "the registry would hide none of: " + strings.Join(itemNames(after), ", ")
		if codes := refusalCodes(after, refused); codes != "" {
			st.Detail += " (" + codes + ")"
		}
	}
	return st
}

func refusalCodes(items []string, refused map[string]int) string {
	var out []string
	for _, it := range items {
		if code, ok := refused[it]; ok {
			out = append(out, fmt.Sprintf("%s %d", itemName(it), code))
		}
	}
	return strings.Join(out, ", ")
}

// ---- FRED ----

// fredItems are FRED's adjustable disclose items, in schema order
// (PoliciesRules.rst, "Server disclosure policy").
var fredItems = []string{epp.DiscloseAddr, epp.DiscloseVoice, epp.DiscloseFax, epp.DiscloseEmail,
	epp.DiscloseVAT, epp.DiscloseIdent, epp.DiscloseNotifyEmail}

// fredShown lists the adjustable items FRED shows: its contact:info lists
// them in <contact:disclose flag="1"> (PoliciesRules.rst, "Server
// disclosure policy").
func fredShown(ct epp.Contact) []string {
	var out []string
	for _, it := range fredItems {
		if ct.Disclose != nil && ct.Disclose.Flag && ct.Disclose.Has(it) {
			out = append(out, it)
		}
	}
	return out
}

// mayHideAddress reports whether FRED lets the contact's address be
// hidden: a natural person (no organisation) with the identifiedContact or
// validatedContact status (PoliciesRules.rst, "Hiding address").
func mayHideAddress(ct epp.Contact) bool {
	return ct.Org == "" && (slices.Contains(ct.Statuses, "identifiedContact") || slices.Contains(ct.Statuses, "validatedContact"))
}

func submitFRED(ctx context.Context, c *epp.Client, ct epp.Contact) (registrars.Status, error) {
	ref := "contact:" + ct.ID
	shown := fredShown(ct)
	if len(shown) == 0 {
		return fredOutcome(ref, ct, nil), nil
	}
	// Disclosure_Examples.rst, contact:update with flag="0": everything
	// adjustable is hidden at once (1000), or 2304 while the address may
	// not be hidden.
	_, err := c.ContactUpdateDisclose(ctx, ct.ID, false, shown, nil)
	switch {
	case epp.Code(err) == epp.CodeStatusProhibits && !slices.Equal(shown, []string{epp.DiscloseAddr}):
		// Then list what stays shown: the address alone; phone, fax,
		// e-mail and the rest are hidden (1000).
		if _, err := c.ContactUpdateDisclose(ctx, ct.ID, true, []string{epp.DiscloseAddr}, nil); err != nil {
			return registrars.Status{}, err
		}
	case epp.Code(err) == epp.CodeStatusProhibits:
		// Only the address is shown, and it may not be hidden yet.
	case err != nil:
		return registrars.Status{}, err
	}
	after, err := c.ContactInfo(ctx, ct.ID)
	if err != nil {
		return registrars.Status{}, err
	}
	return fredOutcome(ref, after, shown), nil
}

// fredOutcome is the state of a FRED contact as far as the registry
// allows: completed, with the name (and organisation) public always, and
// the address while it may not be hidden.
func fredOutcome(ref string, ct epp.Contact, before []string) registrars.Status {
	after := fredShown(ct)
	public := withData(ct, append([]string{epp.DiscloseName, epp.DiscloseOrg}, after...))
	st := registrars.Status{State: registrars.Completed, Reference: ref, Public: publicItems(public)}
	var parts []string
	hidden := withData(ct, slices.DeleteFunc(slices.Clone(before), func(it string) bool { return slices.Contains(after, it) }))
	switch {
	case len(hidden) > 0:
		parts = append(parts, "hidden: "+strings.Join(itemNames(hidden), ", "))
	case len(before) == 0:
		parts = append(parts, "nothing more to hide")
	}
	keeps := "the registry keeps public: " + strings.Join(itemNames(public), ", ")
	switch {
	case slices.Contains(after, epp.DiscloseAddr) && ct.Org != "":
		keeps += " (an organisation's address always)"
	case slices.Contains(after, epp.DiscloseAddr) && !mayHideAddress(ct):
		keeps += " (the address until the contact is verified; the registry then hides it itself)"
	}
	st.Detail = strings.Join(append(parts, keeps), "; ")
	return st
}

// ---- both ----

// withData keeps the items the contact holds data for: a missing fax is
// neither shown nor hidden.
func withData(ct epp.Contact, items []string) []string {
	var out []string
	for _, it := range items {
		var has bool
		switch it {
		case epp.DiscloseName:
			has = ct.Name != ""
		case epp.DiscloseOrg:
			has = ct.Org != ""
		case epp.DiscloseAddr:
			has = len(ct.Street) > 0 || ct.City != "" || ct.PC != ""
		case epp.DiscloseVoice:
			has = ct.Voice != ""
		case epp.DiscloseFax:
			has = ct.Fax != ""
		case epp.DiscloseEmail:
			has = ct.Email != ""
		default:
			has = true // FRED's vat, ident and notify e-mail: not read here
		}
		if has && !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	return out
}

// itemOf maps EPP disclose items onto the registrars package's items.
var itemOf = map[string]string{
	epp.DiscloseName: registrars.ItemName, epp.DiscloseOrg: registrars.ItemOrganisation, epp.DiscloseAddr: registrars.ItemAddress,
	epp.DiscloseVoice: registrars.ItemPhone, epp.DiscloseFax: registrars.ItemFax, epp.DiscloseEmail: registrars.ItemEmail,
}

func publicItems(eppItems []string) []string {
	var out []string
	for _, it := range eppItems {
		if p, ok := itemOf[it]; ok {
			out = append(out, p)
		}
	}
	return out
}

func itemName(it string) string {
	switch it {
	case epp.DiscloseVAT:
		return "VAT number"
	case epp.DiscloseIdent:
		return "identity document"
	case epp.DiscloseNotifyEmail:
		return "notify e-mail"
	case epp.DiscloseEmail:
		return "e-mail"
	}
	return itemOf[it]
}

func itemNames(its []string) []string {
	out := make([]string, len(its))
	for i, it := range its {
		out[i] = itemName(it)
	}
	return out
}

// Status reads the registrar's poll queue while its head is about this
// request's contact or domain (acknowledging those messages), then the
// contact: done as far as the registry allows, or still waiting for an
// RFC 5733 registry that answered 1001.
func (a *Adapter) Status(ctx context.Context, r registrars.Request, reference string) (registrars.Status, error) {
	id, ok := strings.CutPrefix(reference, "contact:")
	if !ok || id == "" {
		return registrars.Status{}, registrars.Errorf(a.cfg.Name, registrars.KindConfig, "", "reference %q is not a contact", reference)
	}
	var st registrars.Status
	err := a.session(ctx, func(c *epp.Client) error {
		q, err := readQueue(ctx, c, id, r.Domain.Name)
		if err != nil {
			return err
		}
		ct, err := c.ContactInfo(ctx, id)
		if err != nil {
			return err
		}
		if c.Dialect() == epp.DialectFRED {
			st = fredOutcome(reference, ct, nil)
		} else {
			st = ietfStatus(reference, ct, withData(ct, ietfShown(c.Greeting(), ct)), len(q.ours) > 0)
		}
		if len(q.ours) > 0 {
			st.Detail += " (registry: " + strings.Join(q.ours, "; ") + ")"
		}
		if q.left > 0 {
			st.Detail += fmt.Sprintf(" (%d message(s) in the registry's queue, the first not about this request, left there)", q.left)
		}
		return nil
	})
	return st, err
}

// ietfStatus judges an RFC 5733 contact after a 1001: done when nothing
// is shown, or when the registry has said in a poll message that it
// decided (RFC 5733 section 3.3: <contact:panData>).
func ietfStatus(ref string, ct epp.Contact, still []string, decided bool) registrars.Status {
	names := strings.Join(itemNames(still), ", ")
	switch {
	case len(still) == 0:
		return registrars.Status{State: registrars.Completed, Reference: ref, Detail: "the registry has hidden everything"}
	case !decided:
		return registrars.Status{State: registrars.Pending, Reference: ref, Detail: "waiting for the registry to decide on: " + names}
	case len(still) == len(withData(ct, ietfItems)):
		return registrars.Status{State: registrars.Rejected, Reference: ref, Detail: "the registry would hide none of: " + names}
	}
	return registrars.Status{State: registrars.Completed, Reference: ref, Public: publicItems(still),
		Detail: "the registry keeps public: " + names}
}

// maxMessages bounds one reading of the queue.
const maxMessages = 20

// queueReading is what reading the poll queue found.
type queueReading struct {
	ours []string // what our messages said, without personal data
	left int      // messages left in the queue, from the first not ours
}

// readQueue reads the poll queue from its head while the message there
// names this request's contact or domain, acknowledging each (once: an
// acknowledged message is gone). The queue belongs to the whole registrar
// account — transfers, credit, expiry notices (fred-docs,
// Poll_MessageTypes.rst) — and EPP shows only its head (RFC 5730 section
// 2.9.2.3): at the first message about anything else it stops, and leaves
// that message and those behind it for whoever they concern.
func readQueue(ctx context.Context, c *epp.Client, contact, domain string) (queueReading, error) {
	var q queueReading
	for range maxMessages {
		m, err := c.Poll(ctx)
		if err != nil || m == nil {
			return q, err
		}
		if !m.About([]string{contact}, []string{domain}) {
			q.left = m.Count
			return q, nil
		}
		q.ours = append(q.ours, describeMessage(m))
		if _, err := c.PollAck(ctx, m.ID); err != nil {
			return q, err
		}
	}
	return q, nil
}

// describeMessage names a message by its kind, and its text where it has
// one (the registry's own words, cut short); never its data, which holds
// the contact's.
func describeMessage(m *epp.Message) string {
	var kinds []string
	for _, d := range m.Data {
		kinds = append(kinds, d.Name.Local)
	}
	s := strings.Join(kinds, ", ")
	if t := strings.TrimSpace(m.Text); t != "" && len(kinds) == 0 {
		if len(t) > 80 {
			t = t[:80] + "…"
		}
		s = t
	}
	if s == "" {
		s = "message " + m.ID
	}
	return s
}

// Cancel is not possible: the registry carries changes out at once.
func (a *Adapter) Cancel(context.Context, registrars.Request, string) error {
	return registrars.Errorf(a.cfg.Name, registrars.KindRejected, "", "changes at the registry are carried out at once and cannot be withdrawn")
}

var _ registrars.Adapter = (*Adapter)(nil)
