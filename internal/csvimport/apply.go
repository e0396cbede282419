package csvimport

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// Batch is what one import run brings: customers, domains, or both, and
// the problems found while reading them.
type Batch struct {
	CustomerFile string
	Customers    []CustomerRow
	DomainFile   string
	Domains      []DomainRow
	Problems     Errors
}

// Read reads a customer file, a domain file, or both; a nil reader is
// skipped.
func Read(customers io.Reader, customerFile string, domains io.Reader, domainFile string) Batch {
	var b Batch
	if customers != nil {
		rows, errs := ReadCustomers(customers, customerFile)
		b.CustomerFile, b.Customers = customerFile, rows
		b.Problems = append(b.Problems, errs...)
	}
	if domains != nil {
		rows, errs := ReadDomains(domains, domainFile)
		b.DomainFile, b.Domains = domainFile, rows
		b.Problems = append(b.Problems, errs...)
	}
	return b
}

// Options adjust Apply.
type Options struct {
	// RemoveMissing marks every active domain that the domain file does not
	// list as removed today: for a file that lists all domains.
	RemoveMissing bool
	// Today is the day stored as a domain's added or removed date.
	Today model.Date
	// Actor is who runs the import; model.System("import") when zero.
	Actor model.Actor
	// DryRun checks everything and counts what would change, then rolls
	// the transaction back.
	DryRun bool
	// Progress, when set, is told after each row.
	Progress func(done, total int)
}

// Summary counts what an import changed.
type Summary struct {
	CustomersCreated   int `json:"customers_created"`
	CustomersUpdated   int `json:"customers_updated"`
	CustomersUnchanged int `json:"customers_unchanged"`
	DomainsCreated     int `json:"domains_created"`
	DomainsUpdated     int `json:"domains_updated"`
	DomainsUnchanged   int `json:"domains_unchanged"`
	DomainsRemoved     int `json:"domains_removed"`
}

// Changed reports whether the import changed anything.
func (s Summary) Changed() bool {
	return s.CustomersCreated+s.CustomersUpdated+s.DomainsCreated+s.DomainsUpdated+s.DomainsRemoved > 0
}

