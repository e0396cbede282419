// Package xmltree is the small XML toolkit the EPP client and its fake
// server share: a strict parser into a namespace-resolved element tree, and
// a builder that writes prefixed EPP elements with every value escaped.
//
// It exists because EPP object namespaces differ per registry (CZ.NIC's FRED
// has its own contact namespace), so fixed struct tags do not fit, and
// because namespace prefixes declared on an ancestor must resolve wherever an
// element is read.
package xmltree

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxDepth bounds element nesting; EPP frames are shallow.
const MaxDepth = 64

// Element is one parsed element. Namespace prefixes are resolved: Name.Space
// is the namespace URI (or, for an undeclared prefix, the prefix itself).
type Element struct {
	Name     xml.Name
	Attr     []xml.Attr // without namespace declarations
	Children []*Element
	// Text is the character data directly inside the element, untrimmed.
	Text string
}

// Parse reads exactly one well-formed XML document. DOCTYPE declarations are
// refused, so no entity tricks reach the decoder.
func Parse(b []byte) (*Element, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	var root *Element
	var stack []*Element
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, errors.New("more than one root element")
			}
			if len(stack) >= MaxDepth {
				return nil, errors.New("elements nested too deep")
			}
			e := &Element{Name: t.Name}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				e.Attr = append(e.Attr, a)
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, e)
			} else {
				root = e
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, errors.New("text outside the root element")
				}
				continue
			}
			stack[len(stack)-1].Text += string(t)
		case xml.Directive:
			return nil, errors.New("DOCTYPE and other directives are not allowed")
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	if len(stack) != 0 {
		return nil, errors.New("unclosed element")
	}
	return root, nil
}

// Is reports whether the element has the namespace and local name.
func (e *Element) Is(space, local string) bool {
	return e != nil && e.Name.Space == space && e.Name.Local == local
}

// Child is the first child with the name, or nil.
func (e *Element) Child(space, local string) *Element {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if c.Is(space, local) {
			return c
		}
	}
	return nil
}

// All is every child with the name.
func (e *Element) All(space, local string) []*Element {
	if e == nil {
		return nil
	}
	var out []*Element
	for _, c := range e.Children {
		if c.Is(space, local) {
			out = append(out, c)
		}
	}
	return out
}

// Path follows children with the local names, all in one namespace.
func (e *Element) Path(space string, locals ...string) *Element {
	for _, l := range locals {
		e = e.Child(space, l)
	}
	return e
}

// Value is the element's text with surrounding white space removed; "" for
// a nil element.
func (e *Element) Value() string {
	if e == nil {
		return ""
	}
	return strings.TrimSpace(e.Text)
}

// AttrValue is the value of an unqualified attribute.
func (e *Element) AttrValue(local string) (string, bool) {
	if e == nil {
		return "", false
	}
	for _, a := range e.Attr {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

const xmlNS = "http://www.w3.org/XML/1998/namespace"

// XML writes the element as self-contained XML: namespaces are declared
// where they are used, so the text parses on its own even when the
// original declared its prefixes on an ancestor. Text is written before
// the children (EPP content is either text or elements, not mixed).
func (e *Element) XML() string {
	var b bytes.Buffer
	e.writeXML(&b, "")
	return b.String()
}

func (e *Element) writeXML(b *bytes.Buffer, parentNS string) {
	attr := func(name, value string) {
		b.WriteString(" " + name + `="`)
		xml.EscapeText(b, []byte(value)) //nolint:errcheck // bytes.Buffer does not fail
		b.WriteByte('"')
	}
	b.WriteString("<" + e.Name.Local)
	if e.Name.Space != parentNS {
		attr("xmlns", e.Name.Space)
	}
	for i, a := range e.Attr {
		switch a.Name.Space {
		case "":
			attr(a.Name.Local, a.Value)
		case xmlNS:
			attr("xml:"+a.Name.Local, a.Value)
		default:
			p := fmt.Sprintf("a%d", i)
			attr("xmlns:"+p, a.Name.Space)
			attr(p+":"+a.Name.Local, a.Value)
		}
	}
	if len(e.Children) == 0 && e.Text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	xml.EscapeText(b, []byte(e.Text)) //nolint:errcheck // bytes.Buffer does not fail
	for _, c := range e.Children {
		c.writeXML(b, e.Name.Space)
	}
	b.WriteString("</" + e.Name.Local + ">")
}

// Node is an element to be written. Names are fixed by code ("contact:id");
// attribute values and text are escaped when written.
type Node struct {
	raw   string // written verbatim; see Raw
	name  string
	attrs [][2]string
	text  string
	kids  []*Node
}

// E makes an element with children; nil children are skipped, so optional
// parts can be written inline.
func E(name string, kids ...*Node) *Node {
	n := &Node{name: name}
	return n.Add(kids...)
}

// T makes an element holding text.
func T(name, text string) *Node { return &Node{name: name, text: text} }

// Add appends children, skipping nil ones.
func (n *Node) Add(kids ...*Node) *Node {
	for _, k := range kids {
		if k != nil {
			n.kids = append(n.kids, k)
		}
	}
	return n
}

// Attr sets an attribute.
func (n *Node) Attr(name, value string) *Node {
	n.attrs = append(n.attrs, [2]string{name, value})
	return n
}

// AttrValue is the value of an attribute set with Attr ("" when unset).
func (n *Node) AttrValue(name string) string {
	for _, a := range n.attrs {
		if a[0] == name {
			return a[1]
		}
	}
	return ""
}

// Raw is a node written verbatim. The caller must have checked that s is
// well-formed XML (ParseFragment does).
func Raw(s string) *Node { return &Node{raw: s} }

// ParseFragment parses a sequence of elements, as found inside an element;
// prefixes must be declared within the fragment.
func ParseFragment(s string) ([]*Element, error) {
	root, err := Parse([]byte("<fragment>" + s + "</fragment>"))
	if err != nil {
		return nil, err
	}
	if err := CheckElementOnly(root); err != nil {
		return nil, err
	}
	return root.Children, nil
}

func (n *Node) write(b *bytes.Buffer) {
	if n.raw != "" {
		b.WriteString(n.raw)
		return
	}
	b.WriteByte('<')
	b.WriteString(n.name)
	for _, a := range n.attrs {
		b.WriteByte(' ')
		b.WriteString(a[0])
		b.WriteString(`="`)
		xml.EscapeText(b, []byte(a[1])) //nolint:errcheck // bytes.Buffer does not fail
		b.WriteByte('"')
	}
	if len(n.kids) == 0 && n.text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	xml.EscapeText(b, []byte(n.text)) //nolint:errcheck // bytes.Buffer does not fail
	for _, k := range n.kids {
		k.write(b)
	}
	b.WriteString("</")
	b.WriteString(n.name)
	b.WriteByte('>')
}

// Document writes the node as a complete XML document.
func Document(root *Node) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>`)
	root.write(&b)
	return b.Bytes()
}

// String writes the node alone, without an XML declaration.
func (n *Node) String() string {
	var b bytes.Buffer
	n.write(&b)
	return b.String()
}

// ErrNotElementOnly is returned by CheckElementOnly.
var ErrNotElementOnly = errors.New("text where only elements are allowed")

// CheckElementOnly reports text inside an element that should hold only
// elements.
func CheckElementOnly(e *Element) error {
	if strings.TrimSpace(e.Text) != "" {
		return fmt.Errorf("%s: %w", e.Name.Local, ErrNotElementOnly)
	}
	return nil
}
