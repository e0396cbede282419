package openprovider_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/afscherm/afscherm/registrars"
	"github.com/afscherm/afscherm/registrars/openprovider"
	"github.com/afscherm/afscherm/registrars/openprovider/openprovidertest"
)

// An adapter over a fake Openprovider on loopback: the first Submit
// switches privacy on, a repeat finds it on and changes nothing.
func ExampleAdapter() {
	fake := openprovidertest.New("reseller", "secret")
	fake.AddDomain("example.com", "A. Person")
	srv := httptest.NewTLSServer(fake)
	defer srv.Close()

	client, err := openprovider.NewClient(openprovider.Config{
		BaseURL:    srv.URL + "/v1beta",
		Username:   "reseller",
		Password:   "secret",
		HTTPClient: srv.Client(),
	})
	if err != nil {
		panic(err)
	}
	adapter, err := openprovider.NewAdapter(openprovider.AdapterConfig{
		Client: client,
		TLDs:   []string{"com", "us"},
		Cost:   func(context.Context, registrars.Domain) (int64, error) { return 495, nil },
	})
	if err != nil {
		panic(err)
	}

	fmt.Println(adapter.Serves(registrars.Domain{Name: "example.us", Registrar: "openprovider"}).Reason)
	r := registrars.Request{ID: 1, Domain: registrars.Domain{Name: "example.com", Registrar: "openprovider"}}
	for range 2 {
		st, err := adapter.Submit(context.Background(), r)
		fmt.Println(st.State, err)
	}
	fmt.Println("changes:", fake.Changes("example.com"))
	// Output:
	// not possible: the .us registry forbids privacy and proxy services: the registrant's own data must be published (usTLD nexus policy)
	// completed <nil>
	// completed <nil>
	// changes: 1
}
