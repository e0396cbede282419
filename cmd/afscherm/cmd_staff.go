package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/staffauth"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/web"
)

type staffCmd struct {
	Add     staffAddCmd     `cmd:"" help:"Create a console account; the password comes from AFSCHERM_STAFF_PASSWORD or is asked for."`
	Passwd  staffPasswdCmd  `cmd:"" help:"Set an account's password (ends its sessions)."`
	Disable staffDisableCmd `cmd:"" help:"Stop an account from signing in (ends its sessions and revokes its API tokens)."`
	Users   staffUsersCmd   `cmd:"" help:"List console accounts."`
	Token   staffTokenCmd   `cmd:"" help:"Manage staff API tokens."`
}

type staffAddCmd struct {
	Name string `required:"" help:"The user name: 1 to 64 lower-case letters, digits, '.', '_' or '-'."`
}

func (c staffAddCmd) Run(e *env) error {
	if !staffName.MatchString(c.Name) {
		return usagef("--name must be 1 to 64 lower-case letters, digits, '.', '_' or '-'")
	}
	password, err := newPassword(e)
	if err != nil {
		return err
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	u := store.StaffUser{Name: c.Name, PasswordHash: staffauth.Hash(password, staffauth.Default)}
	err = st.InTx(e.ctx, func(tx *store.Tx) error {
		if err := tx.InsertStaffUser(e.ctx, &u); err != nil {
			return err
		}
		_, err := tx.AddAuditEvent(e.ctx, model.AuditEvent{Actor: staffActor(e, ""), Action: "staff_user.created",
			SubjectKind: "staff_user", SubjectID: c.Name})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created staff member %s; sign in at /staff/ of 'afscherm serve'\n", c.Name)
	return nil
}

type staffPasswdCmd struct {
	Name string `required:"" help:"Whose password."`
}

func (c staffPasswdCmd) Run(e *env) error {
	password, err := newPassword(e)
	if err != nil {
		return err
	}
	return changeStaffUser(e, c.Name, "staff_user.password_set", func(tx *store.Tx, u store.StaffUser) error {
		return tx.SetStaffPassword(e.ctx, u.ID, staffauth.Hash(password, staffauth.Default))
	})
}

type staffDisableCmd struct {
	Name string `required:"" help:"Whose account."`
}

func (c staffDisableCmd) Run(e *env) error {
	return changeStaffUser(e, c.Name, "staff_user.disabled", func(tx *store.Tx, u store.StaffUser) error {
		return tx.DisableStaffUser(e.ctx, u.ID)
	})
}

// changeStaffUser changes an account in a transaction with its audit event.
func changeStaffUser(e *env, name, action string, change func(*store.Tx, store.StaffUser) error) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	err = st.InTx(e.ctx, func(tx *store.Tx) error {
		u, err := tx.StaffUser(e.ctx, name)
		if err != nil {
			return err
		}
		if err := change(tx, u); err != nil {
			return err
		}
		_, err = tx.AddAuditEvent(e.ctx, model.AuditEvent{Actor: staffActor(e, ""), Action: action,
			SubjectKind: "staff_user", SubjectID: name})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", name, strings.TrimPrefix(action, "staff_user."))
	return nil
}

// newPassword takes a new password from AFSCHERM_STAFF_PASSWORD, or asks
// for it twice on a terminal, or reads one line of standard input.
func newPassword(e *env) (string, error) {
	p := e.getenv("AFSCHERM_STAFF_PASSWORD")
	if p == "" {
		if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			fmt.Fprint(e.stderr, "password: ")
			a, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprint(e.stderr, "\nagain: ")
			if err != nil {
				return "", err
			}
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(e.stderr)
			if err != nil {
				return "", err
			}
			if string(a) != string(b) {
				return "", usagef("the two passwords differ")
			}
			p = string(a)
		} else {
			line, err := bufio.NewReader(io.LimitReader(e.stdin, 1024)).ReadString('\n')
			if err != nil && err != io.EOF {
				return "", err
			}
			p = strings.TrimRight(line, "\r\n")
		}
	}
	if err := staffauth.CheckPassword(p); err != nil {
		return "", usagef("%v", err)
	}
	return p, nil
}

type staffUsersCmd struct{}

func (staffUsersCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.StaffUsers(e.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCREATED\tDISABLED")
	for _, u := range users {
		disabled := "–"
		if !u.DisabledAt.IsZero() {
			disabled = u.DisabledAt.In(amsterdam).Format("2006-01-02")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, u.CreatedAt.In(amsterdam).Format("2006-01-02"), disabled)
	}
	return tw.Flush()
}

type staffTokenCmd struct {
	Create staffTokenCreateCmd `cmd:"" help:"Issue a token for the staff API; it is shown once, only its hash is kept."`
	List   staffTokenListCmd   `cmd:"" help:"List tokens with their account, creation, expiry and last use (never the tokens themselves)."`
	Revoke staffTokenRevokeCmd `cmd:"" help:"Revoke a token."`
}

var staffName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

type staffTokenCreateCmd struct {
	Name    string        `required:"" help:"Whose token: the user name of a staff account (staff add), recorded as the actor of what it does; disabling the account ends the token."`
	Expires time.Duration `name:"expires" default:"2160h" help:"How long the token works (default 90 days, at most a year), e.g. 720h."`
}

// maxStaffTokenTTL bounds --expires: a token is renewed at least yearly.
const maxStaffTokenTTL = 366 * 24 * time.Hour

func (c staffTokenCreateCmd) Run(e *env) error {
	if !staffName.MatchString(c.Name) {
		return usagef("--name must be 1 to 64 lower-case letters, digits, '.', '_' or '-'")
	}
	if c.Expires <= 0 || c.Expires > maxStaffTokenTTL {
		return usagef("--expires must be more than nothing and at most a year (%v)", maxStaffTokenTTL)
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read does not fail
	token := "afs_" + base64.RawURLEncoding.EncodeToString(b)
	t := store.StaffToken{Name: c.Name, Hash: web.StaffTokenHash(token), ExpiresAt: st.Now().Add(c.Expires)}
	err = st.InTx(e.ctx, func(tx *store.Tx) error {
		if err := tx.InsertStaffToken(e.ctx, &t); err != nil {
			return err
		}
		_, err := tx.AddAuditEvent(e.ctx, model.AuditEvent{Actor: staffActor(e, ""), Action: "staff_token.created",
			SubjectKind: "staff_token", SubjectID: fmt.Sprint(t.ID), Details: map[string]any{"name": c.Name,
				"expires_at": t.ExpiresAt.UTC().Format(time.RFC3339)}})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "token %d for %s, until %s; it is shown this once:\n", t.ID, c.Name,
		t.ExpiresAt.In(amsterdam).Format("2006-01-02 15:04"))
	fmt.Fprintln(e.stdout, token)
	return nil
}

type staffTokenListCmd struct{}

func (staffTokenListCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	tokens, err := st.StaffTokens(e.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACCOUNT\tCREATED\tEXPIRES\tLAST USED\tSTATE")
	when := func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.In(amsterdam).Format("2006-01-02 15:04")
	}
	now := st.Now()
	for _, t := range tokens {
		state := "active"
		switch {
		case !t.RevokedAt.IsZero():
			state = "revoked " + t.RevokedAt.In(amsterdam).Format("2006-01-02")
		case !t.ExpiresAt.After(now):
			state = "expired"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, when(t.CreatedAt), when(t.ExpiresAt), when(t.LastUsedAt), state)
	}
	return tw.Flush()
}

type staffTokenRevokeCmd struct {
	ID int64 `arg:"" help:"The token's id (see 'staff token list')."`
}

func (c staffTokenRevokeCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	err = st.InTx(e.ctx, func(tx *store.Tx) error {
		if err := tx.RevokeStaffToken(e.ctx, c.ID); err != nil {
			return err
		}
		_, err := tx.AddAuditEvent(e.ctx, model.AuditEvent{Actor: staffActor(e, ""), Action: "staff_token.revoked",
			SubjectKind: "staff_token", SubjectID: fmt.Sprint(c.ID)})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "revoked token %d\n", c.ID)
	return nil
}
