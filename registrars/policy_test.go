package registrars_test

import (
	"testing"

	"github.com/afscherm/afscherm/registrars"
)

func TestPrivacyForbiddenList(t *testing.T) {
	for _, tld := range []string{"us", ".US", "in", "cn"} {
		if reason, ok := registrars.PrivacyForbidden(tld); !ok || reason == "" {
			t.Errorf("%s: %q %t", tld, reason, ok)
		}
	}
	for _, tld := range []string{"com", "nl", "be", "org"} {
		if _, ok := registrars.PrivacyForbidden(tld); ok {
			t.Errorf("%s is listed", tld)
		}
	}
}
