package check

import (
	"fmt"
	"strings"

	"github.com/afscherm/afscherm/internal/model"
)

// Pricer gives the price of shielding a domain by its TLD and registrar of
// record; the request flow's price table.
type Pricer interface {
	Price(tld, registrar string) (model.Price, error)
}

// Pair is a TLD and registrar of record that active domains have; no
// domain names.
type Pair struct {
	TLD, Registrar string
	Domains        int
}

// Prices reports the pairs of active domains the price table has no price
// for: a request for such a domain cannot be quoted. prices is nil when
// there is no table at all.
func Prices(prices Pricer, pairs []Pair) Result {
	const item = "price table"
	const fix = "run 'afscherm prices import FILE' (or give --price-table FILE), a CSV of tld, registrar (or *), registrar_cost, service_fee"
	if prices == nil {
		return Failure(item, "none: no request can be quoted", fix)
	}
	var missing []string
	domains := 0
	for _, p := range pairs {
		if _, err := prices.Price(p.TLD, p.Registrar); err != nil {
			missing = append(missing, fmt.Sprintf(".%s at %s (%d domains)", p.TLD, p.Registrar, p.Domains))
		}
		domains += p.Domains
	}
	if len(missing) > 0 {
		return Failure(item, "no price for "+strings.Join(missing, ", "),
			"add a row for each (tld, registrar, or tld,* for any registrar) and run 'afscherm prices import FILE'")
	}
	return Pass(item, fmt.Sprintf("a price for every TLD and registrar of the %d active domains (%d pairs)", domains, len(pairs)))
}
