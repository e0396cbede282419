package requests

import (
	"context"
	"time"

	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// View is a request as the command line's --json and the API show it.
type View struct {
	ID             int64  `json:"id"`
	Domain         string `json:"domain"`
	DomainDisplay  string `json:"domain_display"`
	Customer       string `json:"customer"`
	State          string `json:"state"`
	Reason         string `json:"reason,omitempty"`
	Adapter        string `json:"adapter"`
	Partial        bool   `json:"partial,omitempty"`
	PartyReference string `json:"party_reference,omitempty"`
	PartyDetail    string `json:"party_detail,omitempty"`
	Currency       string `json:"currency"`
	Net            int64  `json:"net_cents"`
	VAT            int64  `json:"vat_cents"`
	Gross          int64  `json:"gross_cents"`
	QuoteVersion   string `json:"quote_version"`
	QuoteSHA256    string `json:"quote_sha256"`
	// PriceTableVersion is the price table version the quote was priced
	// from; absent for requests quoted before versions were kept.
	PriceTableVersion int64     `json:"price_table_version,omitempty"`
	ExpiresAt         time.Time `json:"expires_at,omitzero"`
	CreatedBy         string    `json:"created_by"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// ViewOf makes a View.
func ViewOf(r model.PrivacyRequest) View {
	net, vat, gross := r.Price.Totals()
	return View{ID: r.ID, Domain: r.Domain, DomainDisplay: model.DisplayDomainName(r.Domain), Customer: r.CustomerNumber,
		State: string(r.State), Reason: r.Reason, Adapter: r.Adapter, Partial: r.Partial, PartyReference: r.PartyReference,
		PartyDetail: r.PartyDetail, Currency: r.Price.Currency, Net: int64(net), VAT: int64(vat), Gross: int64(gross),
		QuoteVersion: r.Quote.Version, QuoteSHA256: r.Quote.SHA256, PriceTableVersion: r.PriceTableVersion, ExpiresAt: r.ExpiresAt,
		CreatedBy: string(r.CreatedBy.Kind) + ":" + r.CreatedBy.ID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Selection says which domains to queue requests for: one, a customer's
// exposed ones, or every exposed one. Only the one domain may be other
// than exposed (undetermined, reviewed by staff): a customer's and all
// select exposed domains only.
type Selection struct {
	Domain     string
	Customer   string
	AllExposed bool
}

// Outcome is what queueing did for one domain.
type Outcome struct {
	Domain  string `json:"domain"`
	Request *View  `json:"request,omitempty"`
	Skipped string `json:"skipped,omitempty"` // why it got no request
}

// CreateMany queues requests for a selection. For one domain a refusal is
// the error; for many, each refused domain is skipped with its reason, so
// that a repeat run creates nothing twice. progress, when set, is told after
// each domain.
func (s *Service) CreateMany(ctx context.Context, sel Selection, by model.Actor, opts CreateOptions, progress func(done, total int)) ([]Outcome, error) {
	if opts.OptOutReasons != "" && sel.Domain == "" {
		return nil, model.Errorf(model.KindInvalid, "opt-out reasons are one customer's, for one domain: give the domain")
	}
	if opts.Reviewed != "" && sel.Domain == "" {
		return nil, model.Errorf(model.KindInvalid, "a review is of one domain's response: give the domain")
	}
	if sel.Domain != "" {
		r, err := s.Create(ctx, sel.Domain, by, opts)
		if err != nil {
			return nil, err
		}
		v := ViewOf(r)
		return []Outcome{{Domain: r.Domain, Request: &v}}, nil
	}
	f := store.DomainFilter{ActiveOnly: true, Verdict: model.VerdictExposed}
	if sel.Customer != "" {
		if _, err := s.Store.Customer(ctx, sel.Customer); err != nil {
			return nil, err
		}
		f.CustomerNumber = sel.Customer
	} else if !sel.AllExposed {
		return nil, model.Errorf(model.KindInvalid, "say which domains: one domain, a customer, or all exposed")
	}
	domains, err := s.Store.Domains(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, 0, len(domains))
	for start := 0; start < len(domains); start += createPerTx {
		batch := domains[start:min(start+createPerTx, len(domains))]
		done, err := s.createBatch(ctx, batch, by, opts)
		out = append(out, done...)
		if err != nil {
			return out, err
		}
		if progress != nil {
			for i := range batch {
				progress(start+i+1, len(domains))
			}
		}
	}
	return out, nil
}

// createPerTx is how many requests CreateMany writes in one transaction:
// one commit (one sync to disk on SQLite) per batch rather than per
// request, while a transaction stays short enough not to hold up others.
const createPerTx = 100

// createBatch checks and prices each domain, then writes the requests of
// those that qualify in one transaction. Should one of them have gained
// an open request meanwhile (a conflict), the batch is written domain by
// domain instead, each checked again, so that the outcome is as if
// every domain were created alone.
func (s *Service) createBatch(ctx context.Context, batch []model.Domain, by model.Actor, opts CreateOptions) ([]Outcome, error) {
	type prepared struct {
		at       int // in out
		request  model.PrivacyRequest
		reviewed bool
	}
	out := make([]Outcome, len(batch))
	var todo []prepared
	q := &quoting{}
	if err := q.readAhead(ctx, s.Store, batch); err != nil {
		return nil, err
	}
	for i, d := range batch {
		out[i].Domain = d.Name
		r, reviewed, refusal, err := s.prepare(ctx, d, by, opts, q)
		switch {
		case model.IsKind(err, model.KindInvalid):
			out[i].Skipped = err.Error() // no price, say
		case err != nil:
			return out[:i], err
		case refusal != "":
			out[i].Skipped = refusal
		default:
			todo = append(todo, prepared{i, r, reviewed})
		}
	}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		for i := range todo {
			if err := s.insert(ctx, tx, &todo[i].request, todo[i].reviewed, by, opts, q); err != nil {
				return err
			}
		}
		return nil
	})
	if model.IsKind(err, model.KindConflict) {
		return s.createOneByOne(ctx, batch, by, opts)
	}
	if err != nil {
		return nil, err
	}
	for _, p := range todo {
		v := ViewOf(p.request)
		out[p.at].Request = &v
		s.log().Info("request created", "request", p.request.ID, logsafe.Domain(p.request.DomainID), "state", p.request.State, "reviewed", p.reviewed)
	}
	return out, nil
}

// createOneByOne creates each domain's request in its own transaction.
func (s *Service) createOneByOne(ctx context.Context, batch []model.Domain, by model.Actor, opts CreateOptions) ([]Outcome, error) {
	out := make([]Outcome, 0, len(batch))
	for _, d := range batch {
		r, err := s.Create(ctx, d.Name, by, opts)
		var refusal *Refusal
		switch {
		case err == nil:
			v := ViewOf(r)
			out = append(out, Outcome{Domain: d.Name, Request: &v})
		case asRefusal(err, &refusal):
			out = append(out, Outcome{Domain: d.Name, Skipped: refusal.Reason})
		case model.IsKind(err, model.KindInvalid):
			out = append(out, Outcome{Domain: d.Name, Skipped: err.Error()}) // no price, say
		default:
			return out, err
		}
	}
	return out, nil
}

// DraftNewlyExposed drafts a request (a quote staff send later) for each
// domain that a scan found newly exposed, when the setting asks for it.
// Domains that cannot have one — an open request already, no price — are
// left for staff, who see them in the digest.
func (s *Service) DraftNewlyExposed(ctx context.Context, domains []string) (int, error) {
	n := 0
	for _, d := range domains {
		_, err := s.Create(ctx, d, model.System("nightly"), CreateOptions{Draft: true})
		var refusal *Refusal
		switch {
		case err == nil:
			n++
		case asRefusal(err, &refusal), model.IsKind(err, model.KindInvalid):
			s.log().Info("no draft for a newly exposed domain", logsafe.DomainNamed(ctx, s.Store, d), "reason", logsafe.Text(ctx, s.Store, err.Error()))
		default:
			return n, err
		}
	}
	return n, nil
}
