package openprovider

import "encoding/json"

// The JSON that travels to and from Openprovider's REST API (v1beta). Every
// answer shares one envelope: a numeric code (0 is success), a description,
// the data, and a maintenance flag. On success data is an object; on failure
// it may be a string, so the envelope keeps it raw until the code is known.

// envelope is the shared answer.
type envelope struct {
	Code        int             `json:"code"`
	Desc        string          `json:"desc"`
	Data        json.RawMessage `json:"data,omitempty"`
	Maintenance bool            `json:"maintenance,omitempty"`
	Warnings    []warning       `json:"warnings,omitempty"`
}

// warning is a non-fatal remark in an envelope.
type warning struct {
	Code int    `json:"code"`
	Desc string `json:"desc"`
	Data string `json:"data,omitempty"`
}

// loginRequest is the body of POST /auth/login.
type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// IP is the address the token is bound to; "0.0.0.0" means any.
	IP string `json:"ip,omitempty"`
}

// loginData is the data of a successful login.
type loginData struct {
	Token      string `json:"token"`
	ResellerID int64  `json:"reseller_id,omitempty"`
}

// DomainName is a domain as Openprovider splits it: the name without its
// extension, and the extension ("example" and "co.uk").
type DomainName struct {
	Name      string `json:"name"`
	Extension string `json:"extension"`
}

// Domain is what afscherm reads of an Openprovider domain. The owner's
// name and handles are in Openprovider's answer too, but deliberately not
// decoded: afscherm has no use for them here.
type Domain struct {
	ID     int64      `json:"id"`
	Domain DomainName `json:"domain"`
	// Status is Openprovider's domain status, e.g. "ACT" (active), "REQ"
	// (requested), "PRE" (pre-registration).
	Status string `json:"status,omitempty"`
	// PrivateWhoisEnabled says whether WHOIS privacy protection is on.
	PrivateWhoisEnabled bool `json:"is_private_whois_enabled"`
	// PrivateWhoisAllowed says whether it may be switched on; nil when the
	// answer did not say.
	PrivateWhoisAllowed *bool             `json:"is_private_whois_allowed,omitempty"`
	WhoisPrivacy        *WhoisPrivacyData `json:"whois_privacy_data,omitempty"`
}

// WhoisPrivacyData is the privacy service's own record on a domain.
type WhoisPrivacyData struct {
	ExpirationDate string `json:"expiration_date,omitempty"`
}

// FullName is the domain's name with its extension.
func (d Domain) FullName() string { return d.Domain.Name + "." + d.Domain.Extension }

// listDomainsData is the data of GET /domains.
type listDomainsData struct {
	Results []Domain `json:"results"`
	Total   int      `json:"total"`
}

// updateDomainRequest is the body of PUT /domains/{id}; only the flag
// afscherm changes is sent, so nothing else about the domain is touched.
type updateDomainRequest struct {
	PrivateWhoisEnabled bool `json:"is_private_whois_enabled"`
}

// updateDomainData is the data of a successful PUT /domains/{id}.
type updateDomainData struct {
	ID     int64  `json:"id"`
	Status string `json:"status,omitempty"`
}
