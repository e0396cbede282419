package epptest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// Contact is a contact as the registry holds it.
type Contact struct {
	ID     string
	Name   string
	Org    string
	Street []string
	City   string
	SP     string
	PC     string
	CC     string
	Voice  string
	Fax    string
	Email  string
	// Registrar sponsors the contact; empty when seeding means the only
	// registrar.
	Registrar string
	// PostalTypes are the forms of postal info an RFC 5733 contact holds:
	// "int", "loc" or both (RFC 5733 section 2.3). The fake keeps one set
	// of postal data and reports it in each form, but keeps each form's
	// disclosure apart. When seeding, nil means "loc" only. FRED's postal
	// info has no type: nil there.
	PostalTypes []string
	// Hidden are the disclose items withheld from the public: "voice",
	// "fax", "email"; at an RFC 5733 registry the postal items per form,
	// "name:int", "name:loc", "org:int", "org:loc", "addr:int",
	// "addr:loc"; at FRED "addr", "vat", "ident" and "notifyEmail" too.
	// When seeding, an untyped "name", "org" or "addr" means every form
	// the contact holds; nil means the dialect's default (FRED: all but
	// addr; others: none) and an empty slice means none.
	Hidden []string
	// LegalForm and LegalFormRegNo are SIDN's extension data.
	LegalForm      string
	LegalFormRegNo string
	// Verified is FRED's identifiedContact status: only then may a
	// natural person's address be hidden. Seed it, or call Verify to have
	// the registry act on it as FRED does.
	Verified bool
}

// Public reports whether the item is shown to the public: "name", "org"
// and "addr" in any form the contact holds (or in the form given, as
// "addr:int"). FRED shows name and organisation always.
func (c Contact) Public(item string) bool {
	if slices.Contains(c.Hidden, item) {
		return false
	}
	if !postalItem(item) {
		return true
	}
	for _, t := range c.postalTypes() {
		if !slices.Contains(c.Hidden, item+":"+t) {
			return true
		}
	}
	return false
}

// postalItem reports RFC 5733's disclose items that carry a postal info
// type.
func postalItem(item string) bool { return item == "name" || item == "org" || item == "addr" }

// postalTypes are the forms the contact's postal info is held in: "loc"
// when none is set.
func (c Contact) postalTypes() []string {
	if len(c.PostalTypes) == 0 {
		return []string{"loc"}
	}
	return c.PostalTypes
}

// Domain is a domain as the registry holds it.
type Domain struct {
	Name       string
	Registrant string
	// Contacts maps "admin", "tech" and "billing" to contact ids (FRED
	// shows only admin).
	Contacts map[string][]string
	// Registrar sponsors the domain; empty when seeding means the only
	// registrar.
	Registrar string
	Statuses  []string
}

// Call is one frame the server received.
type Call struct {
	Registrar string // logged-in client ID; empty before login
	// Command is "hello", "login", "logout", "poll:req", "poll:ack",
	// "contact:info", "contact:create", "contact:update", "domain:info",
	// "domain:update", another object command, or "" for a frame that is
	// not a readable command.
	Command string
	Object  string // contact id, domain name or message id
	ClTRID  string
	Code    int   // result code answered; 0 for hello
	Fault   Fault // the staged fault that replaced the answer
}

// Changed reports a transform command the server carried out (1000 or
// 1001): tests count these to check that a repeat acts no second time.
func (c Call) Changed() bool {
	return (c.Code == 1000 || c.Code == 1001) &&
		(strings.HasSuffix(c.Command, ":update") || strings.HasSuffix(c.Command, ":create"))
}

type contactRec struct {
	Contact
	roid    string
	created time.Time
	updated time.Time
	hidden  map[string]bool
}

type domainRec struct {
	Domain
	roid    string
	created time.Time
}

type message struct {
	id   string
	date time.Time
	text string
	// resData is placed in <resData>; inMsg inside <msg>, as FRED does.
	resData *xmltree.Node
	inMsg   *xmltree.Node
}

func (s *Server) soleRegistrar() (string, error) {
	if len(s.registrars) != 1 {
		return "", errors.New("epptest: more than one registrar, name one")
	}
	for id := range s.registrars {
		return id, nil
	}
	return "", nil
}

// AddRegistrar lets another registrar log in.
func (s *Server) AddRegistrar(clientID, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registrars[clientID] = password
}

