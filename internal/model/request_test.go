package model

import (
	"fmt"
	"testing"
)

// allowed is the state machine as the issue states it, written out again
// here so that the code is checked against the rules, not against itself.
var allowed = map[string]RequestState{
	"quoted/send_for_approval":      StateAwaitingApproval,
	"quoted/expire":                 StateExpired,
	"quoted/cancel":                 StateCancelled,
	"awaiting_approval/approve":     StateApproved,
	"awaiting_approval/decline":     StateDeclined,
	"awaiting_approval/expire":      StateExpired,
	"awaiting_approval/cancel":      StateCancelled,
	"approved/cancel":               StateCancelled,
	"approved/withdraw":             StateCancelled,
	"approved/start_submission":     StateSubmitting,
	"approved/fail":                 StateFailed,
	"submitting/confirm_submission": StateSubmitted,
	"submitting/fail":               StateFailed,
	"submitted/complete":            StateCompleted,
	"submitted/fail":                StateFailed,
	"completed/verify":              StateVerified,
	"completed/fail":                StateFailed,
	"verified/fail":                 StateFailed,
}

func TestEveryTransition(t *testing.T) {
	if len(Transitions()) != 11 {
		t.Fatalf("%d transitions", len(Transitions()))
	}
	for _, s := range RequestStates {
		for _, tr := range Transitions() {
			key := fmt.Sprintf("%s/%s", s, tr)
			got, err := s.Next(tr)
			want, ok := allowed[key]
			switch {
			case ok && (err != nil || got != want):
				t.Errorf("%s: got %q, %v; want %q", key, got, err, want)
			case !ok && err == nil:
				t.Errorf("%s: allowed (to %s), want refused", key, got)
			case !ok && !IsKind(err, KindConflict):
				t.Errorf("%s: refused with %v, want a conflict", key, err)
			}
		}
	}
	if _, err := StateQuoted.Next("fly"); !IsKind(err, KindInvalid) {
		t.Errorf("unknown transition: %v", err)
	}
	if _, err := StateSubmitted.Next(Cancel); err == nil || err.Error() != "a request that is submitted cannot be cancelled" {
		t.Errorf("message: %v", err)
	}
}

func TestOpenStates(t *testing.T) {
	for _, s := range RequestStates {
		want := s == StateQuoted || s == StateAwaitingApproval || s == StateApproved || s == StateSubmitting ||
			s == StateSubmitted || s == StateCompleted
		if s.Open() != want {
			t.Errorf("%s open = %v", s, s.Open())
		}
	}
}

func TestVATRoundsHalfUpPerLine(t *testing.T) {
	for _, tc := range []struct{ net, vat Cents }{
		{0, 0}, {100, 21}, {1250, 263}, {1249, 262}, {50, 11}, {2, 0}, {3, 1}, {495, 104}, {-1250, -263}, {-50, -11},
	} {
		if got := VAT(tc.net, VATRateBasisPoints); got != tc.vat {
			t.Errorf("VAT(%d) = %d, want %d", tc.net, got, tc.vat)
		}
	}
	p := NewPrice(495, 1250)
	net, vat, gross := p.Totals()
	if net != 1745 || vat != 104+263 || gross != 1745+367 || p.Lines[0].Gross != 599 {
		t.Errorf("price %+v: %d %d %d", p, net, vat, gross)
	}
}

func TestParseEuros(t *testing.T) {
	for in, want := range map[string]Cents{"12.50": 1250, "12,5": 1250, "0": 0, "4.95": 495, " 7 ": 700} {
		if got, err := ParseEuros(in); err != nil || got != want {
			t.Errorf("ParseEuros(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "-1", "1.234", "abc", "1.", ".5", "99999999"} {
		if _, err := ParseEuros(bad); err == nil {
			t.Errorf("ParseEuros(%q) accepted", bad)
		}
	}
	if Cents(1250).Dutch() != "€ 12,50" || Cents(-5).String() != "-0.05" || Cents(1250).English() != "€12.50" {
		t.Error("formatting")
	}
}
