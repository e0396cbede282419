package requests

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

// Link is what an approval link shows: the request, the latest scan of its
// domain, and the form token for its decision.
type Link struct {
	Request model.PrivacyRequest
	Scan    model.ScanResult
	CSRF    string
}

// OpenLink reads what an approval link shows, changing nothing: mail
// scanners open links too. Every link that does not work — malformed,
// unknown, used, expired, or for a request decided meanwhile — gives the
// same error, IsLinkUnusable.
func (s *Service) OpenLink(ctx context.Context, token string) (Link, error) {
	if !WellFormedToken(token) {
		return Link{}, errLinkUnusable
	}
	hash := TokenHash(token)
	t, err := s.Store.ApprovalTokenByHash(ctx, hash)
	if model.IsKind(err, model.KindNotFound) {
		return Link{}, errLinkUnusable
	}
	if err != nil {
		return Link{}, err
	}
	if !t.UsedAt.IsZero() || !s.Store.Now().Before(t.ExpiresAt) {
		return Link{}, errLinkUnusable
	}
	r, err := s.Store.Request(ctx, t.RequestID)
	if err != nil {
		return Link{}, err
	}
	if r.State != model.StateAwaitingApproval {
		return Link{}, errLinkUnusable
	}
	scan, err := s.Store.LatestScan(ctx, r.Domain)
	if err != nil && !model.IsKind(err, model.KindNotFound) {
		return Link{}, err
	}
	return Link{Request: r, Scan: scan, CSRF: s.Keys.CSRFToken(hash)}, nil
}

// Client is who sent a decision, as far as afscherm keeps it.
type Client struct {
	Address   string // hashed before it is stored
	UserAgent string
}

// ErrBadForm says a decision came without a valid form token: not from the
// page afscherm served.
var ErrBadForm = model.Errorf(model.KindInvalid, "the form has expired or did not come from this page; open the link again")

// Decide records the customer's decision through a link, once: the link is
// used, the request moves on, the consent record is written and — on
// approval — the job that files the request is queued, all in one
// transaction. A second decision finds the link used (IsLinkUnusable).
func (s *Service) Decide(ctx context.Context, token, csrf string, approve bool, c Client) (model.PrivacyRequest, error) {
	if !WellFormedToken(token) {
		return model.PrivacyRequest{}, errLinkUnusable
	}
	hash := TokenHash(token)
	if !s.Keys.ValidCSRF(hash, csrf) {
		return model.PrivacyRequest{}, ErrBadForm
	}
	var r model.PrivacyRequest
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		t, err := tx.ApprovalTokenByHash(ctx, hash)
		if model.IsKind(err, model.KindNotFound) {
			return errLinkUnusable
		}
		if err != nil {
			return err
		}
		if !t.UsedAt.IsZero() || !tx.Now().Before(t.ExpiresAt) {
			return errLinkUnusable
		}
		if r, err = tx.Request(ctx, t.RequestID); err != nil { // locks the request until commit
			return err
		}
		if r.State != model.StateAwaitingApproval {
			return errLinkUnusable
		}
		if used, err := tx.UseApprovalToken(ctx, t.ID); err != nil || !used {
			if err == nil {
				err = errLinkUnusable
			}
			return err
		}
		transition, decision := model.Decline, model.DecisionDeclined
		if approve {
			transition, decision = model.Approve, model.DecisionApproved
		}
		who := model.Actor{Kind: model.ActorCustomer, ID: r.CustomerNumber}
		if err := tx.TransitionRequest(ctx, &r, store.Change{Transition: transition, Actor: who,
			Details: map[string]any{"method": "web link"}}); err != nil {
			return err
		}
		net, vat, gross := r.Price.Totals()
		if err := tx.InsertConsent(ctx, &model.ConsentRecord{RequestID: r.ID, Decision: decision,
			QuoteVersion: r.Quote.Version, QuoteSHA256: r.Quote.SHA256, Currency: r.Price.Currency,
			Net: net, VAT: vat, Gross: gross, Method: "web link", UserAgent: cleanUserAgent(c.UserAgent),
			ClientHash: s.Keys.ClientHash(c.Address)}); err != nil {
			return err
		}
		if !approve {
			return nil
		}
		_, err = tx.Enqueue(ctx, river.InsertManyParams{Args: SubmitArgs{RequestID: r.ID}})
		return err
	})
	if err != nil {
		return model.PrivacyRequest{}, err
	}
	s.log().Info("customer decided", "request", r.ID, logsafe.Domain(r.DomainID), "state", r.State)
	return r, nil
}

// cleanUserAgent keeps a user agent as evidence: printable, at most 512
// bytes.
func cleanUserAgent(ua string) string {
	ua = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(ua, ""))
	for len(ua) > 512 {
		_, size := utf8.DecodeLastRuneInString(ua)
		ua = ua[:len(ua)-size]
	}
	return ua
}