// AddContact seeds a contact.
func (s *Server) AddContact(c Contact) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		return errors.New("epptest: contact without id")
	}
	if _, ok := s.contacts[c.ID]; ok {
		return fmt.Errorf("epptest: contact %s exists", c.ID)
	}
	if c.Registrar == "" {
		r, err := s.soleRegistrar()
		if err != nil {
			return err
		}
		c.Registrar = r
	}
	rec := &contactRec{Contact: c, hidden: map[string]bool{}}
	rec.Street = slices.Clone(c.Street)
	rec.PostalTypes = nil
	if s.opts.Dialect != FRED {
		for _, t := range []string{"int", "loc"} {
			if slices.Contains(c.PostalTypes, t) {
				rec.PostalTypes = append(rec.PostalTypes, t)
			}
		}
		if len(rec.PostalTypes) != len(c.PostalTypes) {
			return fmt.Errorf("epptest: contact %s: postal info types %q, want int, loc or both", c.ID, c.PostalTypes)
		}
		rec.PostalTypes = rec.postalTypes()
	}
	hidden := c.Hidden
	if hidden == nil {
		hidden = s.defaultHidden()
	}
	for _, h := range hidden {
		if s.opts.Dialect == RFC5733 && postalItem(h) {
			for _, t := range rec.PostalTypes {
				rec.hidden[h+":"+t] = true
			}
			continue
		}
		rec.hidden[h] = true
	}
	s.storeContactLocked(rec)
	return nil
}

func (s *Server) storeContactLocked(rec *contactRec) {
	s.seq++
	rec.roid = fmt.Sprintf("C%d-EPPTEST", s.seq)
	rec.created = time.Now().UTC()
	s.contacts[rec.ID] = rec
}

// defaultHidden is what a new contact withholds: FRED hides all but the
// address (contact-1.6 policy); the others show everything.
func (s *Server) defaultHidden() []string {
	if s.opts.Dialect == FRED {
		return []string{"voice", "fax", "email", "vat", "ident", "notifyEmail"}
	}
	return nil
}

// AddDomain seeds a domain; its contacts must exist.
func (s *Server) AddDomain(d Domain) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Name = strings.ToLower(d.Name)
	if d.Name == "" {
		return errors.New("epptest: domain without name")
	}
	if _, ok := s.domains[d.Name]; ok {
		return fmt.Errorf("epptest: domain %s exists", d.Name)
	}
	if d.Registrar == "" {
		r, err := s.soleRegistrar()
		if err != nil {
			return err
		}
		d.Registrar = r
	}
	ids := []string{d.Registrant}
	cs := map[string][]string{}
	for t, l := range d.Contacts {
		cs[t] = slices.Clone(l)
		ids = append(ids, l...)
	}
	for _, id := range ids {
		if _, ok := s.contacts[id]; id != "" && !ok {
			return fmt.Errorf("epptest: domain %s: contact %s does not exist", d.Name, id)
		}
	}
	d.Contacts = cs
	d.Statuses = slices.Clone(d.Statuses)
	s.seq++
	s.domains[d.Name] = &domainRec{Domain: d, roid: fmt.Sprintf("D%d-EPPTEST", s.seq), created: time.Now().UTC()}
	return nil
}

// Contact returns a copy of the contact.
func (s *Server) Contact(id string) (Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.contacts[id]
	if !ok {
		return Contact{}, false
	}
	return rec.export(), true
}

func (rec *contactRec) export() Contact {
	c := rec.Contact
	c.Street = slices.Clone(rec.Street)
	c.PostalTypes = slices.Clone(rec.PostalTypes)
	c.Hidden = slices.Sorted(maps.Keys(rec.hidden))
	if c.Hidden == nil {
		c.Hidden = []string{}
	}
	return c
}

// Domain returns a copy of the domain.
func (s *Server) Domain(name string) (Domain, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.domains[strings.ToLower(name)]
	if !ok {
		return Domain{}, false
	}
	d := rec.Domain
	d.Contacts = map[string][]string{}
	for t, l := range rec.Contacts {
		d.Contacts[t] = slices.Clone(l)
	}
	d.Statuses = slices.Clone(rec.Statuses)
	return d, true
}

// DeleteContact removes a contact no domain links, as a registry does with
// a contact the registrar deletes (or SIDN with one left unused); a linked
// contact cannot go (RFC 5733 section 3.2.2).
func (s *Server) DeleteContact(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.contacts[id]; !ok {
		return fmt.Errorf("epptest: no contact %s", id)
	}
	if ds := s.domainsOfLocked(id); len(ds) > 0 {
		return fmt.Errorf("epptest: contact %s is linked to %v", id, ds)
	}
	delete(s.contacts, id)
	return nil
}

