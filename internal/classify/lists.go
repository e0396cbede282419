package classify

import (
	"bufio"
	"embed"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/afscherm/afscherm/internal/model"
)

//go:embed lists/*.txt
var listFiles embed.FS

// lists are the classifier's maintained lists, read once.
var lists = struct {
	privacyServices   []string
	redactionMarkers  []string
	legalForms        []string
	roleMailboxes     map[string]bool
	freeMail          map[string]bool
	countries         map[string]bool
	nameParticles     map[string]bool
	withheldNotices   []string
	notPublished      []string
	standIn           []string
	soleTraderForms   []string
	organisationWords []string
	businessWords     []string
	roleNames         map[string]bool
	forwardingMail    []string
}{
	privacyServices:   readList("privacy-services.txt"),
	redactionMarkers:  readList("redaction-markers.txt"),
	legalForms:        readList("legal-forms.txt"),
	roleMailboxes:     set(readList("role-mailboxes.txt")),
	freeMail:          set(readList("free-mail-domains.txt")),
	countries:         set(readList("country-names.txt")),
	nameParticles:     set(readList("name-particles.txt")),
	withheldNotices:   readList("withheld-notices.txt"),
	notPublished:      readList("not-published-notices.txt"),
	standIn:           readList("stand-in-notices.txt"),
	soleTraderForms:   readList("sole-trader-forms.txt"),
	organisationWords: readList("organisation-words.txt"),
	businessWords:     readList("business-words.txt"),
	roleNames:         set(readList("role-names.txt")),
	forwardingMail:    readList("forwarding-mail.txt"),
}

