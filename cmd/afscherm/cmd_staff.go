package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"text/tabwriter"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/store"
	"github.com/afscherm/afscherm/internal/web"
)

type staffCmd struct {
	Token staffTokenCmd `cmd:"" help:"Manage staff API tokens."`
}

type staffTokenCmd struct {
	Create staffTokenCreateCmd `cmd:"" help:"Issue a token for the staff API; it is shown once, only its hash is kept."`
	List   staffTokenListCmd   `cmd:"" help:"List tokens (never the tokens themselves)."`
	Revoke staffTokenRevokeCmd `cmd:"" help:"Revoke a token."`
}

var staffName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

type staffTokenCreateCmd struct {
	Name string `required:"" help:"Whose token: a staff member's user name, recorded as the actor of what it does."`
}

func (c staffTokenCreateCmd) Run(e *env) error {
	if !staffName.MatchString(c.Name) {
		return usagef("--name must be 1 to 64 lower-case letters, digits, '.', '_' or '-'")
	}
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read does not fail
	token := "afs_" + base64.RawURLEncoding.EncodeToString(b)
	t := store.StaffToken{Name: c.Name, Hash: web.StaffTokenHash(token)}
	err = st.InTx(e.ctx, func(tx *store.Tx) error {
		if err := tx.InsertStaffToken(e.ctx, &t); err != nil {
			return err
		}
		_, err := tx.AddAuditEvent(e.ctx, model.AuditEvent{Actor: staffActor(e, ""), Action: "staff_token.created",
			SubjectKind: "staff_token", SubjectID: fmt.Sprint(t.ID), Details: map[string]any{"name": c.Name}})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "token %d for %s; it is shown this once:\n", t.ID, c.Name)
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
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED\tREVOKED")
	day := func(t interface{ IsZero() bool }, s string) string {
		if t.IsZero() {
			return "–"
		}
		return s
	}
	for _, t := range tokens {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.In(amsterdam).Format("2006-01-02"),
			day(t.LastUsedAt, t.LastUsedAt.In(amsterdam).Format("2006-01-02 15:04")),
			day(t.RevokedAt, t.RevokedAt.In(amsterdam).Format("2006-01-02")))
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
