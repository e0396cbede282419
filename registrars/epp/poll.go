package epp

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
)

// Element is a parsed XML element of a server's answer, with namespace
// prefixes resolved to URIs.
type Element = xmltree.Element

// Message is the message at the head of the registrar's poll queue.
type Message struct {
	ID    string
	Count int // messages in the queue, this one included
	Date  time.Time
	Text  string // the human-readable <msg>, trimmed
	Lang  string
	// Data is the message's structured content: the children of <resData>
	// or, as FRED sends them, the elements inside <msg>.
	Data []*Element
	// Raw is Data as XML that parses on its own (namespaces declared
	// where used); empty when there is no Data.
	Raw string
}

// Poll fetches the oldest message without removing it; nil (and no error)
// when the queue is empty (1300). Remove it with PollAck.
func (c *Client) Poll(ctx context.Context) (*Message, error) {
	resp, err := c.command(ctx, "poll", xmltree.E("poll").Attr("op", "req"), nil)
	if err != nil {
		return nil, err
	}
	if resp.Result.Code == CodeNoMessages {
		return nil, nil
	}
	q := resp.MsgQ
	if resp.Result.Code != CodeAckToDequeue || q == nil {
		c.fail(ErrProtocol)
		return nil, fmt.Errorf("%w: poll answered %d without a message queue entry", ErrProtocol, resp.Result.Code)
	}
	m := &Message{ID: attr(q, "id")}
	if m.Count, err = strconv.Atoi(attr(q, "count")); err != nil || m.ID == "" {
		c.fail(ErrProtocol)
		return nil, fmt.Errorf("%w: msgQ id %q count %q", ErrProtocol, m.ID, attr(q, "count"))
	}
	if d := q.Child(NSEPP, "qDate").Value(); d != "" {
		m.Date, _ = time.Parse(time.RFC3339, d) // informative only
	}
	if msg := q.Child(NSEPP, "msg"); msg != nil {
		m.Text = msg.Value()
		m.Lang = attr(msg, "lang")
		m.Data = msg.Children
	}
	if resp.ResData != nil && len(resp.ResData.Children) > 0 {
		m.Data = resp.ResData.Children
	}
	for _, d := range m.Data {
		m.Raw += d.XML()
	}
	return m, nil
}

// Objects lists the contact ids and domain names the message's data names:
// <id> elements of a contact namespace and <name> elements of a domain
// namespace, at any depth (RFC 5731 and RFC 5733 trnData and panData;
// FRED's trnData, updateData, idleDelData and expiry notices, per
// fred-docs Poll_MessageTypes.rst). Domain names are lower-cased. A message
// without such data (a text notice, FRED's lowCreditData or
// requestFeeInfoData, an nsset's or keyset's) names none.
func (m *Message) Objects() (contacts, domains []string) {
	var walk func(es []*Element)
	walk = func(es []*Element) {
		for _, e := range es {
			ns, local := e.Name.Space, e.Name.Local
			switch {
			case local == "id" && (ns == NSContact || strings.HasPrefix(ns, fredContactPrefix)):
				if id := strings.TrimSpace(e.Value()); id != "" && !slices.Contains(contacts, id) {
					contacts = append(contacts, id)
				}
			case local == "name" && (ns == NSDomain || strings.HasPrefix(ns, fredDomainPrefix)):
				if d := strings.ToLower(strings.TrimSpace(e.Value())); d != "" && !slices.Contains(domains, d) {
					domains = append(domains, d)
				}
			}
			walk(e.Children)
		}
	}
	walk(m.Data)
	return contacts, domains
}

// About reports whether the message names one of the contacts or domains.
func (m *Message) About(contacts, domains []string) bool {
	cs, ds := m.Objects()
	for _, c := range cs {
		if slices.Contains(contacts, c) {
			return true
		}
	}
	for _, d := range ds {
		if slices.ContainsFunc(domains, func(x string) bool { return strings.EqualFold(x, d) }) {
			return true
		}
	}
	return false
}

// PollAck removes the message with the id from the queue.
func (c *Client) PollAck(ctx context.Context, id string) (Result, error) {
	if id == "" {
		return Result{}, fmt.Errorf("%w: empty message id", ErrInvalid)
	}
	resp, err := c.command(ctx, "poll", xmltree.E("poll").Attr("op", "ack").Attr("msgID", id), nil)
	if err != nil {
		return Result{}, err
	}
	return resp.Result, nil
}
