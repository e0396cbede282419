package model

import "time"

// Mail kinds.
const (
	MailApproval = "approval" // the quote and the approval link
	MailReminder = "reminder" // the same, a few days before the link expires
	MailDigest   = "digest"   // the staff digest
	MailStaff    = "staff"    // an alert for staff
	MailParty    = "party"    // a letter to a registry or registrar (SIDN's opt-out)
)

// OutboxMessage is a mail written in the same transaction as the change it
// tells about, and sent afterwards by a job. Its bodies are personal data:
// they are kept only as long as the retention policy says.
type OutboxMessage struct {
	ID         int64
	CreatedAt  time.Time
	Kind       string
	RequestID  int64 // 0 when about no request
	CustomerID int64 // 0 when to staff
	To         string
	Subject    string
	Text       string
	HTML       string
	MessageID  string // the Message-ID header, without <>
	SentAt     time.Time
	Attempts   int
	LastError  string
}

// Task is work for staff where a party has no API: what to do, and when it
// was done and by whom.
type Task struct {
	ID          int64
	RequestID   int64
	Domain      string
	Registrar   string
	Title       string
	Steps       string
	CreatedAt   time.Time
	DoneAt      time.Time
	DoneBy      string
	Note        string
	CancelledAt time.Time
}

// Open reports whether the task still waits for staff.
func (t Task) Open() bool { return t.DoneAt.IsZero() && t.CancelledAt.IsZero() }
