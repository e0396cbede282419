package mail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/afscherm/afscherm/internal/model"
)

// Dir writes each message as an .eml file into a folder.
type Dir struct{ Path string }

// Describe names the folder.
func (d Dir) Describe() string { return "the folder " + d.Path }

// FileName is a message's file: its outbox id and kind, never its
// recipient, so that the folder's listing shows no personal data.
func FileName(m model.OutboxMessage) string { return fmt.Sprintf("%08d-%s.eml", m.ID, m.Kind) }

// Send writes the message; a message already written is left as it is.
func (d Dir) Send(_ context.Context, m model.OutboxMessage, raw []byte) error {
	if err := os.MkdirAll(d.Path, 0o750); err != nil {
		return fmt.Errorf("mail folder: %w", err)
	}
	path := filepath.Join(d.Path, FileName(m))
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	tmp, err := os.CreateTemp(d.Path, ".writing-*")
	if err != nil {
		return fmt.Errorf("mail folder: %w", err)
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
