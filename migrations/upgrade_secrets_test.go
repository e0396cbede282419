package migrations_test

import (
	"context"
	"database/sql"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/afscherm/afscherm/internal/mail"
	"github.com/afscherm/afscherm/internal/store/storetest"
	"github.com/afscherm/afscherm/migrations"
)

// TestUpgradeDropsLiveSecrets: a database at schema version 11 holds
// approval mails with live links and staff tokens of an enabled account,
// of a disabled one and of a name without an account. Migration 0012
// leaves a placeholder where each mail's token was (in its text and its
// HTML, other mails untouched), ties each token to its account, gives it
// an expiry 90 days after it was made, and revokes those of no account or
// a disabled one.
func TestUpgradeDropsLiveSecrets(t *testing.T) {
	const token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE" // 43 characters, as afscherm makes them
	const placeholder = mail.LinkPlaceholder                    // what 0012 writes: the constant must not change
	if len(token) != 43 {
		t.Fatal("the sample token is not 43 characters long")
	}
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, fsys, must := rawDatabase(t, backend)
			const at = `'2026-11-01T02:00:00.000000Z'`
			upTo(t, db, fsys, 1, 11)
			link := "https://klant.example/approve/" + token
			must(`INSERT INTO outbox (created_at, kind, to_address, subject, body_text, body_html, message_id, sent_at) VALUES
				(` + at + `, 'approval', 'jan@example.nl', 's', 'Open: ` + link + `. Groet', '<a href="` + link + `">open</a>', 'm1', ` + at + `),
				(` + at + `, 'reminder', 'jan@example.nl', 's', '` + link + `', '<a href="` + link + `">` + link + `</a>', 'm2', NULL),
				(` + at + `, 'party', 'sidn@example.nl', 's', 'see /approve/ in the manual', '', 'm3', NULL)`)
			must(`INSERT INTO staff_users (name, password_hash, created_at, updated_at, disabled_at) VALUES
				('anna', 'x', ` + at + `, ` + at + `, NULL), ('bob', 'x', ` + at + `, ` + at + `, ` + at + `)`)
			must(`INSERT INTO staff_tokens (name, token_hash, created_at) VALUES
				('anna', 'h-anna', ` + at + `), ('bob', 'h-bob', ` + at + `), ('ghost', 'h-ghost', ` + at + `)`)

			upTo(t, db, fsys, 12, 12)
			rows, err := db.Query(`SELECT message_id, body_text, body_html FROM outbox ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			bodies := map[string][2]string{}
			for rows.Next() {
				var id, text, html string
				if err := rows.Scan(&id, &text, &html); err != nil {
					t.Fatal(err)
				}
				bodies[id] = [2]string{text, html}
			}
			rows.Close()
			for _, id := range []string{"m1", "m2"} {
				b := bodies[id]
				if strings.Contains(b[0]+b[1], token) || !strings.Contains(b[0], "/approve/"+placeholder) || !strings.Contains(b[1], `href="https://klant.example/approve/`+placeholder+`"`) {
					t.Errorf("%s after 0012: %q", id, b)
				}
			}
			if bodies["m1"][0] != "Open: https://klant.example/approve/"+placeholder+". Groet" {
				t.Errorf("m1's text after 0012: %q", bodies["m1"][0])
			}
			if bodies["m3"][0] != "see /approve/ in the manual" {
				t.Errorf("another mail changed: %q", bodies["m3"][0])
			}

			rows, err = db.Query(`SELECT t.token_hash, u.name, t.expires_at, t.revoked_at FROM staff_tokens t
				LEFT JOIN staff_users u ON u.id = t.user_id ORDER BY t.id`)
			if err != nil {
				t.Fatal(err)
			}
			made := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
			for rows.Next() {
				var hash string
				var user sql.NullString
				var expires, revoked any
				if err := rows.Scan(&hash, &user, &expires, &revoked); err != nil {
					t.Fatal(err)
				}
				if got := timeOf(t, expires); !got.Equal(made.Add(90 * 24 * time.Hour)) {
					t.Errorf("%s expires %v", hash, got)
				}
				switch hash {
				case "h-anna":
					if user.String != "anna" || revoked != nil {
						t.Errorf("anna's token: account %v, revoked %v", user, revoked)
					}
				case "h-bob":
					if user.String != "bob" || revoked == nil {
						t.Errorf("a disabled account's token: account %v, revoked %v", user, revoked)
					}
				case "h-ghost":
					if user.Valid || revoked == nil {
						t.Errorf("a token without an account: account %v, revoked %v", user, revoked)
					}
				}
			}
			rows.Close()
			upTo(t, db, fsys, 13, 9999)
		})
	}
}

func timeOf(t *testing.T, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case string:
		got, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			t.Fatal(err)
		}
		return got
	case []byte:
		return timeOf(t, string(x))
	}
	t.Fatalf("a time of type %T", v)
	return time.Time{}
}

// rawDatabase opens a fresh database of the backend with database/sql,
// outside the store, to build an old schema by hand; must runs one
// statement or fails the test. The database is closed when the test ends.
func rawDatabase(t *testing.T, backend string) (*sql.DB, fs.FS, func(string)) {
	t.Helper()
	url := storetest.NewURL(t, backend)
	var db *sql.DB
	var err error
	fsys := migrations.SQLite()
	if backend == "sqlite" {
		db, err = sql.Open("sqlite", "file:"+url+"?_foreign_keys=1&_txlock=immediate")
	} else {
		db, err = sql.Open("pgx", url)
		fsys = migrations.Postgres()
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	must := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return db, fsys, must
}
