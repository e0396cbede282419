package epp

import (
	"context"
	"fmt"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// Domain is what <domain:info> tells of a domain.
type Domain struct {
	Name       string
	ROID       string
	Statuses   []string
	Registrant string
	// Contacts maps a contact type ("admin", "tech", "billing") to contact
	// ids. FRED lists administrative contacts only.
	Contacts map[string][]string
	Sponsor  string // the sponsoring registrar's client ID
}

// DomainContact is a contact linked to a domain in a role.
type DomainContact struct {
	Type string // "admin", "tech" or "billing"
	ID   string
}

func (c *Client) domainElem(local string, kids ...*xmltree.Node) (*xmltree.Node, error) {
	if c.domainNS == "" {
		return nil, fmt.Errorf("%w: server offers no domain service", ErrInvalid)
	}
	return xmltree.E("domain:"+local, kids...).Attr("xmlns:domain", c.domainNS), nil
}

// DomainInfo asks for a domain's registrant, contacts and statuses.
func (c *Client) DomainInfo(ctx context.Context, name string) (Domain, error) {
	if name == "" {
		return Domain{}, fmt.Errorf("%w: empty domain name", ErrInvalid)
	}
	body, err := c.domainElem("info", xmltree.T("domain:name", name))
	if err != nil {
		return Domain{}, err
	}
	resp, err := c.command(ctx, "domain:info", xmltree.E("info", body), nil)
	if err != nil {
		return Domain{}, err
	}
	inf := resp.ResData.Child(c.domainNS, "infData")
	if inf == nil {
		c.fail(ErrProtocol)
		return Domain{}, fmt.Errorf("%w: domain:info answer has no infData", ErrProtocol)
	}
	ns := c.domainNS
	d := Domain{
		Name:       inf.Child(ns, "name").Value(),
		ROID:       inf.Child(ns, "roid").Value(),
		Registrant: inf.Child(ns, "registrant").Value(),
		Sponsor:    inf.Child(ns, "clID").Value(),
		Contacts:   map[string][]string{},
	}
	for _, s := range inf.All(ns, "status") {
		d.Statuses = append(d.Statuses, attr(s, "s"))
	}
	for _, ct := range inf.All(ns, "contact") { // RFC 5731
		t := attr(ct, "type")
		d.Contacts[t] = append(d.Contacts[t], ct.Value())
	}
	for _, a := range inf.All(ns, "admin") { // FRED
		d.Contacts["admin"] = append(d.Contacts["admin"], a.Value())
	}
	return d, nil
}

// DomainUpdateContacts adds and removes contact links in one command, so
// that an administrative contact can be replaced where the registry wants
// exactly one (SIDN). FRED links administrative contacts only.
func (c *Client) DomainUpdateContacts(ctx context.Context, domain string, add, rem []DomainContact) (Result, error) {
	if domain == "" || len(add)+len(rem) == 0 {
		return Result{}, fmt.Errorf("%w: domain update needs a name and a contact to add or remove", ErrInvalid)
	}
	list := func(tag string, cs []DomainContact) (*xmltree.Node, error) {
		if len(cs) == 0 {
			return nil, nil
		}
		n := xmltree.E("domain:" + tag)
		for _, ct := range cs {
			if ct.ID == "" {
				return nil, fmt.Errorf("%w: empty contact id", ErrInvalid)
			}
			switch {
			case c.dialect == DialectFRED && ct.Type == "admin":
				n.Add(xmltree.T("domain:admin", ct.ID))
			case c.dialect == DialectFRED:
				return nil, fmt.Errorf("%w: FRED links only admin contacts to a domain, not %q", ErrInvalid, ct.Type)
			case ct.Type == "admin" || ct.Type == "tech" || ct.Type == "billing":
				n.Add(xmltree.T("domain:contact", ct.ID).Attr("type", ct.Type))
			default:
				return nil, fmt.Errorf("%w: contact type %q", ErrInvalid, ct.Type)
			}
		}
		return n, nil
	}
	addN, err := list("add", add)
	if err != nil {
		return Result{}, err
	}
	remN, err := list("rem", rem)
	if err != nil {
		return Result{}, err
	}
	body, err := c.domainElem("update", xmltree.T("domain:name", domain), addN, remN)
	if err != nil {
		return Result{}, err
	}
	resp, err := c.command(ctx, "domain:update", xmltree.E("update", body), nil)
	if err != nil {
		return Result{}, err
	}
	return resp.Result, nil
}
