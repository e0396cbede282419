// Package manual is the adapter for registrars without an API: filing a
// request creates a task for staff with the exact steps, and the request is
// done when staff mark the task done (afscherm task done ID).
package manual

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/afscherm/afscherm/registrars"
)

// Tasks is where tasks are kept; afscherm's store provides it.
type Tasks interface {
	// EnsureTask creates the task for a request unless one exists, and
	// returns its id.
	EnsureTask(ctx context.Context, requestID int64, registrar, title, steps string) (int64, error)
	// TaskState says whether a task is done (with staff's note) or cancelled.
	TaskState(ctx context.Context, id int64) (done, cancelled bool, note string, err error)
	// CancelTask cancels an open task; false when it was done already.
	CancelTask(ctx context.Context, id int64) (bool, error)
}

// Adapter files requests as staff tasks.
type Adapter struct {
	Tasks Tasks
	// Registrars are the registrars of record it serves; "*" serves all.
	Registrars []string
	// Cost is the registrar's cost in cents for a domain, as staff know it
	// from the registrar's price list (afscherm's price table).
	Cost func(ctx context.Context, d registrars.Domain) (int64, error)
	// Panels maps a registrar to where staff switch privacy on, for the
	// steps; a general description is used for others.
	Panels map[string]string
}

// Name is "manual".
func (a *Adapter) Name() string { return "manual" }

// Serves every domain of the registrars it is set up for.
func (a *Adapter) Serves(d registrars.Domain) registrars.Support {
	if slices.Contains(a.Registrars, "*") || slices.Contains(a.Registrars, d.Registrar) {
		return registrars.Support{OK: true, Reason: "carried out by staff by hand"}
	}
	return registrars.Support{Reason: fmt.Sprintf("the manual adapter is not set up for registrar %s", d.Registrar)}
}

// Price is the configured cost.
func (a *Adapter) Price(ctx context.Context, d registrars.Domain) (int64, error) {
	if a.Cost == nil {
		return 0, registrars.Errorf("manual", registrars.KindConfig, "", "no registrar cost configured for .%s", d.TLD())
	}
	c, err := a.Cost(ctx, d)
	if err != nil {
		return 0, &registrars.Error{Kind: registrars.KindConfig, Party: "manual", Message: err.Error(), Err: err}
	}
	return c, nil
}

// Plan says what staff will do.
func (a *Adapter) Plan(r registrars.Request) []string {
	if r.Language == "en" {
		return []string{"Our staff switch on the registrar's privacy service for your domain, so that the public register no longer shows your name, address, phone number and e-mail address."}
	}
	return []string{"Onze medewerkers zetten bij de registrar de privacydienst voor uw domein aan, zodat het openbare register uw naam, adres, telefoonnummer en e-mailadres niet meer toont."}
}

// Submit creates the task, once per request.
func (a *Adapter) Submit(ctx context.Context, r registrars.Request) (registrars.Status, error) {
	panel := a.Panels[r.Domain.Registrar]
	if panel == "" {
		panel = fmt.Sprintf("the control panel of registrar %s", r.Domain.Registrar)
	}
	title := fmt.Sprintf("Switch on WHOIS privacy for %s at %s", r.Domain.Name, r.Domain.Registrar)
	steps := fmt.Sprintf(`1. Sign in to %s.
2. Open the domain %s and switch on its WHOIS privacy (privacy protection, "ID protect").
3. Check that the registrar's public WHOIS or RDAP no longer shows the registrant's name, address, phone number or e-mail address.
4. Mark this task done: afscherm task done TASK --note "what you did" (afscherm request %d).`, panel, r.Domain.Name, r.ID)
	id, err := a.Tasks.EnsureTask(ctx, r.ID, r.Domain.Registrar, title, steps)
	if err != nil {
		return registrars.Status{}, &registrars.Error{Kind: registrars.KindTemporary, Party: "manual", Message: "create the task", Err: err}
	}
	return registrars.Status{State: registrars.Pending, Reference: strconv.FormatInt(id, 10), Detail: "task " + strconv.FormatInt(id, 10) + " for staff"}, nil
}

// Status reads the task.
func (a *Adapter) Status(ctx context.Context, _ registrars.Request, reference string) (registrars.Status, error) {
	id, err := strconv.ParseInt(reference, 10, 64)
	if err != nil {
		return registrars.Status{}, registrars.Errorf("manual", registrars.KindConfig, "", "task reference %q is not a number", reference)
	}
	done, cancelled, note, err := a.Tasks.TaskState(ctx, id)
	switch {
	case err != nil:
		return registrars.Status{}, &registrars.Error{Kind: registrars.KindTemporary, Party: "manual", Message: "read the task", Err: err}
	case done:
		return registrars.Status{State: registrars.Completed, Reference: reference, Detail: "done by staff: " + note}, nil
	case cancelled:
		return registrars.Status{State: registrars.Rejected, Reference: reference, Detail: "the task was cancelled"}, nil
	}
	return registrars.Status{State: registrars.Pending, Reference: reference, Detail: "waiting for staff"}, nil
}

// Cancel cancels the task while it is open.
func (a *Adapter) Cancel(ctx context.Context, _ registrars.Request, reference string) error {
	id, err := strconv.ParseInt(reference, 10, 64)
	if err != nil {
		return registrars.Errorf("manual", registrars.KindConfig, "", "task reference %q is not a number", reference)
	}
	ok, err := a.Tasks.CancelTask(ctx, id)
	if err != nil {
		return &registrars.Error{Kind: registrars.KindTemporary, Party: "manual", Message: "cancel the task", Err: err}
	}
	if !ok {
		return registrars.Errorf("manual", registrars.KindRejected, "", "task %d is done already", id)
	}
	return nil
}

var _ registrars.Adapter = (*Adapter)(nil)
