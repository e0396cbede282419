package epptest

import (
	"time"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// The poll messages a registrar's queue holds besides those about its own
// requests, as the parties' documents show them: data for QueueMessage.
// The queue is the whole registrar account's, so an adapter must leave
// these where they are.

// NSFRED is FRED's namespace for messages about the registrar's account
// (fred-1.5.0.xsd).
const NSFRED = "http://www.nic.cz/xml/epp/fred-1.5"

// Texts RFC 5730 section 2.9.2.3 and RFC 5733 section 3.3 give their
// messages.
const (
	TextTransferRequested   = "Transfer requested."
	TextPendingActionResult = "Pending action completed successfully."
)

// FREDLowCredit is FRED's notice that the registrar's credit for a zone
// has dropped below its limit: <fred:lowCreditData> (fred-docs,
// Poll_MessageTypes.rst, "Low credit"). Amounts as "5000.00".
func FREDLowCredit(zone, limit, credit string) string {
	return xmltree.E("fred:lowCreditData",
		xmltree.T("fred:zone", zone),
		xmltree.E("fred:limit", xmltree.T("fred:zone", zone), xmltree.T("fred:credit", limit)),
		xmltree.E("fred:credit", xmltree.T("fred:zone", zone), xmltree.T("fred:credit", credit)),
	).Attr("xmlns:fred", NSFRED).String()
}

// FREDDomainTransfer is FRED's notice that a domain has been transferred to
// another registrar: <domain:trnData> (Poll_MessageTypes.rst, "Object
// transfer").
func FREDDomainTransfer(domain, newRegistrar string, on time.Time) string {
	return xmltree.E("domain:trnData",
		xmltree.T("domain:name", domain),
		xmltree.T("domain:trDate", on.UTC().Format(time.DateOnly)),
		xmltree.T("domain:clID", newRegistrar),
	).Attr("xmlns:domain", NSFREDDomain).String()
}

// FREDImpendingExpiry is FRED's notice that a domain is about to expire:
// <domain:impendingExpData> (Poll_MessageTypes.rst, "Domain expiration").
func FREDImpendingExpiry(domain string, exDate time.Time) string {
	return xmltree.E("domain:impendingExpData",
		xmltree.T("domain:name", domain),
		xmltree.T("domain:exDate", exDate.UTC().Format(time.DateOnly)),
	).Attr("xmlns:domain", NSFREDDomain).String()
}

// IETFDomainTransfer is RFC 5731's <domain:trnData> for a transfer of one
// of the registrar's domains that another registrar requested, as RFC 5730
// section 2.9.2.3 shows it in a poll response (queue it with
// TextTransferRequested).
func IETFDomainTransfer(domain, requester, sponsor string, at time.Time) string {
	return xmltree.E("domain:trnData",
		xmltree.T("domain:name", domain),
		xmltree.T("domain:trStatus", "pending"),
		xmltree.T("domain:reID", requester),
		xmltree.T("domain:reDate", at.UTC().Format(time.RFC3339)),
		xmltree.T("domain:acID", sponsor),
		xmltree.T("domain:acDate", at.Add(5*24*time.Hour).UTC().Format(time.RFC3339)),
	).Attr("xmlns:domain", nsDomain).String()
}

// IETFContactActionDone is RFC 5733's <contact:panData>: the server has
// carried out (ok) or refused an action on the contact it had answered
// 1001 to (RFC 5733 section 3.3; queue it with TextPendingActionResult).
func IETFContactActionDone(id string, ok bool, svTRID string, at time.Time) string {
	result := "0"
	if ok {
		result = "1"
	}
	return xmltree.E("contact:panData",
		xmltree.T("contact:id", id).Attr("paResult", result),
		xmltree.E("contact:paTRID", xmltree.T("epp:svTRID", svTRID).Attr("xmlns:epp", nsEPP)),
		xmltree.T("contact:paDate", at.UTC().Format(time.RFC3339)),
	).Attr("xmlns:contact", nsContact).String()
}
