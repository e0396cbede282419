package privacy

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/afscherm/afscherm/internal/store"
)

// Holding is what a column of the database holds, for the register and
// the policy: personal data under a kind of the policy, staff's own data,
// River's job queue, or nothing personal.
type Holding string

// The holdings that are not a Kind.
const (
	NotPersonal Holding = "not personal"
	StaffData   Holding = "staff"
	JobQueue    Holding = "jobs"
	AbuseData   Holding = "abuse"
)

// columns says, for every column of afscherm's tables, what it holds.
// "table.*" covers a whole table. A test walks the catalogue of both
// backends and fails on a column missing here, so that the register
// cannot drift from the schema.
var columns = map[string]Holding{
	"customers.*":  Holding(Customers),
	"customers.id": NotPersonal, "customers.kind": NotPersonal, "customers.language": NotPersonal,
	"customers.created_at": NotPersonal, "customers.updated_at": NotPersonal,
	"domains.*": Holding(Customers), "domains.id": NotPersonal, "domains.customer_id": NotPersonal,
	"domains.registrar": NotPersonal, "domains.added_on": NotPersonal, "domains.removed_on": NotPersonal,
	"domains.created_at": NotPersonal, "domains.updated_at": NotPersonal, "domains.last_scan_id": NotPersonal,
	"domains.last_verdict": NotPersonal, "domains.last_scanned_at": NotPersonal,
	"scan_results.*": NotPersonal, "scan_results.raw": Holding(RawResponses), "scan_results.fields": Holding(FieldValues),
	"scan_results.evidence": Holding(FieldValues), "scan_results.match": Holding(FieldValues),
	"scan_results.failure_detail": NotPersonal,
	"privacy_requests.*":          NotPersonal, "privacy_requests.quote_text": Holding(Customers),
	"privacy_requests.opt_out_reasons": Holding(Customers), "privacy_requests.reason": Holding(Customers),
	"privacy_requests.party_detail": NotPersonal,
	"approval_tokens.*":             NotPersonal,
	"consent_records.*":             Holding(Customers), "consent_records.client_hash": Holding(ClientHashes),
	"consent_records.user_agent": Holding(ClientHashes),
	"ledger_entries.*":           Holding(Customers),
	"outbox.*":                   NotPersonal, "outbox.to_address": Holding(MailBodies), "outbox.subject": Holding(MailBodies),
	"outbox.body_text": Holding(MailBodies), "outbox.body_html": Holding(MailBodies),
	"tasks.*":            Holding(Customers),
	"audit_events.*":     Holding(Customers),
	"digests.*":          Holding(Digests),
	"sign_in_failures.*": Holding(ClientHashes),
	"abuse_blocks.*":     AbuseData,
	"staff_users.*":      StaffData, "staff_sessions.*": StaffData, "staff_tokens.*": StaffData,
	"secrets.*": NotPersonal, "lookup_workers.*": NotPersonal, "scan_plan.*": NotPersonal, "schema_migrations.*": NotPersonal,
	"party_handles.*": NotPersonal, // the handles registries gave the company's own role contacts
	// The night's scans not queued yet: a queue in front of River's.
	"scan_plan_rest.*": JobQueue, "scan_plan_rest.position": NotPersonal, "scan_plan_rest.server": NotPersonal,
	"price_tables.*": NotPersonal, "price_tables.imported_by_id": StaffData, "price_table_rows.*": NotPersonal,
}

// HoldingOf says what a column holds; ok is false for a column the map
// does not know (River's tables are all JobQueue).
func HoldingOf(table, column string) (h Holding, ok bool) {
	if strings.HasPrefix(table, "river_") {
		return JobQueue, true
	}
	if h, ok := columns[table+"."+column]; ok {
		return h, true
	}
	h, ok = columns[table+".*"]
	return h, ok
}

// Register writes the register of processing (Markdown): per kind of
// personal data, what it is, why afscherm holds it, where, who can see
// it, and for how long — from the policy and the database's catalogue.
func (p Policy) Register(ctx context.Context, st *store.Store, w io.Writer) error {
	tables, err := st.Catalogue(ctx)
	if err != nil {
		return err
	}
	where := map[Holding][]string{}
	var unknown []string
	for _, t := range tables {
		for _, c := range t.Columns {
			h, ok := HoldingOf(t.Name, c.Name)
			if !ok {
				unknown = append(unknown, t.Name+"."+c.Name)
				continue
			}
			where[h] = append(where[h], t.Name+"."+c.Name)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("the register does not know what these columns hold: %s", strings.Join(unknown, ", "))
	}
	fmt.Fprintf(w, "# Register of processing (afscherm)\n\n")
	fmt.Fprintf(w, "Controller: the hosting company; afscherm processes on its behalf. Personal data goes to no one else,\n")
	fmt.Fprintf(w, "except a registrar or registry that carries out a customer's approved privacy request, and only the\n")
	fmt.Fprintf(w, "domain and what the request needs. Staff see the data in the console and the command line; the customer\n")
	fmt.Fprintf(w, "sees their quote on the approval page and everything on request (`afscherm subject export`).\n\n")
	for _, r := range p.rules {
		cols := where[Holding(r.Kind)]
		sort.Strings(cols)
		fmt.Fprintf(w, "## %s\n\n", r.Kind)
		fmt.Fprintf(w, "- **What**: %s\n- **Why**: %s\n", r.Holds, r.Why)
		fmt.Fprintf(w, "- **Kept**: %s from %s; then %s\n", r.Term.Human(), r.From, r.Then)
		fmt.Fprintf(w, "- **Where**: %s\n\n", code(cols))
	}
	fmt.Fprintf(w, "## staff\n\n- **What**: staff user names, password hashes (argon2id), session and API token hashes\n")
	fmt.Fprintf(w, "- **Why**: signing in to the console and the staff API\n- **Kept**: until the account is disabled or the token revoked\n")
	fmt.Fprintf(w, "- **Where**: %s\n\n", code(where[StaffData]))
	fmt.Fprintf(w, "## abuse\n\n- **What**: keyed hashes of the addresses of clients blocked for misbehaving, with the reason\n")
	fmt.Fprintf(w, "- **Why**: blocking visitors who misbehave\n- **Kept**: until staff lift the block (`afscherm abuse unblock`)\n")
	fmt.Fprintf(w, "- **Where**: %s\n\n", code(where[AbuseData]))
	fmt.Fprintf(w, "## jobs\n\n- **What**: the job queue's arguments: request ids, mail ids, domain names\n")
	fmt.Fprintf(w, "- **Why**: carrying out scans, mails and requests\n- **Kept**: River deletes finished jobs (a day after completion, a week after failure); the night's scans not queued yet are replaced by the next night's plan\n")
	fmt.Fprintf(w, "- **Where**: %s\n\n", code(where[JobQueue]))
	fmt.Fprintf(w, "Columns holding nothing personal: %d. Client addresses are never stored: only keyed hashes (HMAC-SHA-256).\n", len(where[NotPersonal]))
	fmt.Fprintf(w, "The key of those hashes is kept outside the database — `--client-key` / `AFSCHERM_CLIENT_KEY`, or a key file\n")
	fmt.Fprintf(w, "(mode 0600) beside the SQLite file or at `--client-key-file` — so that a copy of the database alone cannot\n")
	fmt.Fprintf(w, "reverse them. The SQLite file itself is readable by its owner only (mode 0600).\n")
	return nil
}

func code(cols []string) string {
	cols = slices.Clone(cols)
	for i, c := range cols {
		cols[i] = "`" + c + "`"
	}
	return strings.Join(cols, ", ")
}
