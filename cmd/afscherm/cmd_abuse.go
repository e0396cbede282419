package main

import (
	"fmt"
	"net/netip"
	"regexp"
	"text/tabwriter"

	"github.com/afscherm/afscherm/internal/model"
	"github.com/afscherm/afscherm/internal/requests"
	"github.com/afscherm/afscherm/internal/store"
)

type abuseCmd struct {
	Block   abuseBlockCmd   `cmd:"" help:"Block a client (by address, which is not stored, or by hash) with a plain 403."`
	Unblock abuseUnblockCmd `cmd:"" help:"Lift a block."`
	List    abuseListCmd    `cmd:"" help:"List the blocks (hashes only)."`
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// clientHashes reads an address (hashed under every client key) or a hash.
func clientHashes(keys requests.Keys, client string) ([]string, error) {
	if hexHash.MatchString(client) {
		return []string{client}, nil
	}
	addr, err := netip.ParseAddr(client)
	if err != nil {
		return nil, usagef("%q is neither an IP address nor a client hash (64 hex digits)", client)
	}
	return keys.ClientHashes(addr.Unmap().WithZone("").String()), nil // the server's form of an address
}

type abuseBlockCmd struct {
	Client string `arg:"" help:"The client's IP address, or its hash (as in consent records)."`
	Reason string `required:"" help:"What it did."`
	As     string `placeholder:"NAME" help:"The staff member blocking (default: your user name)."`
	keyFlags
}

func (c abuseBlockCmd) Run(e *env) error {
	return c.change(e, c.Client, "abuse.blocked", c.Reason, c.As, func(tx *store.Tx, hashes []string, by string) (int64, error) {
		return tx.BlockClients(e.ctx, hashes, c.Reason, by)
	})
}

type abuseUnblockCmd struct {
	Client string `arg:"" help:"The client's IP address, or its hash."`
	As     string `placeholder:"NAME" help:"The staff member (default: your user name)."`
	keyFlags
}

func (c abuseUnblockCmd) Run(e *env) error {
	return c.change(e, c.Client, "abuse.unblocked", "", c.As, func(tx *store.Tx, hashes []string, _ string) (int64, error) {
		return tx.UnblockClients(e.ctx, hashes)
	})
}

// change blocks or unblocks a client in a transaction with its audit
// event, which holds no address.
func (f keyFlags) change(e *env, client, action, reason, as string, do func(*store.Tx, []string, string) (int64, error)) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := f.keys(e, st)
	if err != nil {
		return err
	}
	hashes, err := clientHashes(keys, client)
	if err != nil {
		return err
	}
	by := staffActor(e, as)
	var n int64
	err = st.InTx(e.ctx, func(tx *store.Tx) error {
		if n, err = do(tx, hashes, by.ID); err != nil {
			return err
		}
		_, err := tx.AddAuditEvent(e.ctx, model.AuditEvent{Actor: by, Action: action, SubjectKind: "client",
			SubjectID: hashes[0][:16], Reason: reason, Details: map[string]any{"hashes": n}})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d hash(es) %s\n", action, n, hashes[0][:16]+"…")
	return nil
}

type abuseListCmd struct{}

func (abuseListCmd) Run(e *env) error {
	st, err := e.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	blocks, err := st.AbuseBlocks(e.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HASH\tSINCE\tBY\tREASON")
	for _, b := range blocks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", b.ClientHash, b.CreatedAt.In(amsterdam).Format("2006-01-02 15:04"), b.CreatedBy, b.Reason)
	}
	return tw.Flush()
}