// DeleteDomain removes a domain, as when its holder cancels it.
func (s *Server) DeleteDomain(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	name = strings.ToLower(name)
	if _, ok := s.domains[name]; !ok {
		return fmt.Errorf("epptest: no domain %s", name)
	}
	delete(s.domains, name)
	return nil
}

// DomainsOf lists the domains that link the contact, sorted.
func (s *Server) DomainsOf(contactID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.domainsOfLocked(contactID)
}

func (s *Server) domainsOfLocked(id string) []string {
	var out []string
	for name, d := range s.domains {
		linked := d.Registrant == id
		for _, l := range d.Contacts {
			linked = linked || slices.Contains(l, id)
		}
		if linked {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Calls returns every frame received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// QueueMessage puts a message in the registrar's poll queue (QueueIDs
// gives its id). data, if not empty, must be well-formed XML elements with their
// namespaces declared (messages.go builds the documented kinds). An
// RFC 5733 registry sends the text in <msg> and the data in <resData>
// (RFC 5730 section 2.9.2.3); FRED sends the data inside <msg>, without
// text (fred-docs, Poll_MessageTypes.rst).
func (s *Server) QueueMessage(registrar, text, data string) error {
	var node *xmltree.Node
	if data != "" {
		if _, err := xmltree.ParseFragment(data); err != nil {
			return fmt.Errorf("epptest: message data: %w", err)
		}
		node = xmltree.Raw(data)
	}
	m := &message{text: text, resData: node}
	if s.opts.Dialect == FRED && node != nil {
		m = &message{inMsg: node}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queueLocked(registrar, m)
	return nil
}

func (s *Server) queueLocked(registrar string, m *message) {
	s.seq++
	m.id = fmt.Sprint(s.seq)
	m.date = time.Now().UTC()
	s.queues[registrar] = append(s.queues[registrar], m)
}

// QueueLen is the number of messages waiting for the registrar.
func (s *Server) QueueLen(registrar string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queues[registrar])
}

// QueueIDs are the ids of the messages waiting for the registrar, oldest
// first.
func (s *Server) QueueIDs(registrar string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := []string{}
	for _, m := range s.queues[registrar] {
		ids = append(ids, m.id)
	}
	return ids
}

// Verify gives a contact FRED's identifiedContact status, as CZ.NIC does
// once the holder is identified. For a natural person (no organisation)
// the registry then hides the address itself and tells the sponsoring
// registrar in a poll message, a contact:updateData with the data before
// and after (fred-docs, PoliciesRules.rst "Hiding address";
// Poll_MessageTypes.rst "Object update"). A repeated verification does
// the same again: the previous preference is overwritten.
func (s *Server) Verify(id string) error {
	s.mu.Lock()
	changed, err := s.verifyLocked(id)
	s.mu.Unlock()
	s.notify(changed)
	return err
}

func (s *Server) verifyLocked(id string) ([]string, error) {
	rec, ok := s.contacts[id]
	switch {
	case s.opts.Dialect != FRED:
		return nil, errors.New("epptest: only FRED verifies contacts")
	case !ok:
		return nil, fmt.Errorf("epptest: no contact %s", id)
	}
	rec.Verified = true
	if rec.Org != "" { // PoliciesRules.rst: natural persons only
		return nil, nil
	}
	old := s.contactInfData(rec)
	rec.hidden["addr"] = true
	rec.updated = time.Now().UTC()
	s.seq++
	upd := xmltree.E("contact:updateData",
		xmltree.T("contact:opTRID", fmt.Sprintf("ReqID-%010d", s.seq)),
		xmltree.E("contact:oldData", old),
		xmltree.E("contact:newData", s.contactInfData(rec)),
	).Attr("xmlns:contact", NSFREDContact)
	s.queueLocked(rec.Registrar, &message{inMsg: upd})
	return s.domainsOfLocked(id), nil
}

// Unverify takes FRED's identifiedContact status away: the registry shows
// a natural person's address again, and does not tell the registrar
// (PoliciesRules.rst, "Hiding address").
func (s *Server) Unverify(id string) error {
	s.mu.Lock()
	rec, ok := s.contacts[id]
	if !ok || s.opts.Dialect != FRED {
		s.mu.Unlock()
		return fmt.Errorf("epptest: no FRED contact %s", id)
	}
	rec.Verified = false
	var changed []string
	if rec.hidden["addr"] {
		delete(rec.hidden, "addr")
		rec.updated = time.Now().UTC()
		changed = s.domainsOfLocked(id)
	}
	s.mu.Unlock()
	s.notify(changed)
	return nil
}

func (s *Server) notify(domains []string) {
	if s.opts.OnChange == nil {
		return
	}
	for _, d := range domains {
		s.opts.OnChange(d)
	}
}
