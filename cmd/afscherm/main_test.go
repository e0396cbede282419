package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// reexecEnv makes the test binary behave as afscherm itself, so tests can
// start real afscherm processes without building the binary first.
const reexecEnv = "AFSCHERM_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(reexecEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
