package main

import (
	"github.com/afscherm/afscherm/internal/database"
	"github.com/afscherm/afscherm/internal/store"
)

// clientKeys are the keys of the hashes of client addresses, current
// first, from outside the database: --client-key (AFSCHERM_CLIENT_KEY),
// else derived from --secret, else the key file (made on first start).
// Before, the key was derived from the secret kept in the database; hashes
// made under it no longer match, which is said once, when the key file is
// made, if abuse blocks are affected.
func (f keyFlags) clientKeys(e *env, st *store.Store, derive func(purpose string) []byte) ([][]byte, error) {
	if len(f.ClientKey) > 0 {
		keys := make([][]byte, len(f.ClientKey))
		for i, k := range f.ClientKey {
			keys[i] = []byte(k)
		}
		return keys, nil
	}
	if f.Secret != "" {
		return [][]byte{derive("client-address")}, nil
	}
	path := f.ClientKeyFile
	if path == "" {
		var err error
		if path, err = database.ClientKeyFile(e.cli.DatabaseURL); err != nil {
			return nil, err
		}
	}
	lines, created, err := database.ReadClientKeys(path)
	if err != nil {
		return nil, err
	}
	if created {
		e.log.Info("made a client key file, mode 0600; keep it out of database backups", "file", path)
		if blocks, err := st.AbuseBlocks(e.ctx); err == nil && len(blocks) > 0 {
			e.log.Warn("abuse blocks made under the old client key, which was kept in the database, no longer match: "+
				"block those clients again by address (afscherm abuse list)", "blocks", len(blocks))
		}
	}
	keys := make([][]byte, len(lines))
	for i, k := range lines {
		keys[i] = []byte(k)
	}
	return keys, nil
}
