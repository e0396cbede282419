package logsafe_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/afscherm/afscherm/internal/logsafe"
	"github.com/afscherm/afscherm/internal/model"
)

// domains is a Lookup over a fixed set of names; down makes it fail as a
// database that does not answer.
type domains struct {
	ids   map[string]int64
	down  bool
	asked []string
}

func (d *domains) Domain(_ context.Context, name string) (model.Domain, error) {
	d.asked = append(d.asked, name)
	if d.down {
		return model.Domain{}, errors.New("connection refused")
	}
	if id, ok := d.ids[name]; ok {
		return model.Domain{ID: id, Name: name}, nil
	}
	return model.Domain{}, model.Errorf(model.KindNotFound, "domain %s not found", name)
}

func ours() *domains {
	return &domains{ids: map[string]int64{"janvandenheuvel.nl": 11, "xn--jansens-caf-lbb.nl": 12, "liekekok.com": 13}}
}

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"insert request for janvandenheuvel.nl: database is locked", "insert request for [domain 11]: database is locked"},
		{"Openprovider does not allow WHOIS privacy protection for LiekeKok.COM.", "Openprovider does not allow WHOIS privacy protection for [domain 13]."},
		{"jansens-café.nl and xn--jansens-caf-lbb.nl", "[domain 12] and [domain 12]"},
		{"GET https://rdap.sidn.nl/domain/janvandenheuvel.nl: timeout", "GET https://rdap.sidn.nl/domain/[domain 11]: timeout"},
		{"mx.janvandenheuvel.nl refused", "mx.[domain 11] refused"},
		{"550 5.1.1 <jan@janvandenheuvel.nl>: Recipient address rejected", "550 5.1.1 <[e-mail address]>: Recipient address rejected"},
		// Not ours, or not names: left as they are.
		{"pietjanvandenheuvel.nl, janvandenheuvel.nl.example, 127.0.0.1:5432, v1.2.3, took 1.5s, afscherm.db",
			"pietjanvandenheuvel.nl, janvandenheuvel.nl.example, 127.0.0.1:5432, v1.2.3, took 1.5s, afscherm.db"},
		{"no names here", "no names here"},
	} {
		if got := logsafe.Text(context.Background(), ours(), c.in); got != c.want {
			t.Errorf("Text(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestTextAsksOncePerName(t *testing.T) {
	d := ours()
	logsafe.Text(context.Background(), d, "janvandenheuvel.nl, JanVandenHeuvel.nl and janvandenheuvel.nl")
	if len(d.asked) != 1 {
		t.Errorf("asked %v", d.asked)
	}
}

// A name that cannot be placed is left out: a person's name is not risked
// for the sake of a host name.
func TestTextWithoutTheDatabase(t *testing.T) {
	d := ours()
	d.down = true
	got := logsafe.Text(context.Background(), d, "scan of janvandenheuvel.nl: dial rdap.sidn.nl: refused")
	if want := "scan of [domain name]: dial [domain name]: refused"; got != want || len(d.asked) != 1 {
		t.Errorf("got %q, want %q; asked %v (once is enough to know)", got, want, d.asked)
	}
	long := strings.Repeat("a.nl b.nl c.nl d.nl e.nl f.nl g.nl h.nl ", 5) + "janvandenheuvel.nl"
	if got := logsafe.Text(context.Background(), ours(), long); strings.Contains(got, "janvandenheuvel") {
		t.Errorf("a long text kept the name: %q", got)
	}
}

func TestDomainNamed(t *testing.T) {
	ctx := context.Background()
	if a := logsafe.DomainNamed(ctx, ours(), "Jansens-Café.nl"); a.Key != logsafe.DomainKey || a.Value.Int64() != 12 {
		t.Errorf("ours: %v", a)
	}
	if a := logsafe.DomainNamed(ctx, ours(), "example.com"); !a.Equal(slog.Attr{}) {
		t.Errorf("not ours: %v", a)
	}
}

// River's lines about a job keep the job's id and lose its error; its
// other lines are as River wrote them.
func TestForRiver(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(logsafe.ForRiver(slog.NewTextHandler(&buf, nil))).With("component", "river")
	log.Error("jobexecutor.JobExecutor: Failed to report error for job",
		slog.String("error", "scan janvandenheuvel.nl: timeout"), slog.Int64("job_id", 7), slog.String("job_kind", "scan_domain"))
	log.Error("producer: Error fetching jobs", slog.String("err", "connection refused"), slog.String("queue", "scan"))
	out := buf.String()
	if strings.Contains(out, "janvandenheuvel") || !strings.Contains(out, "job_id=7") || !strings.Contains(out, "kept with the job") ||
		!strings.Contains(out, "err=\"connection refused\"") || !strings.Contains(out, "component=river") {
		t.Errorf("River's log:\n%s", out)
	}
}
