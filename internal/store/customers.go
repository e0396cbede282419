package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/afscherm/afscherm/internal/model"
)

// Customer returns the customer with the given number.
func (r reader) Customer(ctx context.Context, number string) (model.Customer, error) {
	c, err := scanCustomer(r.q.QueryRow(ctx, r.sql.CustomerByNumber, number))
	if errors.Is(err, ErrNoRows) {
		return c, model.Errorf(model.KindNotFound, "customer %s not found", number)
	}
	if err != nil {
		return c, fmt.Errorf("customer %s: %w", number, err)
	}
	return c, nil
}

// Customers lists every customer by number.
func (r reader) Customers(ctx context.Context) ([]model.Customer, error) {
	cs, err := collect(ctx, r.q, r.sql.ListCustomers, nil, scanCustomer)
	if err != nil {
		return nil, fmt.Errorf("list customers: %w", err)
	}
	return cs, nil
}

// CountCustomers counts the customers.
func (r reader) CountCustomers(ctx context.Context) (int, error) {
	var n int
	if err := r.q.QueryRow(ctx, r.sql.CountCustomers).Scan(&n); err != nil {
		return 0, fmt.Errorf("count customers: %w", err)
	}
	return n, nil
}

// InsertCustomer adds a customer and sets its ID and timestamps.
func (tx *Tx) InsertCustomer(ctx context.Context, c *model.Customer) error {
	c.CreatedAt, c.UpdatedAt = tx.now, tx.now
	err := tx.q.QueryRow(ctx, tx.sql.InsertCustomer, append(customerArgs(*c), c.CreatedAt, c.UpdatedAt)...).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("insert customer %s: %w", c.Number, err)
	}
	return nil
}

// UpdateCustomer replaces the data of the customer with c's number.
func (tx *Tx) UpdateCustomer(ctx context.Context, c *model.Customer) error {
	c.UpdatedAt = tx.now
	n, err := tx.q.Exec(ctx, tx.sql.UpdateCustomer, append(customerArgs(*c), c.UpdatedAt)...)
	if err != nil {
		return fmt.Errorf("update customer %s: %w", c.Number, err)
	}
	if n == 0 {
		return model.Errorf(model.KindNotFound, "customer %s not found", c.Number)
	}
	return nil
}

// customerArgs are the first arguments of InsertCustomer and UpdateCustomer,
// $1…$11; the timestamps follow.
func customerArgs(c model.Customer) []any {
	return []any{c.Number, c.Name, string(c.Kind), c.Email, c.Phone, c.Street, c.PostalCode,
		c.City, c.Country, string(c.Language), dateArg(c.RelationshipEnd)}
}

// scanCustomer reads the columns id, number, name, kind, email, phone, street,
// postal_code, city, country, language, relationship_end, created_at,
// updated_at.
func scanCustomer(r Row) (model.Customer, error) {
	var c model.Customer
	var kind, lang string
	err := r.Scan(&c.ID, &c.Number, &c.Name, &kind, &c.Email, &c.Phone, &c.Street, &c.PostalCode,
		&c.City, &c.Country, &lang, dateValue{&c.RelationshipEnd}, timeValue{&c.CreatedAt}, timeValue{&c.UpdatedAt})
	c.Kind, c.Language = model.CustomerKind(kind), model.Language(lang)
	return c, err
}
