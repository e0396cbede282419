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
	// Hidden are the disclose items withheld from the public ("name",
	// "org", "addr", "voice", "fax", "email"; FRED also "vat", "ident",
	// "notifyEmail"). When seeding, nil means the dialect's default (FRED:
	// all but addr; others: none) and an empty slice means none.
	Hidden []string
	// LegalForm and LegalFormRegNo are SIDN's extension data.
	LegalForm      string
	LegalFormRegNo string
	// Verified is FRED's identifiedContact (or validatedContact) status:
	// only then may a natural person's address be hidden.
	Verified bool
	// AddrHidePending is set while FRED has accepted, but not yet carried
	// out, hiding the address.
	AddrHidePending bool
}

// Public reports whether the item is shown to the public. FRED shows name
// and organisation always.
func (c Contact) Public(item string) bool {
	return !slices.Contains(c.Hidden, item)
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
	hidden := c.Hidden
	if hidden == nil {
		hidden = s.defaultHidden()
	}
	for _, h := range hidden {
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

// Contact returns a copy of the contact, after any change that has fallen
// due.
func (s *Server) Contact(id string) (Contact, bool) {
	changed := s.settle()
	defer s.notify(changed)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.contacts[id]
	if !ok {
		return Contact{}, false
	}
	return rec.export(s.pending), true
}

func (rec *contactRec) export(pending map[string]time.Time) Contact {
	c := rec.Contact
	c.Street = slices.Clone(rec.Street)
	c.Hidden = slices.Sorted(maps.Keys(rec.hidden))
	if c.Hidden == nil {
		c.Hidden = []string{}
	}
	_, c.AddrHidePending = pending[rec.ID]
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

// QueueMessage puts a message in the registrar's poll queue; resData, if
// not empty, must be well-formed XML elements with their namespaces
// declared, and is sent in <resData>.
func (s *Server) QueueMessage(registrar, text, resData string) error {
	var data *xmltree.Node
	if resData != "" {
		if _, err := xmltree.ParseFragment(resData); err != nil {
			return fmt.Errorf("epptest: resData: %w", err)
		}
		data = xmltree.Raw(resData)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queueLocked(registrar, &message{text: text, resData: data})
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
	changed := s.settle()
	defer s.notify(changed)
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queues[registrar])
}

// CompletePending carries out every accepted but unfinished change now,
// as if its delay had passed.
func (s *Server) CompletePending() {
	s.mu.Lock()
	for id := range s.pending {
		s.pending[id] = time.Time{}
	}
	changed := s.applyDueLocked()
	s.mu.Unlock()
	s.notify(changed)
}

// settle applies what has fallen due and returns the domains to notify.
func (s *Server) settle() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applyDueLocked()
}

// applyDueLocked hides the addresses FRED has promised to hide, and tells
// each sponsor in a poll message (FRED's contact:updateData).
func (s *Server) applyDueLocked() []string {
	now := time.Now()
	var changed []string
	for _, id := range slices.Sorted(maps.Keys(s.pending)) {
		if s.pending[id].After(now) {
			continue
		}
		delete(s.pending, id)
		rec, ok := s.contacts[id]
		if !ok || rec.hidden["addr"] {
			continue
		}
		old := s.fredDiscloseNode(rec)
		rec.hidden["addr"] = true
		rec.updated = now.UTC()
		s.seq++
		op := fmt.Sprintf("EPPTEST-OP-%d", s.seq)
		inf := func(d *xmltree.Node) *xmltree.Node {
			return xmltree.E("contact:infData", xmltree.T("contact:id", rec.ID), xmltree.T("contact:roid", rec.roid), d)
		}
		upd := xmltree.E("contact:updateData",
			xmltree.T("contact:opTRID", op),
			xmltree.E("contact:oldData", inf(old)),
			xmltree.E("contact:newData", inf(s.fredDiscloseNode(rec))),
		).Attr("xmlns:contact", NSFREDContact)
		s.queueLocked(rec.Registrar, &message{inMsg: upd})
		changed = append(changed, s.domainsOfLocked(id)...)
	}
	return changed
}

func (s *Server) notify(domains []string) {
	if s.opts.OnChange == nil {
		return
	}
	for _, d := range domains {
		s.opts.OnChange(d)
	}
}

// scheduleLocked arranges for a pending change to be carried out on time
// even when no command comes.
func (s *Server) scheduleLocked(d time.Duration) {
	if d <= 0 || s.closed {
		return
	}
	t := time.AfterFunc(d, func() { s.notify(s.settle()) })
	s.timers = append(s.timers, t)
}
