package store

import (
	"context"
	"fmt"
	"strings"
)

// Table is a table of the database as its catalogue describes it.
type Table struct {
	Name    string
	Columns []Column
}

// Column is one column and its type as the backend names it.
type Column struct{ Name, Type string }

// Textual reports whether the column can hold text (or bytes read as text).
func (c Column) Textual() bool {
	t := strings.ToLower(c.Type)
	for _, s := range []string{"text", "char", "json", "blob", "bytea", "clob"} {
		if strings.Contains(t, s) {
			return true
		}
	}
	return t == "" // SQLite: a column without a type takes anything
}

// Catalogue lists every table of the database and its columns, River's
// included, from the backend's own catalogue.
func (r reader) Catalogue(ctx context.Context) ([]Table, error) {
	type col struct{ table, name, typ string }
	cols, err := collect(ctx, r.q, r.sql.CatalogueColumns, nil, func(row Row) (col, error) {
		var c col
		err := row.Scan(&c.table, &c.name, &c.typ)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	var tables []Table
	for _, c := range cols {
		if len(tables) == 0 || tables[len(tables)-1].Name != c.table {
			tables = append(tables, Table{Name: c.table})
		}
		t := &tables[len(tables)-1]
		t.Columns = append(t.Columns, Column{Name: c.name, Type: c.typ})
	}
	return tables, nil
}

// Hit is a row whose column holds a text searched for.
type Hit struct {
	Table, Column string
	// Key is the row's id, or the backend's row address where the table
	// has no id column.
	Key string
}

// FindText lists the rows of every table whose text columns contain any
// of the needles, walking the catalogue rather than a list kept by hand.
// It is for tests and audits of what the database holds.
func (s *Store) FindText(ctx context.Context, needles []string) ([]Hit, error) {
	tables, err := s.Catalogue(ctx)
	if err != nil {
		return nil, err
	}
	pg := s.drv.Name() == "postgres"
	var hits []Hit
	for _, t := range tables {
		key := "rowid"
		if pg {
			key = "ctid"
		}
		for _, c := range t.Columns {
			if c.Name == "id" {
				key = quoteIdent("id")
			}
		}
		for _, c := range t.Columns {
			if !c.Textual() {
				continue
			}
			value := "CAST(" + quoteIdent(c.Name) + " AS TEXT)"
			find := "instr(%s, ?1) > 0"
			if pg {
				find = "strpos(%s, $1) > 0"
				if strings.Contains(strings.ToLower(c.Type), "bytea") {
					value = "encode(" + quoteIdent(c.Name) + ", 'escape')"
				}
			}
			q := fmt.Sprintf("SELECT CAST(%s AS TEXT) FROM %s WHERE "+find, key, quoteIdent(t.Name), value)
			for _, n := range needles {
				if n == "" {
					continue
				}
				keys, err := collect(ctx, s.drv, q, []any{n}, func(r Row) (string, error) {
					var k string
					err := r.Scan(&k)
					return k, err
				})
				if err != nil {
					return nil, fmt.Errorf("search %s.%s: %w", t.Name, c.Name, err)
				}
				for _, k := range keys {
					hits = append(hits, Hit{Table: t.Name, Column: c.Name, Key: k})
				}
			}
		}
	}
	return hits, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
