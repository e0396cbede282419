package requests

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
)

//go:embed templates/*
var mailFiles embed.FS

var (
	textMails = texttemplate.Must(texttemplate.New("").ParseFS(mailFiles, "templates/*.txt"))
	htmlMails = htmltemplate.Must(htmltemplate.New("").ParseFS(mailFiles, "templates/*.html"))
)

// customerMail writes the approval or reminder mail for a request, with
// the link that carries token (mail.LinkPlaceholder, for the outbox).
func (s *Service) customerMail(kind string, r model.PrivacyRequest, c model.Customer, token string) (model.OutboxMessage, error) {
	lang := r.Quote.Language
	data := map[string]any{
		"Domain":    model.DisplayDomainName(r.Domain),
		"Link":      s.approvalURL(token),
		"ExpiresOn": dayText(model.DateOf(r.ExpiresAt, s.location()), lang),
		"Quote":     r.Quote.Text,
		"Company":   s.companyName(),
	}
	var text, html bytes.Buffer
	name := kind + "." + string(lang)
	if err := textMails.ExecuteTemplate(&text, name+".txt", data); err != nil {
		return model.OutboxMessage{}, err
	}
	if err := htmlMails.ExecuteTemplate(&html, name+".html", data); err != nil {
		return model.OutboxMessage{}, err
	}
	subject := map[string]string{
		"approval.nl": "Uw gegevens zijn openbaar bij %s: offerte voor afschermen",
		"approval.en": "Your details are public for %s: quote for shielding them",
		"reminder.nl": "Herinnering: offerte voor het afschermen van %s",
		"reminder.en": "Reminder: quote for shielding %s",
	}[name]
	return model.OutboxMessage{
		Kind: kind, RequestID: r.ID, CustomerID: r.CustomerID, To: c.Email,
		Subject: fmt.Sprintf(subject, model.DisplayDomainName(r.Domain)), Text: text.String(), HTML: html.String(),
		MessageID: mail.NewMessageID(s.mailHost()),
	}, nil
}

// staffMail writes an alert for staff; nil when no staff address is set.
func (s *Service) staffMail(subject, body string) []model.OutboxMessage {
	var out []model.OutboxMessage
	for _, to := range s.StaffEmails {
		out = append(out, model.OutboxMessage{Kind: model.MailStaff, To: to, Subject: subject, Text: body,
			MessageID: mail.NewMessageID(s.mailHost())})
	}
	return out
}

func (s *Service) approvalURL(token string) string {
	return strings.TrimSuffix(s.PublicURL, "/") + "/approve/" + token
}

func (s *Service) companyName() string {
	if s.Company != "" {
		return s.Company
	}
	return "afscherm"
}

func (s *Service) mailHost() string {
	if at := strings.LastIndexByte(s.MailFrom, '@'); at >= 0 {
		return strings.TrimRight(s.MailFrom[at+1:], ">")
	}
	return "afscherm.invalid"
}

var monthNames = map[model.Language][]string{
	model.LanguageDutch:   {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	model.LanguageEnglish: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

func dayText(d model.Date, lang model.Language) string {
	if lang != model.LanguageEnglish {
		lang = model.LanguageDutch
	}
	t := d.Time()
	return fmt.Sprintf("%d %s %d", t.Day(), monthNames[lang][t.Month()-1], t.Year())
}

// MailParty queues a letter about a request to a party, such as SIDN's
// opt-out request, once per key: the key makes the Message-ID, and a
// repeat finds the letter queued already.
func (s *Service) MailParty(ctx context.Context, requestID int64, key, to, subject, body string) error {
	id := key + "@" + s.mailHost()
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		queued, err := tx.Mails(ctx, store.MailFilter{RequestID: requestID})
		if err != nil {
			return err
		}
		for _, m := range queued {
			if m.MessageID == id {
				return nil
			}
		}
		return queueMail(ctx, tx, model.OutboxMessage{Kind: model.MailParty, RequestID: requestID, To: to, Subject: subject,
			Text: body, MessageID: id})
	})
}
