// Command afscherm is a domain registration privacy request broker: it finds
// customers' domains whose registrant data is public in RDAP and WHOIS, asks
// the customer to approve shielding it, and follows the request with the
// registrar or registry until the data is gone.
//
// Run "afscherm --help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
