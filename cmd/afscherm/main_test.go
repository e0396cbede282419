package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// reexecEnv makes the test binary behave as afscherm itself, so tests can
// start real afscherm processes without building the binary first.
const reexecEnv = "AFSCHERM_TEST_AS_MAIN"

// crashEnv names a step of carrying a request out (see
// requests.Service.AfterStep) after which the process exits at once with
// exitCrashed, as if killed: no deferred cleanup, no graceful shutdown.
const crashEnv = "AFSCHERM_TEST_CRASH_AT"

const exitCrashed = 86

// allowLocalLinksEnv is --allow-local-links, which the tests' helpers give
// every command they run: the tests' servers are on loopback.
const allowLocalLinksEnv = "AFSCHERM_ALLOW_LOCAL_LINKS"

// testGetenv is environ as the tests run afscherm in-process: with
// AFSCHERM_ALLOW_LOCAL_LINKS true unless environ sets it (to "" for the
// refusals of customerSafe).
func testGetenv(environ map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := environ[k]; ok || k != allowLocalLinksEnv {
			return v
		}
		return "true"
	}
}

func TestMain(m *testing.M) {
	if os.Getenv(reexecEnv) == "1" {
		if at := os.Getenv(crashEnv); at != "" {
			afterStep = func(step string) {
				if step == at {
					fmt.Fprintf(os.Stderr, "crashing after %s\n", step)
					os.Exit(exitCrashed)
				}
			}
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	// Commands on PostgreSQL keep the client key file in the user's
	// configuration folder: a temporary one here, for the tests and the
	// processes they start, so that they leave the real one alone.
	config, err := os.MkdirTemp("", "afscherm-config-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CONFIG_HOME", config)
	code := m.Run()
	os.RemoveAll(config)
	os.Exit(code)
}
