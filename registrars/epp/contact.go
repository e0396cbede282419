package epp

import (
	"context"
	"fmt"
	"slices"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// Disclose items. RFC 5733 knows name, org, addr, voice, fax and email;
// FRED knows addr, voice, fax, email, vat, ident and notifyEmail (its name
// and organisation are always public).
const (
	DiscloseName        = "name"
	DiscloseOrg         = "org"
	DiscloseAddr        = "addr"
	DiscloseVoice       = "voice"
	DiscloseFax         = "fax"
	DiscloseEmail       = "email"
	DiscloseVAT         = "vat"
	DiscloseIdent       = "ident"
	DiscloseNotifyEmail = "notifyEmail"
)

// The order of disclose items in each schema's sequence.
var (
	ietfDiscloseOrder = []string{DiscloseName, DiscloseOrg, DiscloseAddr, DiscloseVoice, DiscloseFax, DiscloseEmail}
	fredDiscloseOrder = []string{DiscloseAddr, DiscloseVoice, DiscloseFax, DiscloseEmail, DiscloseVAT, DiscloseIdent, DiscloseNotifyEmail}
)

// Contact is a contact object: what <contact:info> reports, and what
// ContactCreate sends.
type Contact struct {
	ID       string
	ROID     string
	Statuses []string
	Name     string
	Org      string
	Street   []string // at most three lines
	City     string
	SP       string // state or province
	PC       string // postal code
	CC       string // ISO 3166 alpha-2 country code
	Voice    string // +CC.NUMBER
	Fax      string
	Email    string
	Sponsor  string // the sponsoring registrar's client ID
	// PostalTypes are the forms of postal info the contact holds, "int",
	// "loc" or both, in that order (RFC 5733 section 2.3: one or two
	// <contact:postalInfo> elements, internationalised and localised).
	// The name, organisation and address fields above are the localised
	// form where there is one. Empty at FRED, whose postal info has no
	// type.
	PostalTypes []string
	// Disclose is the disclosure preference as the server reports it; nil
	// when it reports none.
	Disclose *Disclosure
	// LegalForm and LegalFormRegNo travel in SIDN's extension
	// (LegalFormPerson for a natural person).
	LegalForm      string
	LegalFormRegNo string
	// AuthInfo is the contact's transfer password on create; empty sends
	// an empty password where the schema demands one (SIDN refuses
	// contact passwords).
	AuthInfo string
}

// Disclosure is a <contact:disclose> element.
type Disclosure struct {
	// Flag true: the items are published; false: they are withheld. FRED
	// reports flag="1" with the items it shows.
	Flag bool
	// Items in schema order, each once. RFC 5733's postal items (name,
	// org, addr) are listed here whatever their type; Types says which.
	Items []string
	// Types maps RFC 5733's name, org and addr to the postal info types
	// ("int", "loc") they were listed with.
	Types map[string][]string
}

// Has reports whether the item is listed.
func (d *Disclosure) Has(item string) bool { return d != nil && slices.Contains(d.Items, item) }

// HasType reports whether an RFC 5733 postal item (name, org, addr) is
// listed with the postal info type ("int" or "loc").
func (d *Disclosure) HasType(item, postalType string) bool {
	return d != nil && slices.Contains(d.Types[item], postalType)
}

// The postal info types of RFC 5733 section 2.3, in the order the client
// sends them.
const (
	PostalInt = "int"
	PostalLoc = "loc"
)

func (c *Client) contactElem(local string, kids ...*xmltree.Node) (*xmltree.Node, error) {
	if c.contactNS == "" {
		return nil, fmt.Errorf("%w: server offers no contact service", ErrInvalid)
	}
	return xmltree.E("contact:"+local, kids...).Attr("xmlns:contact", c.contactNS), nil
}

// ContactInfo asks for a contact's data, its disclosure preference and, at
// SIDN, its legal form.
func (c *Client) ContactInfo(ctx context.Context, id string) (Contact, error) {
	if id == "" {
		return Contact{}, fmt.Errorf("%w: empty contact id", ErrInvalid)
	}
	body, err := c.contactElem("info", xmltree.T("contact:id", id))
	if err != nil {
		return Contact{}, err
	}
	resp, err := c.command(ctx, "contact:info", xmltree.E("info", body), nil)
	if err != nil {
		return Contact{}, err
	}
	ns := c.contactNS
	inf := resp.ResData.Child(ns, "infData")
	if inf == nil {
		c.fail(ErrProtocol)
		return Contact{}, fmt.Errorf("%w: contact:info answer has no infData", ErrProtocol)
	}
	ct := Contact{
		ID:      inf.Child(ns, "id").Value(),
		ROID:    inf.Child(ns, "roid").Value(),
		Voice:   inf.Child(ns, "voice").Value(),
		Fax:     inf.Child(ns, "fax").Value(),
		Email:   inf.Child(ns, "email").Value(),
		Sponsor: inf.Child(ns, "clID").Value(),
	}
	for _, s := range inf.All(ns, "status") {
		ct.Statuses = append(ct.Statuses, attr(s, "s"))
	}
	// RFC 5733 allows an "int" and a "loc" form; both count for
	// disclosure, the local one is reported.
	infos := inf.All(ns, "postalInfo")
	var pi *xmltree.Element
	for _, p := range infos {
		if pi == nil || attr(p, "type") == PostalLoc {
			pi = p
		}
	}
	for _, t := range []string{PostalInt, PostalLoc} {
		if slices.ContainsFunc(infos, func(p *xmltree.Element) bool { return attr(p, "type") == t }) {
			ct.PostalTypes = append(ct.PostalTypes, t)
		}
	}
	if pi != nil {
		ct.Name = pi.Child(ns, "name").Value()
		ct.Org = pi.Child(ns, "org").Value()
		addr := pi.Child(ns, "addr")
		for _, s := range addr.All(ns, "street") {
			ct.Street = append(ct.Street, s.Value())
		}
		ct.City = addr.Child(ns, "city").Value()
		ct.SP = addr.Child(ns, "sp").Value()
		ct.PC = addr.Child(ns, "pc").Value()
		ct.CC = addr.Child(ns, "cc").Value()
	}
	if d := inf.Child(ns, "disclose"); d != nil {
		flag, ok := parseBool(attr(d, "flag"))
		if !ok {
			c.fail(ErrProtocol)
			return Contact{}, fmt.Errorf("%w: disclose flag %q", ErrProtocol, attr(d, "flag"))
		}
		ct.Disclose = &Disclosure{Flag: flag, Types: map[string][]string{}}
		for _, it := range d.Children {
			name := it.Name.Local
			if !slices.Contains(ct.Disclose.Items, name) {
				ct.Disclose.Items = append(ct.Disclose.Items, name)
			}
			if t := attr(it, "type"); t != "" && !slices.Contains(ct.Disclose.Types[name], t) {
				ct.Disclose.Types[name] = append(ct.Disclose.Types[name], t)
			}
		}
	}
	ct.LegalForm, ct.LegalFormRegNo = sidnLegalForm(resp.Extension)
	return ct, nil
}

// ContactUpdateDisclose sets the disclosure preference: flag false withholds
// the items, true publishes them.
//
// RFC 5733's name, org and addr are sent once for each postal info type in
// postalTypes: a contact that holds "int" and "loc" postal info needs both,
// or the form left out keeps its own preference (RFC 5733 section 2.9, the
// intLocType of contact-1.0.xsd's discloseType). Take them from
// ContactInfo's PostalTypes; a request naming those items without a type
// is refused before sending. FRED's items have no type: postalTypes stays
// empty there.
//
// FRED reads flag="1" as the list of what stays shown and hides the rest;
// a flag="0" update hides everything adjustable, or is refused with 2304
// while the address may not be hidden (fred-docs, Disclosure_Examples.rst,
// contact:update).
func (c *Client) ContactUpdateDisclose(ctx context.Context, id string, flag bool, items, postalTypes []string) (Result, error) {
	if id == "" {
		return Result{}, fmt.Errorf("%w: empty contact id", ErrInvalid)
	}
	d, err := c.discloseNode(flag, items, postalTypes)
	if err != nil {
		return Result{}, err
	}
	body, err := c.contactElem("update", xmltree.T("contact:id", id), xmltree.E("contact:chg", d))
	if err != nil {
		return Result{}, err
	}
	resp, err := c.command(ctx, "contact:update", xmltree.E("update", body), nil)
	if err != nil {
		return Result{}, err
	}
	return resp.Result, nil
}

func (c *Client) discloseNode(flag bool, items, postalTypes []string) (*xmltree.Node, error) {
	order := ietfDiscloseOrder
	if c.dialect == DialectFRED {
		order = fredDiscloseOrder
	}
	typed := false
	for _, it := range items {
		if !slices.Contains(order, it) {
			return nil, fmt.Errorf("%w: disclose item %q does not exist in the %s contact mapping", ErrInvalid, it, c.dialect)
		}
		typed = typed || c.dialect == DialectIETF && postalItem(it)
	}
	var types []string
	for _, t := range []string{PostalInt, PostalLoc} {
		if slices.Contains(postalTypes, t) {
			types = append(types, t)
		}
	}
	switch {
	case len(types) != len(postalTypes): // an unknown type, or one twice
		return nil, fmt.Errorf("%w: postal info types %q: each of int and loc at most once", ErrInvalid, postalTypes)
	case c.dialect == DialectFRED && len(types) > 0:
		return nil, fmt.Errorf("%w: FRED's postal info has no type", ErrInvalid)
	case typed && len(types) == 0:
		return nil, fmt.Errorf("%w: name, org and addr need the contact's postal info types (int, loc)", ErrInvalid)
	}
	f := "0"
	if flag {
		f = "1"
	}
	d := xmltree.E("contact:disclose").Attr("flag", f)
	for _, it := range order {
		if !slices.Contains(items, it) {
			continue
		}
		if c.dialect == DialectIETF && postalItem(it) {
			for _, t := range types {
				d.Add(xmltree.E("contact:"+it).Attr("type", t))
			}
			continue
		}
		d.Add(xmltree.E("contact:" + it))
	}
	return d, nil
}

// postalItem reports RFC 5733's disclose items that carry a postal info
// type.
func postalItem(item string) bool {
	return item == DiscloseName || item == DiscloseOrg || item == DiscloseAddr
}

// ContactCreate creates a contact and returns, in Result.ID, the id the
// server gave it: use that one, not ct.ID. SIDN assigns its own handles
// (form ABC123456-ABCDE) and ignores the id sent (REGISTRIES.md, SIDN;
// Net::DRI's SIDN contact profile: "we can not choose the ID"). At SIDN,
// LegalForm is sent in SIDN's extension.
func (c *Client) ContactCreate(ctx context.Context, ct Contact) (Result, error) {
	switch {
	case ct.ID == "" || ct.Name == "" || ct.City == "" || ct.CC == "" || ct.Email == "":
		return Result{}, fmt.Errorf("%w: a new contact needs id, name, city, country code and e-mail", ErrInvalid)
	case len(ct.Street) > 3:
		return Result{}, fmt.Errorf("%w: at most three street lines", ErrInvalid)
	case c.dialect == DialectFRED && (len(ct.Street) == 0 || ct.PC == ""):
		return Result{}, fmt.Errorf("%w: FRED requires a street and a postal code", ErrInvalid)
	}
	var ext *xmltree.Node
	if ct.LegalForm != "" || ct.LegalFormRegNo != "" {
		if !c.HasExtension(NSSIDN) {
			return Result{}, fmt.Errorf("%w: legal form needs SIDN's extension, which this server does not offer", ErrInvalid)
		}
		ext = sidnContactExt("create", ct.LegalForm, ct.LegalFormRegNo)
	}
	addr := xmltree.E("contact:addr")
	for _, s := range ct.Street {
		addr.Add(xmltree.T("contact:street", s))
	}
	addr.Add(xmltree.T("contact:city", ct.City), opt("contact:sp", ct.SP), opt("contact:pc", ct.PC), xmltree.T("contact:cc", ct.CC))
	pi := xmltree.E("contact:postalInfo", xmltree.T("contact:name", ct.Name), opt("contact:org", ct.Org), addr)
	var auth *xmltree.Node
	if c.dialect == DialectFRED {
		// FRED: a plain, optional password; the registry makes one up.
		auth = opt("contact:authInfo", ct.AuthInfo)
	} else {
		pi.Attr("type", "loc")
		auth = xmltree.E("contact:authInfo", xmltree.T("contact:pw", ct.AuthInfo))
	}
	body, err := c.contactElem("create",
		xmltree.T("contact:id", ct.ID), pi,
		opt("contact:voice", ct.Voice), opt("contact:fax", ct.Fax),
		xmltree.T("contact:email", ct.Email), auth)
	if err != nil {
		return Result{}, err
	}
	resp, err := c.command(ctx, "contact:create", xmltree.E("create", body), ext)
	if err != nil {
		return Result{}, err
	}
	// RFC 5733 section 3.2.1: a successful create answers <contact:creData>
	// with the contact's id.
	res := resp.Result
	if res.ID = resp.ResData.Path(c.contactNS, "creData", "id").Value(); res.ID == "" {
		return res, fmt.Errorf("%w: contact:create answer names no contact id (creData)", ErrProtocol)
	}
	return res, nil
}

// ContactUpdateLegalForm records a contact's legal form through SIDN's
// extension (LegalFormPerson for a natural person); regNo may be empty.
func (c *Client) ContactUpdateLegalForm(ctx context.Context, id, legalForm, regNo string) (Result, error) {
	if id == "" || legalForm == "" {
		return Result{}, fmt.Errorf("%w: contact id and legal form are required", ErrInvalid)
	}
	if !c.HasExtension(NSSIDN) {
		return Result{}, fmt.Errorf("%w: legal form needs SIDN's extension, which this server does not offer", ErrInvalid)
	}
	// RFC 5733 section 3.2.5: add, rem and chg may all be left out when
	// the command is extended.
	body, err := c.contactElem("update", xmltree.T("contact:id", id))
	if err != nil {
		return Result{}, err
	}
	resp, err := c.command(ctx, "contact:update", xmltree.E("update", body), sidnContactExt("update", legalForm, regNo))
	if err != nil {
		return Result{}, err
	}
	return resp.Result, nil
}

func opt(name, value string) *xmltree.Node {
	if value == "" {
		return nil
	}
	return xmltree.T(name, value)
}

func parseBool(s string) (bool, bool) {
	switch s {
	case "1", "true":
		return true, true
	case "0", "false":
		return false, true
	}
	return false, false
}
