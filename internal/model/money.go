package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Currency is the only one afscherm charges in.
const Currency = "EUR"

// VATRateBasisPoints is the Dutch standard VAT rate, 21%, in hundredths of
// a percent.
const VATRateBasisPoints = 2100

// Cents is an amount of euro cents.
type Cents int64

// VAT returns the VAT on a net amount at a rate in basis points, rounded
// half up (away from zero for negative amounts, so a reversal mirrors its
// charge exactly).
func VAT(net Cents, basisPoints int64) Cents {
	n := int64(net) * basisPoints
	neg := n < 0
	if neg {
		n = -n
	}
	v := (n + 5000) / 10000
	if neg {
		v = -v
	}
	return Cents(v)
}

// String writes the amount in euros with two decimals: "12.50", "-0.05".
func (c Cents) String() string {
	sign := ""
	v := int64(c)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Dutch writes the amount as Dutch readers expect: "€ 12,50".
func (c Cents) Dutch() string { return "€ " + strings.Replace(c.String(), ".", ",", 1) }

// English writes the amount as English readers expect: "€12.50".
func (c Cents) English() string { return "€" + c.String() }

// ParseEuros reads an amount in euros, "12.50", "12,50" or "12", exactly.
func ParseEuros(s string) (Cents, error) {
	s = strings.TrimSpace(strings.Replace(s, ",", ".", 1))
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return 0, fmt.Errorf("%q is not an amount in euros with at most two decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1_000_000 {
		return 0, fmt.Errorf("%q is not an amount in euros between 0 and 1,000,000", s)
	}
	var f int64
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0, fmt.Errorf("%q is not an amount in euros", s)
		}
	}
	return Cents(w*100 + f), nil
}

// QuoteLine is one line of a quote or invoice: a net amount, its VAT and
// the total, each in cents, the VAT rounded once on this line.
type QuoteLine struct {
	Item  string `json:"item"` // "registrar_cost" or "service_fee"
	Net   Cents  `json:"net"`
	VAT   Cents  `json:"vat"`
	Gross Cents  `json:"gross"`
}

// NewQuoteLine prices an item at the Dutch standard VAT rate.
func NewQuoteLine(item string, net Cents) QuoteLine {
	vat := VAT(net, VATRateBasisPoints)
	return QuoteLine{Item: item, Net: net, VAT: vat, Gross: net + vat}
}

// The items on a quote.
const (
	ItemRegistrarCost = "registrar_cost"
	ItemServiceFee    = "service_fee"
)

// Price is what shielding one domain costs, line by line.
type Price struct {
	Currency string      `json:"currency"`
	Lines    []QuoteLine `json:"lines"`
}

// NewPrice makes a price from the registrar's cost and the company's fee.
func NewPrice(registrarCost, serviceFee Cents) Price {
	return Price{Currency: Currency, Lines: []QuoteLine{
		NewQuoteLine(ItemRegistrarCost, registrarCost), NewQuoteLine(ItemServiceFee, serviceFee)}}
}

// Net is the price without VAT.
func (p Price) Net() Cents { n, _, _ := p.Totals(); return n }

// VAT is the VAT of the price.
func (p Price) VAT() Cents { _, v, _ := p.Totals(); return v }

// Gross is the price with VAT.
func (p Price) Gross() Cents { _, _, g := p.Totals(); return g }

// Totals adds the lines up.
func (p Price) Totals() (net, vat, gross Cents) {
	for _, l := range p.Lines {
		net, vat, gross = net+l.Net, vat+l.VAT, gross+l.Gross
	}
	return net, vat, gross
}

// PriceRow is one line of a price table: what shielding a domain of a TLD
// costs at a registrar of record ("*" for any), in cents without VAT.
type PriceRow struct {
	TLD           string `json:"tld"`
	Registrar     string `json:"registrar"`
	RegistrarCost Cents  `json:"registrar_cost_cents"`
	ServiceFee    Cents  `json:"service_fee_cents"`
}
