package model

import "time"

// ActorKind says who caused an audited change.
type ActorKind string

// The kinds of actor.
const (
	ActorStaff    ActorKind = "staff"    // a staff member, by user name
	ActorCustomer ActorKind = "customer" // a customer, through their link
	ActorSystem   ActorKind = "system"   // afscherm itself: a job, an import, a command
)

// Actor is who caused a change. ID names a staff user or a customer number,
// or the part of the system that acted; it is never personal data.
type Actor struct {
	Kind ActorKind
	ID   string
}

// System returns the actor for a part of afscherm itself, such as "import".
func System(part string) Actor { return Actor{Kind: ActorSystem, ID: part} }

// AuditEvent records one change: who, when, what, from which state to which,
// and why. Details hold counts, field names and ids, never personal data.
type AuditEvent struct {
	ID          int64
	At          time.Time
	Actor       Actor
	Action      string // e.g. "customer.created", "import.completed"
	SubjectKind string // e.g. "customer", "domain", "import"
	SubjectID   string // a customer number, a domain name, a request id
	FromState   string
	ToState     string
	Reason      string
	Details     map[string]any
}
