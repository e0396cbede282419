package epp

import (
	"bytes"
	"strings"

	"github.com/afscherm/afscherm/registrars/epp/internal/xmltree"
	"github.com/afscherm/afscherm/registrars/wiretrace"
)

// trace hands a frame to the configured tracer with the passwords masked:
// every <pw> and <newPW> element, and the login password wherever else it
// might appear.
func (c *Client) trace(dir wiretrace.Direction, what string, frame []byte) {
	if c.cfg.Trace == nil {
		return
	}
	format := "xml"
	if t := bytes.TrimSpace(frame); len(t) == 0 || t[0] != '<' {
		format = "txt" // a broken answer is kept, but not named XML
	}
	c.cfg.Trace.Trace(wiretrace.Message{Direction: dir, Command: what, Format: format,
		Body: wiretrace.MaskXML(frame, c.cfg.Password)})
}

// traceName names a command in a trace file: "contact-create", "poll-req".
func traceName(name string, body *xmltree.Node) string {
	what := strings.ReplaceAll(name, ":", "-")
	if name == "poll" {
		if op := body.AttrValue("op"); op != "" {
			what += "-" + op
		}
	}
	return what
}
