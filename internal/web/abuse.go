package web

import (
	"net/http"
	"sync"
	"time"
)

// blockRefresh is how often the block list is read again.
const blockRefresh = 30 * time.Second

// blocklist is the abuse block list, read from the store now and then.
type blocklist struct {
	mu     sync.Mutex
	hashes map[string]bool
	read   time.Time
}

// blocked reports whether the client's address, hashed under any client
// key, is on the block list.
func (s *Server) blocked(r *http.Request) bool {
	if s.deps.Requests == nil {
		return false
	}
	b := &s.blocks
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Since(b.read) > blockRefresh {
		list, err := s.deps.Store.AbuseBlocks(r.Context())
		if err != nil {
			s.deps.Log.Warn("abuse block list unreadable; the last one stays", "error", err)
		} else {
			b.hashes = map[string]bool{}
			for _, x := range list {
				b.hashes[x.ClientHash] = true
			}
		}
		b.read = time.Now()
	}
	if len(b.hashes) == 0 {
		return false
	}
	for _, h := range s.deps.Requests.Keys.ClientHashes(s.clientAddress(r)) {
		if b.hashes[h] {
			return true
		}
	}
	return false
}
