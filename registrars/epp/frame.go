package epp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// headerLen is RFC 5734's length prefix: four octets, big-endian, counting
// themselves.
const headerLen = 4

// WriteFrame writes one RFC 5734 frame: the total length, header included,
// then the XML.
func WriteFrame(w io.Writer, xml []byte) error {
	if uint64(len(xml))+headerLen > 1<<32-1 {
		return fmt.Errorf("%w: %d bytes", ErrFrameTooLarge, len(xml))
	}
	buf := make([]byte, headerLen+len(xml))
	binary.BigEndian.PutUint32(buf, uint32(headerLen+len(xml)))
	copy(buf[headerLen:], xml)
	if _, err := w.Write(buf); err != nil {
		if isTimeout(err) {
			return fmt.Errorf("%w: write frame: %w", ErrTimeout, err)
		}
		return fmt.Errorf("%w: write frame: %w", ErrConnection, err)
	}
	return nil
}

// ReadFrame reads one RFC 5734 frame of at most limit bytes, header included,
// and returns the XML. A connection that ends before or inside the frame
// gives ErrConnection; a longer announced length gives ErrFrameTooLarge
// before anything is allocated.
func ReadFrame(r io.Reader, limit int) ([]byte, error) {
	var hdr [headerLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, readErr("frame header", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(limit) {
		return nil, fmt.Errorf("%w: server announced %d bytes, limit %d", ErrFrameTooLarge, n, limit)
	}
	if n <= headerLen {
		return nil, fmt.Errorf("%w: frame length %d leaves no XML", ErrProtocol, n)
	}
	body := make([]byte, n-headerLen)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, readErr("frame body", err)
	}
	return body, nil
}

// readErr classifies a read failure; timeouts keep their own meaning so the
// transport can tell them apart.
func readErr(what string, err error) error {
	if isTimeout(err) {
		return fmt.Errorf("%w: read %s: %w", ErrTimeout, what, err)
	}
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: connection closed before %s", ErrConnection, what)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: connection closed inside %s", ErrConnection, what)
	}
	return fmt.Errorf("%w: read %s: %w", ErrConnection, what, err)
}