// Apply upserts the batch — customers by number, domains by name — in one
// transaction, with an audit event for every change and one for the run.
// Rows that are already as the file says are left alone, so importing the
// same files twice changes nothing the second time.
//
// A batch with problems, or a domain whose customer is neither in the batch
// nor in the store, changes nothing: the error, of kind invalid, is an
// Errors listing every bad row of both files.
func Apply(ctx context.Context, st *store.Store, b Batch, opts Options) (Summary, error) {
	if opts.Actor == (model.Actor{}) {
		opts.Actor = model.System("import")
	}
	if opts.RemoveMissing && b.DomainFile == "" {
		return Summary{}, model.Errorf(model.KindInvalid, "removing missing domains needs a domain file")
	}
	if opts.Today.IsZero() {
		return Summary{}, fmt.Errorf("import: no date for today")
	}
	var sum Summary
	errDryRun := errors.New("dry run")
	err := st.InTx(ctx, func(tx *store.Tx) error {
		sum = Summary{}
		a := applier{tx: tx, opts: opts, total: len(b.Customers) + len(b.Domains)}
		if err := a.customers(ctx, b.Customers, &sum); err != nil {
			return err
		}
		problems, err := a.domains(ctx, b.DomainFile, b.Domains, &sum)
		if err != nil {
			return err
		}
		if problems = append(slices.Clone(b.Problems), problems...); len(problems) > 0 {
			slices.SortStableFunc(problems, func(x, y RowError) int {
				domainFile := func(e RowError) bool { return e.File != b.CustomerFile }
				return cmp.Or(compareBool(domainFile(x), domainFile(y)), cmp.Compare(x.Line, y.Line))
			})
			return problems.asModel()
		}
		if opts.DryRun {
			return errDryRun
		}
		if !sum.Changed() {
			return nil // an audit event for nothing would itself be a change
		}
		_, err = tx.AddAuditEvent(ctx, model.AuditEvent{
			Actor: opts.Actor, Action: "import.completed", SubjectKind: "import",
			SubjectID: tx.Now().Format("20060102T150405Z"),
			Details:   summaryDetails(sum, b),
		})
		return err
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return Summary{}, err
	}
	return sum, nil
}

type applier struct {
	tx    *store.Tx
	opts  Options
	done  int
	total int
}

func (a *applier) step() {
	a.done++
	if a.opts.Progress != nil {
		a.opts.Progress(a.done, a.total)
	}
}

func (a *applier) audit(ctx context.Context, action, kind, id string, details map[string]any) error {
	_, err := a.tx.AddAuditEvent(ctx, model.AuditEvent{Actor: a.opts.Actor, Action: action,
		SubjectKind: kind, SubjectID: id, Details: details})
	return err
}

func (a *applier) customers(ctx context.Context, rows []CustomerRow, sum *Summary) error {
	for _, row := range rows {
		c := row.Customer
		old, err := a.tx.Customer(ctx, c.Number)
		switch {
		case model.IsKind(err, model.KindNotFound):
			if err := a.tx.InsertCustomer(ctx, &c); err != nil {
				return err
			}
			if err := a.audit(ctx, "customer.created", "customer", c.Number, nil); err != nil {
				return err
			}
			sum.CustomersCreated++
		case err != nil:
			return err
		case old.SameData(c):
			sum.CustomersUnchanged++
		default:
			// Field names only: the values are personal data.
			changed := old.ChangedFields(c)
			if err := a.tx.UpdateCustomer(ctx, &c); err != nil {
				return err
			}
			if err := a.audit(ctx, "customer.updated", "customer", c.Number, map[string]any{"fields": changed}); err != nil {
				return err
			}
			sum.CustomersUpdated++
		}
		a.step()
	}
	return nil
}

func (a *applier) domains(ctx context.Context, file string, rows []DomainRow, sum *Summary) (Errors, error) {
	var problems Errors
	customerIDs := map[string]int64{}
	for _, row := range rows {
		id, ok := customerIDs[row.CustomerNumber]
		if !ok {
			c, err := a.tx.Customer(ctx, row.CustomerNumber)
			if model.IsKind(err, model.KindNotFound) {
				problems = append(problems, RowError{File: file, Line: row.Line,
					Reason: fmt.Sprintf("customer_number: no customer %s in the customer file or the database", codeExcerpt(row.CustomerNumber))})
				continue
			}
			if err != nil {
				return nil, err
			}
			id = c.ID
			customerIDs[row.CustomerNumber] = id
		}
		if err := a.domain(ctx, row, id, sum); err != nil {
			return nil, err
		}
		a.step()
	}
	if a.opts.RemoveMissing {
		return problems, a.removeMissing(ctx, rows, sum)
	}
	return problems, nil
}

func (a *applier) domain(ctx context.Context, row DomainRow, customerID int64, sum *Summary) error {
	d := model.Domain{Name: row.Name, CustomerID: customerID, Registrar: row.Registrar, AddedOn: a.opts.Today}
	old, err := a.tx.Domain(ctx, row.Name)
	if model.IsKind(err, model.KindNotFound) {
		if err := a.tx.InsertDomain(ctx, &d); err != nil {
			return err
		}
		sum.DomainsCreated++
		return a.audit(ctx, "domain.created", "domain", d.Name,
			map[string]any{"customer": row.CustomerNumber, "registrar": d.Registrar})
	}
	if err != nil {
		return err
	}
	var changed []string
	if old.CustomerID != customerID {
		changed = append(changed, "customer")
	}
	if old.Registrar != row.Registrar {
		changed = append(changed, "registrar")
	}
	if !old.Active() {
		changed = append(changed, "removed_on") // it is back with us
	}
	if len(changed) == 0 {
		sum.DomainsUnchanged++
		return nil
	}
	d.AddedOn = old.AddedOn
	if err := a.tx.UpdateDomain(ctx, &d); err != nil {
		return err
	}
	sum.DomainsUpdated++
	return a.audit(ctx, "domain.updated", "domain", d.Name, map[string]any{
		"fields": changed, "customer": row.CustomerNumber, "registrar": d.Registrar})
}

func (a *applier) removeMissing(ctx context.Context, rows []DomainRow, sum *Summary) error {
	listed := make([]string, len(rows))
	for i, r := range rows {
		listed[i] = r.Name
	}
	slices.Sort(listed)
	active, err := a.tx.Domains(ctx, store.DomainFilter{ActiveOnly: true})
	if err != nil {
		return err
	}
	for _, d := range active {
		if _, found := slices.BinarySearch(listed, d.Name); found {
			continue
		}
		d.RemovedOn = a.opts.Today
		if err := a.tx.UpdateDomain(ctx, &d); err != nil {
			return err
		}
		if err := a.audit(ctx, "domain.removed", "domain", d.Name, map[string]any{"customer": d.CustomerNumber}); err != nil {
			return err
		}
		sum.DomainsRemoved++
	}
	return nil
}

func summaryDetails(s Summary, b Batch) map[string]any {
	d := map[string]any{
		"customers_created": s.CustomersCreated, "customers_updated": s.CustomersUpdated,
		"customers_unchanged": s.CustomersUnchanged, "domains_created": s.DomainsCreated,
		"domains_updated": s.DomainsUpdated, "domains_unchanged": s.DomainsUnchanged,
		"domains_removed": s.DomainsRemoved,
	}
	if b.CustomerFile != "" {
		d["customer_file"] = b.CustomerFile
	}
	if b.DomainFile != "" {
		d["domain_file"] = b.DomainFile
	}
	return d
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
