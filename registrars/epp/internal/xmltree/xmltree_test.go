package xmltree

import (
	"strings"
	"testing"
)

func TestParseResolvesPrefixesFromAncestors(t *testing.T) {
	// SIDN declares its extension prefix on <epp>, not where it is used.
	doc := `<?xml version="1.0"?><epp xmlns="urn:e" xmlns:s="urn:s"><response><extension>` +
		`<s:ext><s:msg code="T1"> text </s:msg></s:ext></extension></response></epp>`
	root, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	msg := root.Path("urn:e", "response", "extension").Child("urn:s", "ext").Child("urn:s", "msg")
	if msg == nil || msg.Value() != "text" {
		t.Fatalf("msg = %+v", msg)
	}
	if v, ok := msg.AttrValue("code"); !ok || v != "T1" {
		t.Errorf("code = %q", v)
	}
	if len(root.Attr) != 0 {
		t.Errorf("namespace declarations kept as attributes: %v", root.Attr)
	}
}

func TestParseRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":        "",
		"text":         "hello",
		"two roots":    "<a/><b/>",
		"unclosed":     "<a><b></a>",
		"doctype":      `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`,
		"entity":       "<a>&nbsp;</a>",
		"text after":   "<a/>tail",
		"too deep":     strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1),
		"bad encoding": `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestBuilderEscapes(t *testing.T) {
	n := E("c:x", T("c:name", `A & B <"C">`).Attr("type", `l"o'c`), nil, E("c:empty")).Attr("xmlns:c", "urn:c")
	out := Document(n)
	root, err := Parse(out)
	if err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	name := root.Child("urn:c", "name")
	if name.Text != `A & B <"C">` {
		t.Errorf("text %q", name.Text)
	}
	if v, _ := name.AttrValue("type"); v != `l"o'c` {
		t.Errorf("attr %q", v)
	}
	if !strings.Contains(string(out), "<c:empty/>") || len(root.Children) != 2 {
		t.Errorf("document %s", out)
	}
}

func TestParseFragment(t *testing.T) {
	els, err := ParseFragment(`<x:a xmlns:x="urn:x"/><x:b xmlns:x="urn:x">1</x:b>`)
	if err != nil || len(els) != 2 || !els[1].Is("urn:x", "b") {
		t.Fatalf("%v %v", els, err)
	}
	if _, err := ParseFragment(`text`); err == nil {
		t.Error("bare text accepted")
	}
	if _, err := ParseFragment(`<a>`); err == nil {
		t.Error("unclosed accepted")
	}
	out := E("r", Raw(`<x:a xmlns:x="urn:x"/>`)).String()
	if out != `<r><x:a xmlns:x="urn:x"/></r>` {
		t.Errorf("raw: %s", out)
	}
}

func TestXMLIsSelfContained(t *testing.T) {
	doc := `<epp xmlns="urn:e" xmlns:s="urn:s" xmlns:q="urn:q"><resData><s:data q:attr="1" plain="2" xml:lang="nl">` +
		`<s:item>a &amp; b</s:item><other xmlns="urn:o"/></s:data></resData></epp>`
	root, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	data := root.Child("urn:e", "resData").Children[0]
	out := data.XML()
	again, err := Parse([]byte(out))
	if err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if !again.Is("urn:s", "data") || again.Child("urn:s", "item").Value() != "a & b" || again.Child("urn:o", "other") == nil {
		t.Errorf("round trip lost structure: %s", out)
	}
	if len(again.Attr) != 3 || again.Attr[0].Name.Space != "urn:q" || again.Attr[0].Value != "1" {
		t.Errorf("attributes %v from %s", again.Attr, out)
	}
}
