// Package model is afscherm's domain model: customers, their domains, audit
// events, and the error vocabulary every other package speaks.
//
// It imports nothing of ours and does no I/O, so its rules can be tested and
// reused by the store, the jobs, the web server and the command line alike.
package model
