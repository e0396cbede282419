package epp

import (
	"context"
	"fmt"
	"strconv"
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