func readList(name string) []string {
	f, err := listFiles.Open("lists/" + name)
	if err != nil {
		panic(err) // the lists are embedded at build time
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		if line = fold(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func set(items []string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// fold lower-cases s and collapses its white space, for matching. Most
// values need neither, and are returned as they are.
func fold(s string) string {
	clean := true
	prevSpace := true // so that a leading space is not clean
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf || ('A' <= c && c <= 'Z'):
			clean = false
		case c == ' ':
			if prevSpace {
				clean = false
			}
			prevSpace = true
			continue
		case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			clean = false
		}
		prevSpace = false
		if !clean {
			break
		}
	}
	if clean && !prevSpace {
		return s
	}
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// privacyService returns the list entry that s names, if any.
func privacyService(s string) string { return firstIn(lists.privacyServices, s) }

// redactionMarker returns the marker s contains, if any: a listed marker
// anywhere in it, or a whole value that only stands for withheld data
// ("Hidden", "Individual", a link to a contact form).
func redactionMarker(s string) string {
	switch f := strings.Trim(fold(s), " .!*"); {
	case f == "hidden" || f == "individual" || f == "private" || f == "not shown" || f == "withheld":
		return f
	case (strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://")) && !strings.Contains(f, " "):
		return "a link in place of the data"
	}
	return firstIn(lists.redactionMarkers, s)
}

// firstIn returns the first entry of list that s contains, ignoring case and
// spacing.
func firstIn(list []string, s string) string {
	f := fold(s)
	for _, entry := range list {
		if strings.Contains(f, entry) {
			return entry
		}
	}
	return ""
}

// legalForm returns the legal form in a name: one that ends it, or a long
// word form (Stichting, Gemeente, …) anywhere in it.
func legalForm(name string) string {
	// "Nom-IQ Ltd dba Com Laude": each trade name on its own.
	for _, sep := range []string{" dba ", " d/b/a ", " t/a ", " trading as "} {
		if before, after, ok := strings.Cut(strings.ToLower(name), sep); ok {
			if f := legalForm(before); f != "" {
				return f
			}
			return legalForm(after)
		}
	}
	words := strings.FieldsFunc(withoutAccents(fold(name)), func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '(' || r == ')'
	})
	if len(words) == 0 {
		return ""
	}
	joined := " " + strings.Join(words, " ") + " "
	for _, form := range lists.legalForms {
		if strings.HasSuffix(joined, " "+form+" ") {
			return form
		}
		// A dotted form ("Inc.", "S.A.", "Co., Ltd.") is distinctive enough
		// to count anywhere in the name: "Google Inc. Domain Admin".
		if len(form) >= 3 && strings.HasSuffix(form, ".") && strings.Contains(joined, " "+form+" ") {
			return form
		}
		if len(form) >= 5 && !strings.ContainsAny(form, ".&/") && strings.Contains(joined, " "+form+" ") {
			return form
		}
	}
	// A form written with a full stop the list has without: "Example ehf.".
	undotted := " " + strings.TrimRight(strings.Join(words, " "), ".") + " "
	for _, form := range lists.legalForms {
		if !strings.HasSuffix(form, ".") && strings.HasSuffix(undotted, " "+form+" ") {
			return form
		}
	}
	return ""
}

// organisationWord returns the word in a name that only organisations carry
// (a university, a ministry, 有限公司, or a trade: "Travel", "Web"), if any:
// as a word of its own, or as the end of a compound ("Tandartsenpraktijk").
func organisationWord(name string) string {
	if w := findWord(lists.organisationWords, name, true); w != "" {
		return w
	}
	return findWord(lists.businessWords, name, true)
}

// standaloneOrganisationWord reports whether a name carries an institution's
// word as a word of its own ("Société Editrice du Monde", "University of
// …"), not only as the end of a compound ("Schildersbedrijf"); a trade's
// word ("Web Development") does not count, since a sole trader's business
// name is often the person's name and their trade.
func standaloneOrganisationWord(name string) bool {
	return findWord(lists.organisationWords, name, false) != ""
}

func findWord(list []string, name string, compounds bool) string {
	f := fold(name)
	if plain := nameKey(name); plain != f && plain != "" {
		// "Üniversitesi" carries "universit" once its accents are gone.
		if w := findWord(list, plain, compounds); w != "" {
			return w
		}
	}
	if f == "" {
		return ""
	}
	words := strings.FieldsFunc(f, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '&'
	})
	for _, entry := range list {
		if entry[0] >= utf8.RuneSelf {
			if strings.Contains(f, entry) {
				return entry
			}
			continue
		}
		for _, w := range words {
			if strings.HasPrefix(w, entry) && (len(entry) >= 4 || w == entry) ||
				compounds && len(entry) >= 6 && len(w) > len(entry) && strings.HasSuffix(w, entry) {
				return entry
			}
		}
	}
	return ""
}

// soleTraderForm returns the word in a business name that marks it as one
// person's ("Firma Jan Kowalski", "… e.K."), if any.
func soleTraderForm(name string) string {
	joined := " " + strings.Join(strings.FieldsFunc(fold(name), func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '(' || r == ')'
	}), " ") + " "
	for _, form := range lists.soleTraderForms {
		if strings.Contains(joined, " "+form+" ") {
			return form
		}
	}
	return ""
}

// roleName reports whether a name is a role's or a department's
// ("Domain Administrator") rather than a person's.
func roleName(name string) bool {
	f := strings.Trim(fold(name), " .,;:")
	return lists.roleNames[f]
}

// roleMailbox reports whether an e-mail address is a shared mailbox such as
// info@ or hostmaster@ rather than one person's.
func roleMailbox(email string) bool {
	local, _, ok := strings.Cut(strings.ToLower(email), "@")
	if !ok {
		return false
	}
	if lists.roleMailboxes[local] {
		return true
	}
	if i := strings.IndexAny(local, "-.+_"); i > 0 {
		return lists.roleMailboxes[local[:i]]
	}
	return false
}

// freeMail reports whether an address is at a mail provider for private people.
func freeMail(email string) bool {
	_, domain, ok := strings.Cut(strings.ToLower(email), "@")
	return ok && lists.freeMail[domain]
}

// countryLine reports whether a line of an address block is only a country.
func countryLine(s string) bool { return lists.countries[fold(s)] }

// withheldNotice returns the notice in a lower-cased text that says the
// registry holds the registrant's data but withholds it.
func withheldNotice(lower string) string { return noticeIn(lists.withheldNotices, lower) }

// standInNotice returns the notice in a folded text (see fold) that says the
// registrant shown stands in for the domain's user.
func standInNotice(folded string) string { return noticeIn(lists.standIn, folded) }

// notPublishedNotice returns the notice in a folded text (see fold) that says
// the registry publishes no registrant data.
func notPublishedNotice(folded string) string { return noticeIn(lists.notPublished, folded) }

// noticeIn returns the first notice of a list that text contains.
func noticeIn(notices []string, text string) string {
	for _, n := range notices {
		if strings.Contains(text, n) {
			return n
		}
	}
	return ""
}

var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

// personalLooking describes the personal-looking data in lines that were
// placed in no contact: a private mailbox that no contact holds.
func personalLooking(lines []string, contacts map[string]*contact) []string {
	var out []string
	for _, l := range lines {
		for _, e := range emailPattern.FindAllString(l, -1) {
			if !freeMail(e) || roleMailbox(e) {
				continue
			}
			held := false
			for _, c := range contacts {
				held = held || strings.EqualFold(c.values[model.FieldEmail], e)
			}
			if !held {
				out = append(out, "a private mailbox in a line no contact holds")
			}
		}
	}
	return out
}

// forwardingAddress reports whether an e-mail address forwards to the
// registrant without naming them: at a forwarding or privacy domain, or a
// random-looking mailbox.
func forwardingAddress(email string) bool {
	local, domain, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	if !ok {
		return false
	}
	for _, w := range lists.forwardingMail {
		if strings.Contains(domain, w) {
			return true
		}
	}
	if lists.freeMail[domain] {
		return false // a person's own mailbox, however it looks
	}
	digits := 0
	for _, r := range local {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-':
		case r < 'a' || r > 'z':
			return false
		}
	}
	return len(local) >= 8 && digits >= 3
}

// personalNameInside reports whether a business name holds what looks like a
// person's name: a capitalised word, a surname particle, a capitalised word
// ("Schildersbedrijf Pieter de Boer").
func personalNameInside(name string) bool {
	words := strings.Fields(name)
	for i := 1; i+1 < len(words); i++ {
		j := i
		for j+1 < len(words) && lists.nameParticles[strings.ToLower(words[j])] {
			j++
		}
		if j == i || j >= len(words) {
			continue
		}
		if capitalised(words[i-1]) && capitalised(words[j]) && !lists.nameParticles[strings.ToLower(words[i-1])] {
			return true
		}
	}
	return false
}

func capitalised(w string) bool {
	for _, r := range w {
		return unicode.IsUpper(r)
	}
	return false
}
