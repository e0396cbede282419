package web

import (
	"errors"
	"net/http"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/quote"
	"github.com/afscherm/afscherm/internal/requests"
)

// approvePage shows a quote. It changes nothing: mail scanners open links.
func (s *Server) approvePage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	link, err := s.deps.Requests.OpenLink(r.Context(), token)
	if err != nil {
		s.linkProblem(w, r, err)
		return
	}
	req := link.Request
	lang := req.Quote.Language
	type line struct{ Label, Net, VAT, Gross string }
	var lines []line
	for _, l := range req.Price.Lines {
		lines = append(lines, line{lineLabel(l.Item, lang), money(l.Net, lang), money(l.VAT, lang), money(l.Gross, lang)})
	}
	net, vat, gross := req.Price.Totals()
	visible := quote.FieldList(visibleFields(link.Scan), lang) // the latest scan's, which may be newer than the quote
	title := "Offerte voor " + model.DisplayDomainName(req.Domain)
	if lang == model.LanguageEnglish {
		title = "Quote for " + model.DisplayDomainName(req.Domain)
	}
	s.render(w, http.StatusOK, "approve.html", map[string]any{
		"Title": title, "Lang": string(lang), "Domain": model.DisplayDomainName(req.Domain), "Visible": visible,
		"Lines": lines, "Net": money(net, lang), "VAT": money(vat, lang), "Gross": money(gross, lang),
		"Quote": req.Quote.Text, "Token": token, "CSRF": link.CSRF,
	})
}

// approveDecision records approve or decline.
func (s *Server) approveDecision(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "problem.html", map[string]any{"Title": "Fout", "Heading": "Onleesbaar formulier",
			"Message": "Het formulier kon niet gelezen worden. Open de link uit de e-mail opnieuw."})
		return
	}
	var approve bool
	switch r.PostForm.Get("decision") {
	case "approve":
		approve = true
	case "decline":
	default:
		s.render(w, http.StatusBadRequest, "problem.html", map[string]any{"Title": "Fout", "Heading": "Geen keuze",
			"Message": "Kies akkoord of nee. Open de link uit de e-mail opnieuw."})
		return
	}
	token := r.PathValue("token")
	req, err := s.deps.Requests.Decide(r.Context(), token, r.PostForm.Get("csrf"), approve,
		requests.Client{Address: s.clientAddress(r), UserAgent: r.UserAgent()})
	if err != nil {
		s.linkProblem(w, r, err)
		return
	}
	lang := req.Quote.Language
	_, _, gross := req.Price.Totals()
	title := "Dank u wel"
	if lang == model.LanguageEnglish {
		title = "Thank you"
	}
	s.render(w, http.StatusOK, "decided.html", map[string]any{"Title": title, "Lang": string(lang),
		"Domain": model.DisplayDomainName(req.Domain), "Approved": approve, "Gross": money(gross, lang)})
}

// linkProblem answers every link that does not work the same way, so the
// answer tells nothing about why; a form without its token, and our own
// failures, get their own page.
func (s *Server) linkProblem(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case requests.IsLinkUnusable(err):
		s.render(w, http.StatusNotFound, "unusable.html", map[string]any{"Title": "Link werkt niet"})
	case errors.Is(err, requests.ErrBadForm):
		s.render(w, http.StatusForbidden, "problem.html", map[string]any{"Title": "Formulier verlopen",
			"Heading": "Het formulier is verlopen", "Message": "Open de link uit de e-mail opnieuw en kies dan."})
	default:
		s.logError(r.Context(), "approval page", err)
		s.render(w, http.StatusInternalServerError, "problem.html", map[string]any{"Title": "Storing",
			"Heading": "Er ging iets mis", "Message": "Probeer het later nog eens. Uw keuze is niet vastgelegd."})
	}
}

func visibleFields(r model.ScanResult) []model.Field {
	var out []model.Field
	for _, f := range model.Fields {
		if r.Fields[f].State == model.FieldVisible {
			out = append(out, f)
		}
	}
	return out
}

func money(c model.Cents, lang model.Language) string {
	if lang == model.LanguageEnglish {
		return c.English()
	}
	return c.Dutch()
}

func lineLabel(item string, lang model.Language) string {
	en := lang == model.LanguageEnglish
	switch item {
	case model.ItemRegistrarCost:
		if en {
			return "Registrar or registry"
		}
		return "Registrar of register"
	case model.ItemServiceFee:
		if en {
			return "Our handling"
		}
		return "Onze afhandeling"
	}
	return item
}
