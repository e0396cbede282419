package requests

import (
	"context"
	"fmt"

	"github.com/afscherm/afscherm/internal/adapters"
	"github.com/afscherm/afscherm/internal/model"
)

// registrarOf is the registrar of record a domain's request goes through,
// given its last scan: the imported one, which the live record must not
// contradict (we must not quote or charge for a domain that has moved to
// another registrar); or, where the import names none, the one the live
// record names, as the registrars file knows it. A non-empty refusal says
// why the domain gets no request.
func (s *Service) registrarOf(d model.Domain, scan model.ScanResult) (registrar, refusal string) {
	live := scan.Registrar
	if d.Registrar == "" {
		if !live.Known() {
			return "", "the import names no registrar of record for it and the live record names none either; " +
				"give its registrar in the import"
		}
		return liveRegistrar(s.Adapters, live), ""
	}
	if !s.Adapters.SameRegistrar(d.Registrar, live) {
		return "", fmt.Sprintf("the domain's live registrar of record is %s, not %s as imported: it may have moved to "+
			"another registrar, and we must not quote or charge for it there; scan it again, correct the import, or, "+
			"if %s is %s, name it under registrars_of_record in the registrars file", live, d.Registrar, live, d.Registrar)
	}
	return d.Registrar, ""
}

// liveRegistrar names a live registrar of record as the configuration
// does, or — for one it does not know — by a name made from it, which
// only routes for any registrar ("*") serve.
func liveRegistrar(router *adapters.Router, live model.Registrar) string {
	if key, ok := router.Registrars().Identify(live); ok {
		return key
	}
	return adapters.RegistrarKey(live)
}

// registrarForFiling is the registrar of record a request is filed under:
// the imported one, or where the import names none, the one the domain's
// latest scan found.
func (s *Service) registrarForFiling(ctx context.Context, d model.Domain) string {
	if d.Registrar != "" {
		return d.Registrar
	}
	scan, err := s.Store.LatestScan(ctx, d.Name)
	if err != nil || !scan.Registrar.Known() {
		return ""
	}
	return liveRegistrar(s.Adapters, scan.Registrar)
}
