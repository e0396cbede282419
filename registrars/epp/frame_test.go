package epp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestWriteFrameCountsHeader(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFrame(&b, []byte("<epp/>")); err != nil {
		t.Fatal(err)
	}
	got := b.Bytes()
	if n := binary.BigEndian.Uint32(got); n != uint32(4+len("<epp/>")) {
		t.Fatalf("announced length %d, want %d (the header counts itself)", n, 4+len("<epp/>"))
	}
	body, err := ReadFrame(&b, 64)
	if err != nil || string(body) != "<epp/>" {
		t.Fatalf("round trip: %q, %v", body, err)
	}
}

// strictReader fails the test if more than the header is read.
type strictReader struct {
	t   *testing.T
	hdr []byte
}

func (r *strictReader) Read(p []byte) (int, error) {
	if len(r.hdr) == 0 {
		r.t.Fatal("read past the header of an oversized frame")
	}
	n := copy(p, r.hdr)
	r.hdr = r.hdr[n:]
	return n, nil
}

func header(n uint32) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, n)
	return b
}

func TestReadFrameLimits(t *testing.T) {
	t.Run("too large", func(t *testing.T) {
		_, err := ReadFrame(&strictReader{t: t, hdr: header(1<<31 + 5)}, 1<<20)
		if !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("err = %v, want ErrFrameTooLarge", err)
		}
	})
	t.Run("limit is inclusive", func(t *testing.T) {
		frame := append(header(10), "<epp/>"...)
		if _, err := ReadFrame(bytes.NewReader(frame), 10); err != nil {
			t.Fatalf("a frame of exactly the limit: %v", err)
		}
		if _, err := ReadFrame(bytes.NewReader(frame), 9); !errors.Is(err, ErrFrameTooLarge) {
			t.Fatalf("a frame one byte over: %v", err)
		}
	})
	for _, n := range []uint32{0, 3, 4} {
		_, err := ReadFrame(bytes.NewReader(header(n)), 1<<20)
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("length %d: err = %v, want ErrProtocol", n, err)
		}
	}
	cases := map[string][]byte{
		"nothing":      nil,
		"half header":  {0, 0},
		"half body":    append(header(20), "<epp>"...),
		"header alone": header(20),
	}
	for name, in := range cases {
		_, err := ReadFrame(bytes.NewReader(in), 1<<20)
		if !errors.Is(err, ErrConnection) {
			t.Errorf("%s: err = %v, want ErrConnection", name, err)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteFrameError(t *testing.T) {
	if err := WriteFrame(failWriter{}, []byte("<epp/>")); !errors.Is(err, ErrConnection) {
		t.Fatalf("err = %v, want ErrConnection", err)
	}
}
